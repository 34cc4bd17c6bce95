"""The reaper's batch (`Store.release_expired`) on every store: only due holds, earliest first, each
released exactly once and its tickets given back exactly once, also with reapers racing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from eventflow.domain.models import ReservationStatus
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest
from tests.conftest import BUYER, make_service, publish_event


@pytest.fixture
def service(store: Store, clock):  # type: ignore[no-untyped-def]
    return make_service(store, clock)


def held(store: Store, event_id: str) -> list[int]:
    return [tier.held for tier in store.get_tiers(event_id)]


def test_release_expired_closes_due_holds_earliest_first(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    due = []
    for quantity in (1, 2, 3):
        due.append(service.reserve(event.id, [LineRequest(tiers[0].id, quantity),
                                              LineRequest(tiers[2].id, 1)], BUYER))
        clock.advance(minutes=1)
    clock.advance(minutes=13)  # 16 minutes after the first hold: two have ended (one just now), not the third
    not_yet = due.pop()
    released = store.release_expired(clock.now(), limit=10)
    assert [r.id for r in released] == [r.id for r in due]
    assert {r.status for r in released} == {ReservationStatus.EXPIRED}
    assert all(r.closed_at == clock.now() and r.lines == d.lines for r, d in zip(released, due, strict=True))
    assert [store.get_reservation(r.id) for r in due] == released
    assert held(store, event.id) == [3, 0, 1]
    assert store.get_reservation(not_yet.id).status is ReservationStatus.HELD
    assert store.release_expired(clock.now(), limit=10) == []


def test_release_expired_takes_at_most_limit(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    ids = []
    for _ in range(5):
        ids.append(service.reserve(event.id, [LineRequest(tiers[1].id, 2)], BUYER).id)
        clock.advance(seconds=10)
    clock.advance(minutes=20)
    assert [r.id for r in store.release_expired(clock.now(), limit=2)] == ids[:2]
    assert held(store, event.id)[1] == 6
    assert [r.id for r in store.release_expired(clock.now(), limit=2)] == ids[2:4]
    assert [r.id for r in store.release_expired(clock.now(), limit=2)] == ids[4:]
    assert store.release_expired(clock.now(), limit=0) == []
    assert held(store, event.id)[1] == 0


def test_release_expired_leaves_closed_holds_alone(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    paid, cancelled, expired, due = (
        service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER) for _ in range(4)
    )
    service.confirm(paid.id, payment_ref="demo_1")
    service.cancel(cancelled.id)
    clock.advance(minutes=16)
    assert service.expire(expired.id)
    assert [r.id for r in store.release_expired(clock.now())] == [due.id]
    first = store.get_tiers(event.id)[0]
    assert (first.held, first.sold) == (0, 2)
    assert store.get_reservation(paid.id).status is ReservationStatus.CONFIRMED
    assert store.get_reservation(cancelled.id).status is ReservationStatus.CANCELLED


def test_many_events_and_tiers_in_one_batch(service, store: Store, clock) -> None:
    events = [publish_event(service, capacities=(300, 300), prices=(0, 0)) for _ in range(2)]
    for event, tiers in events:
        for n in range(60):  # more holds than one DynamoDB transaction takes
            service.reserve(event.id, [LineRequest(tiers[n % 2].id, 1 + n % 3)], BUYER)
    clock.advance(minutes=16)
    assert service.release_expired_holds(limit=100) == 100
    assert service.release_expired_holds(limit=100) == 20
    for event, _ in events:
        assert held(store, event.id) == [0, 0]
    assert store.expired_reservation_ids(clock.now()) == []


def test_reapers_racing_release_each_hold_once(service, store: Store, clock) -> None:
    if not store.inline_safe:
        pytest.skip("in-process moto is not atomic under threads: tests/store/test_dynamodb_reaper.py races "
                    "reapers on the single-threaded moto server")
    event, tiers = publish_event(service, capacities=(1000,), prices=(0,))
    holds = [service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER) for _ in range(300)]
    clock.advance(minutes=16)
    released: list[list[str]] = []
    start = threading.Barrier(4)

    def reaper() -> None:
        mine: list[str] = []
        start.wait()
        while batch := store.release_expired(clock.now(), limit=25):
            mine.extend(r.id for r in batch)
        released.append(mine)

    threads = [threading.Thread(target=reaper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    every = [rid for mine in released for rid in mine]
    assert sorted(every) == sorted(h.id for h in holds)  # each exactly once
    assert held(store, event.id) == [0]
    clock.advance(timedelta(minutes=1))
    assert store.release_expired(clock.now()) == []
