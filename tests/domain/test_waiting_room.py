"""The waiting room's rules (domain/waiting_room.py) on the in-memory store: the draw at the opening is a
random permutation that an arrival's timing does not predict, later arrivals queue after it, admission
follows the drawn order at the room's rate, and passes are signed, bound to their event and expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import NotFound
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.sale_settings import SaleRules, SaleSettings, admission_rate
from eventflow.domain.waiting_room import (
    PASS_LIFETIME,
    RoomPasses,
    RoomStateName,
    WaitingRoom,
    WaitingRoomRequired,
    admitted_positions,
    waiting_room_for,
)
from tests.conftest import publish_event

EVENT = "evt_hot"


def room(service: Ticketing, clock: ManualClock, rate: int = 60, capacity: int = 100,
         event: str = EVENT) -> WaitingRoom:
    rules = SaleRules(service.store)
    rules.save(SaleSettings(event, waiting_room=True, opens_at=clock.now() + timedelta(minutes=5),
                            admissions_per_minute=rate))
    return WaitingRoom(service.store, rules, RoomPasses("secret"), lambda _: (capacity, capacity),
                       timedelta(minutes=15), clock.now)


def early_crowd(wr: WaitingRoom, clock: ManualClock, count: int, event: str = EVENT) -> list[str]:
    visitors = []
    for _ in range(count):
        visitors.append(wr.join(event).visitor_id)
        clock.advance(timedelta(milliseconds=10))
    return visitors


def test_the_draw_is_a_permutation_not_the_arrival_order(service: Ticketing, clock: ManualClock) -> None:
    orders = []
    for attempt in range(3):  # three rooms of 40 early arrivals: three different drawn orders
        event = f"evt_hot{attempt}"
        wr = room(service, clock, rate=1, event=event)
        visitors = early_crowd(wr, clock, 40, event)
        assert {wr.status(event, v).state for v in visitors} == {RoomStateName.BEFORE_OPENING}
        clock.advance(timedelta(minutes=5))
        positions = [wr.status(event, v).position or 0 for v in visitors]
        assert sorted(positions) == list(range(1, 41))
        assert positions != list(range(1, 41))  # the first to arrive is not first in line (1 in 40! chance)
        orders.append(positions)
        late = wr.join(event)
        assert late.position == 41 and late.state is RoomStateName.WAITING
    assert orders[0] != orders[1] != orders[2]


def test_admission_follows_the_drawn_order_at_the_rate(service: Ticketing, clock: ManualClock) -> None:
    wr = room(service, clock, rate=30)
    visitors = early_crowd(wr, clock, 12)
    clock.advance(timedelta(minutes=5))
    by_position = sorted(visitors, key=lambda v: wr.status(EVENT, v).position or 0)
    admitted = [v for v in by_position if wr.status(EVENT, v).state is RoomStateName.ADMITTED]
    assert admitted == by_position[:5]  # 30 a minute: the first ten seconds' worth at the opening
    waiting = wr.status(EVENT, by_position[9])
    assert (waiting.ahead, waiting.wait_seconds) == (4, 10)
    clock.advance(timedelta(seconds=10))
    assert [wr.status(EVENT, v).state for v in by_position[5:]] == [RoomStateName.ADMITTED] * 5 + [
        RoomStateName.WAITING] * 2
    assert admitted_positions(30, clock.now(), clock.now() - timedelta(seconds=1)) == 0


def test_passes_are_checked_forged_expired_and_other_events_refused(service: Ticketing, clock: ManualClock) -> None:
    wr = room(service, clock, rate=600)
    visitor = wr.join(EVENT).visitor_id
    with pytest.raises(WaitingRoomRequired):
        wr.check_reserve(EVENT, None)
    clock.advance(timedelta(minutes=5))
    status = wr.status(EVENT, visitor)
    assert status.state is RoomStateName.ADMITTED and status.room_pass
    assert wr.check_reserve(EVENT, status.room_pass) == visitor
    assert wr.status(EVENT, visitor).room_pass == status.room_pass  # the same pass on every poll
    body, _, signature = status.room_pass.rpartition(".")
    for forged in (f"{body}.{signature[::-1]}", status.room_pass.replace(visitor, "wv_someone_else"),
                   RoomPasses("another secret").issue(EVENT, visitor, clock.now() + PASS_LIFETIME), "wr1.x", ""):
        with pytest.raises(WaitingRoomRequired):
            wr.check_reserve(EVENT, forged)
    wr.rules.save(SaleSettings("evt_other_room", waiting_room=True, opens_at=clock.now()))
    with pytest.raises(WaitingRoomRequired):
        wr.check_reserve("evt_other_room", status.room_pass)
    assert wr.check_reserve("evt_without_room", None) is None  # no room: nothing asked
    clock.advance(PASS_LIFETIME)
    with pytest.raises(WaitingRoomRequired):
        wr.check_reserve(EVENT, status.room_pass)
    with pytest.raises(NotFound):
        wr.join("evt_without_room")


def test_the_computed_rate_lets_the_capacity_through_once_per_hold() -> None:
    settings = SaleSettings(EVENT, waiting_room=True)
    assert admission_rate(settings, capacity=300, hold=timedelta(minutes=15)) == 20
    assert admission_rate(settings, capacity=20, hold=timedelta(minutes=15)) == 10  # the floor
    assert admission_rate(SaleSettings(EVENT, admissions_per_minute=7), 300, timedelta(minutes=15)) == 7


def test_per_event_rules_switch_the_buyer_limit_and_drop_mode(service: Ticketing, clock: ManualClock) -> None:
    event, tiers = publish_event(service, capacities=(8,), prices=(1000,))
    service.one_hold_per_buyer, service.drop_hold = True, timedelta(minutes=5)  # the platform's defaults
    waiting_room_for(service, "secret", one_hold_default=True, drop_minutes=5)
    buyer, line = Buyer("same@example.com", "Same"), [LineRequest(tiers[0].id, 2)]
    first = service.reserve(event.id, line, buyer)
    second = service.reserve(event.id, line, buyer)
    assert service.store.get_reservation(first.id).status.value == "cancelled"  # replaced (the platform default)
    fresh = Ticketing(service.store, clock, secret_key="test-secret",  # a catalogue read after the holds
                      one_hold_per_buyer=True, drop_hold=timedelta(minutes=5))
    rules = waiting_room_for(fresh, "secret", one_hold_default=True, drop_minutes=5).rules
    third = fresh.reserve(event.id, line, Buyer("other@example.com", "Other"))
    assert third.expires_at - clock.now() == timedelta(minutes=5)  # drop mode: 2 of 8 held is selling fast
    rules.change(event.id, one_hold_per_buyer=False, drop_mode=False)  # the organizer switches both off
    fourth = fresh.reserve(event.id, line, buyer)
    assert service.store.get_reservation(second.id).status.value == "held"
    assert fourth.expires_at - clock.now() == fresh.hold_duration
