"""Idempotency keys: a true retry gets its reservation back, another request under the same key gets 409.

The reservation id derives from (event, key) and the store hands back whatever reservation has that
id, so without a check a second client sending a victim's key got the victim's reservation (and,
after checkout, their tickets). Each reservation now keeps a fingerprint of its request.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventflow.domain.errors import IdempotencyKeyReused
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest, Ticketing, fingerprint_of, request_fingerprint
from tests.conftest import BUYER, publish_event

MALLORY = Buyer("mallory@example.com", "Mallory")


def held(service: Ticketing, event_id: str) -> list[int]:
    return [t.held for t in service.store.get_tiers(event_id)]


@pytest.mark.parametrize("other", ["buyer", "name", "quantity", "tier", "extra line"])
def test_the_same_key_with_another_request_is_refused(service: Ticketing, other: str) -> None:
    event, tiers = publish_event(service)
    lines = [LineRequest(tiers[0].id, 2)]
    victim = service.reserve(event.id, lines, BUYER, idempotency_key="K")
    attempt = {
        "buyer": (lines, MALLORY),
        "name": (lines, Buyer(BUYER.email, "Mallory")),
        "quantity": ([LineRequest(tiers[0].id, 1)], BUYER),
        "tier": ([LineRequest(tiers[1].id, 2)], BUYER),
        "extra line": ([*lines, LineRequest(tiers[1].id, 1)], BUYER),
    }[other]
    with pytest.raises(IdempotencyKeyReused) as refused:
        service.reserve(event.id, *attempt, idempotency_key="K")
    assert victim.id not in str(refused.value) and refused.value.code == "idempotency_key_reused"
    assert held(service, event.id) == [2, 0, 0]
    assert service.reserve(event.id, lines, BUYER, idempotency_key="K") == victim  # a true retry still works


def test_a_true_retry_is_the_same_request_however_it_is_written(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    first = service.reserve(event.id, [LineRequest(tiers[0].id, 2), LineRequest(tiers[1].id, 1)],
                            BUYER, idempotency_key="K")
    again = service.reserve(
        event.id, [LineRequest(tiers[1].id, 1), LineRequest(tiers[0].id, 1), LineRequest(tiers[0].id, 1)],
        Buyer(f"  {BUYER.email.upper()} ", f" {BUYER.name} "), idempotency_key="K",
    )
    assert again == first and held(service, event.id) == [2, 1, 0]


def test_a_key_belongs_to_its_event(service: Ticketing) -> None:
    first_event, first_tiers = publish_event(service)
    other_event, other_tiers = publish_event(service)
    one = service.reserve(first_event.id, [LineRequest(first_tiers[0].id, 1)], BUYER, idempotency_key="K")
    two = service.reserve(other_event.id, [LineRequest(other_tiers[0].id, 1)], MALLORY, idempotency_key="K")
    assert one.id != two.id


def test_a_reservation_from_before_fingerprints_is_compared_by_what_it_holds(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    lines = [LineRequest(tiers[0].id, 2)]
    # Stored as an older version did: the same reservation, without a fingerprint.
    priced = service._price(service.catalog.event_view(event.id), {tiers[0].id: 2}, BUYER,
                            service.reservation_id_for(event.id, "K"), "K")
    legacy, created = service.store.reserve(replace(priced, request_fingerprint=None))
    assert created and legacy.request_fingerprint is None
    assert fingerprint_of(legacy) == priced.request_fingerprint
    assert service.reserve(event.id, lines, BUYER, idempotency_key="K") == legacy
    with pytest.raises(IdempotencyKeyReused):
        service.reserve(event.id, lines, MALLORY, idempotency_key="K")
    assert held(service, event.id) == [2, 0, 0]


def test_the_fingerprint_is_of_event_lines_and_buyer() -> None:
    base = request_fingerprint("evt_1", {"tier_a": 2, "tier_b": 1}, BUYER)
    assert base == request_fingerprint("evt_1", {"tier_b": 1, "tier_a": 2}, BUYER)
    assert len({base, request_fingerprint("evt_2", {"tier_a": 2, "tier_b": 1}, BUYER),
                request_fingerprint("evt_1", {"tier_a": 2}, BUYER),
                request_fingerprint("evt_1", {"tier_a": 2, "tier_b": 1}, MALLORY)}) == 4
