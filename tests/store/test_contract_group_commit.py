"""Group commit (`Store.transaction_batch`, `Ticketing.reserve_all`): reserves made together get
exactly what reserves made one by one get, on every store; tests/fakes runs this on the fake too.
SQLite's shared transaction (committed at the block's end, undone whole on an escaping error) is
tested in tests/store/test_sqlite_group_commit.py."""

from __future__ import annotations

import pytest

from eventflow.domain.errors import IdempotencyKeyReused, NotFound, SoldOut, ValidationFailed
from eventflow.domain.models import Buyer, Reservation, ReservationStatus
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest, ReserveRequest
from tests.conftest import BUYER, make_service, publish_event


@pytest.fixture
def service(store: Store, clock):  # type: ignore[no-untyped-def]
    return make_service(store, clock)


def held(store: Store, event_id: str, tier_id: str) -> int:
    return next(t.held for t in store.get_tiers(event_id) if t.id == tier_id)


def test_a_batch_answers_each_request_as_reserve_would(service, store: Store) -> None:
    event, tiers = publish_event(service, capacities=(100, 50, 10))
    small = tiers[2].id
    other = Buyer(email="grace@example.com", name="Grace Hopper")
    results = service.reserve_all([
        ReserveRequest(event.id, [LineRequest(small, 6)], BUYER),
        ReserveRequest(event.id, [LineRequest(small, 6)], BUYER),  # does not fit any more
        ReserveRequest(event.id, [LineRequest(tiers[0].id, 2), LineRequest(small, 4)], other),
        ReserveRequest(event.id, [LineRequest(small, 1)], BUYER),  # sold out now
        ReserveRequest("evt_nope", [LineRequest(small, 1)], BUYER),
        ReserveRequest(event.id, [LineRequest(small, 0)], BUYER),
        ReserveRequest(event.id, [LineRequest(tiers[0].id, 1)], BUYER, "key-1"),
        ReserveRequest(event.id, [LineRequest(tiers[0].id, 1)], BUYER, "key-1"),  # a retry: the same hold
        ReserveRequest(event.id, [LineRequest(tiers[0].id, 2)], BUYER, "key-1"),  # the key, another request
    ])
    assert [type(result) for result in results] == [
        Reservation, SoldOut, Reservation, SoldOut, NotFound, ValidationFailed, Reservation, Reservation,
        IdempotencyKeyReused]
    first, _, cart, _, _, _, keyed, retried, _ = results
    assert isinstance(first, Reservation) and isinstance(cart, Reservation) and isinstance(keyed, Reservation)
    assert retried == keyed
    for reservation in (first, cart, keyed):
        assert store.get_reservation(reservation.id) == reservation
        assert reservation.status is ReservationStatus.HELD
    assert held(store, event.id, small) == 10  # 6 + 4: never more than the capacity
    assert held(store, event.id, tiers[0].id) == 3  # 2 + the keyed 1, once


def test_a_batch_after_a_batch_sees_what_the_first_committed(service, store: Store) -> None:
    event, tiers = publish_event(service, capacities=(100, 50, 10))
    small = tiers[2].id
    first = service.reserve_all([ReserveRequest(event.id, [LineRequest(small, 5)], BUYER)] * 2)
    second = service.reserve_all([ReserveRequest(event.id, [LineRequest(small, 5)], BUYER)] * 2)
    assert [type(r) for r in first + second] == [Reservation, Reservation, SoldOut, SoldOut]
    assert held(store, event.id, small) == 10


def test_an_empty_batch_does_nothing(service) -> None:
    assert service.reserve_all([]) == []
