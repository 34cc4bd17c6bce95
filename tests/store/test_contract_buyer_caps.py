"""The organizer's tickets-per-buyer cap (domain/buyer_caps.py) on SQLite, DynamoDB (moto) and the fake: tickets
already BOUGHT count, and one buyer's reserves racing each other never take more than the cap."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from eventflow.domain.buyer_caps import BuyerCapReached, cap_key
from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer, Reservation, ReservationStatus
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.sale_settings import SaleRules, SaleSettings
from tests.conftest import FAST_HASHER, publish_event
from tests.store.test_contract_buyer_holds import any_store, racing_store  # noqa: F401

CAP = 4
BUYER = Buyer(email="Fan@Example.com", name="Fan")


def capped(store: Store, clock: ManualClock, one_hold: bool = False) -> tuple[Ticketing, str, str]:
    ticketing = Ticketing(store, clock, secret_key="cap", password_hasher=FAST_HASHER, one_hold_per_buyer=one_hold)
    ticketing.sale_rules = SaleRules(store, one_hold)  # type: ignore[arg-type]
    event, tiers = publish_event(ticketing, capacities=(50,), prices=(0,))
    ticketing.sale_rules.save(SaleSettings(event.id, max_tickets_per_buyer=CAP))
    return ticketing, event.id, tiers[0].id


def tickets_of_buyer(store: Store, event_id: str) -> int:
    """Held and bought tickets of the buyer's reservations, from the store (not from the cap's own count)."""
    notes: Any = store
    found = [store.get_reservation(i) for i in notes.buyer_reservation_ids(event_id, cap_key(BUYER.email))]
    return sum(r.quantity for r in found if r is not None and r.status in (ReservationStatus.HELD,
                                                                            ReservationStatus.CONFIRMED))


def test_the_cap_round_trips_and_notes_are_per_buyer_and_event(any_store: Store) -> None:  # noqa: F811
    notes: Any = any_store
    notes.save_sale_settings(SaleSettings("evt_c", max_tickets_per_buyer=6))
    assert notes.get_sale_settings("evt_c").max_tickets_per_buyer == 6
    notes.save_sale_settings(SaleSettings("evt_c"))
    assert notes.get_sale_settings("evt_c").max_tickets_per_buyer is None
    notes.note_buyer_reservation("evt_c", "k1", "res_b")
    notes.note_buyer_reservation("evt_c", "k1", "res_a")
    notes.note_buyer_reservation("evt_c", "k1", "res_a")  # again: once
    notes.note_buyer_reservation("evt_d", "k1", "res_c")
    assert notes.buyer_reservation_ids("evt_c", "k1") == ["res_a", "res_b"]
    assert notes.buyer_reservation_ids("evt_c", "k2") == []


def test_tickets_bought_count_against_the_cap(any_store: Store, clock: ManualClock) -> None:  # noqa: F811
    ticketing, event_id, tier_id = capped(any_store, clock)
    first = ticketing.reserve(event_id, [LineRequest(tier_id, 3)], BUYER)
    ticketing.confirm(first.id, "free")
    with pytest.raises(BuyerCapReached) as refused:  # 3 bought + 2 > 4: refused before anything is written
        ticketing.reserve(event_id, [LineRequest(tier_id, 2)], Buyer(email="fan@example.com", name="Fan"))
    assert refused.value.params == {"most": CAP, "have": 3}
    assert next(t for t in any_store.get_tiers(event_id) if t.id == tier_id).held == 0
    ticketing.reserve(event_id, [LineRequest(tier_id, 1)], BUYER)  # up to the cap: fine
    ticketing.reserve(event_id, [LineRequest(tier_id, 4)], Buyer(email="other@example.com", name="O"))
    assert tickets_of_buyer(any_store, event_id) == CAP


def test_a_hold_over_the_cap_with_the_buyers_holds_releases_itself(any_store: Store,  # noqa: F811
                                                                   clock: ManualClock) -> None:
    ticketing, event_id, tier_id = capped(any_store, clock)  # one standing hold OFF: holds could stack
    ticketing.reserve(event_id, [LineRequest(tier_id, 3)], BUYER)
    with pytest.raises(BuyerCapReached):
        ticketing.reserve(event_id, [LineRequest(tier_id, 2)], BUYER)
    assert next(t for t in any_store.get_tiers(event_id) if t.id == tier_id).held == 3
    assert tickets_of_buyer(any_store, event_id) == 3


def test_one_buyers_racing_reserves_never_exceed_the_cap(racing_store: Store, clock: ManualClock,  # noqa: F811
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ticketing, event_id, tier_id = capped(racing_store, clock)
    # The worst interleaving, every time: both holds written before either counts.
    both_written = threading.Barrier(2, timeout=10)
    note = type(racing_store).note_buyer_reservation  # type: ignore[attr-defined]

    def note_after_both(self: Any, event_id: str, buyer_key: str, reservation_id: str) -> None:
        both_written.wait()
        note(self, event_id, buyer_key, reservation_id)

    monkeypatch.setattr(type(racing_store), "note_buyer_reservation", note_after_both)

    def reserve(_: int) -> Reservation | None:
        try:
            return ticketing.reserve(event_id, [LineRequest(tier_id, 3)], BUYER)
        except BuyerCapReached:
            return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(reserve, range(2)))
    assert tickets_of_buyer(racing_store, event_id) <= CAP  # without the check after: 6
    held = next(t for t in racing_store.get_tiers(event_id) if t.id == tier_id).held
    assert held == tickets_of_buyer(racing_store, event_id)  # a refused hold gave its tickets back
