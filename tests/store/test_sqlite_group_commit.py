"""SQLite's group commit: one shared transaction per `transaction_batch`, each write a savepoint.

What it must keep: a write fails alone; nothing is visible (or durable) before the block's commit;
an error escaping the block undoes it all; other threads' writes wait for the batch instead of
failing; and the loop's batches (`LoopBatch` + `Ticketing.reserve_all`) never oversell."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from eventflow.adapters.loop_batch import LoopBatch
from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import SoldOut
from eventflow.domain.models import Buyer, Reservation
from eventflow.domain.reservations import LineRequest, ReserveRequest, Ticketing
from eventflow.store.sqlite.store import SqliteStore
from tests.conftest import BUYER, make_service, publish_event


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    sqlite_store = SqliteStore(tmp_path / "batch.db")
    yield sqlite_store
    sqlite_store.close()


@pytest.fixture
def service(store: SqliteStore, clock: ManualClock) -> Ticketing:
    return make_service(store, clock)


def held_elsewhere(store: SqliteStore, tier_id: str) -> int:
    """The tier's held count as another connection (another process) reads the file."""
    with sqlite3.connect(store.path) as other:
        return int(other.execute("SELECT held FROM tiers WHERE id = ?", (tier_id,)).fetchone()[0])


def test_nothing_is_visible_outside_before_the_batch_commits(service: Ticketing, store: SqliteStore) -> None:
    event, tiers = publish_event(service)
    tier = tiers[0].id
    with store.transaction_batch():
        service.reserve(event.id, [LineRequest(tier, 2)], BUYER)
        service.reserve(event.id, [LineRequest(tier, 3)], BUYER)
        assert held_elsewhere(store, tier) == 0
    assert held_elsewhere(store, tier) == 5


def test_a_failing_write_is_undone_alone(service: Ticketing, store: SqliteStore) -> None:
    event, tiers = publish_event(service, capacities=(100, 50, 10))
    small = tiers[2].id
    with store.transaction_batch():
        kept = service.reserve(event.id, [LineRequest(tiers[0].id, 2), LineRequest(small, 8)], BUYER)
        with pytest.raises(SoldOut):  # its first line was held, then undone with the whole reserve
            service.reserve(event.id, [LineRequest(tiers[0].id, 1), LineRequest(small, 3)], BUYER)
    assert held_elsewhere(store, tiers[0].id) == 2 and held_elsewhere(store, small) == 8
    assert store.get_reservation(kept.id) == kept


def test_an_error_escaping_the_block_undoes_every_write(service: Ticketing, store: SqliteStore) -> None:
    event, tiers = publish_event(service)
    made: list[Reservation] = []
    with pytest.raises(RuntimeError), store.transaction_batch():
        made.append(service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER))
        with store.transaction_batch():  # nested: part of the same batch
            made.append(service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER))
        raise RuntimeError("the disk is full")
    assert held_elsewhere(store, tiers[0].id) == 0
    assert all(store.get_reservation(reservation.id) is None for reservation in made)


def test_another_threads_write_waits_for_the_batch(service: Ticketing, store: SqliteStore) -> None:
    event, tiers = publish_event(service)
    tier = tiers[0].id
    done = threading.Event()

    def other_thread() -> None:
        service.reserve(event.id, [LineRequest(tier, 1)], BUYER)
        done.set()

    with store.transaction_batch():
        service.reserve(event.id, [LineRequest(tier, 2)], BUYER)
        thread = threading.Thread(target=other_thread)
        thread.start()
        assert not done.wait(0.2)  # queued on the write lock, not failing
    thread.join(10)
    assert done.is_set() and held_elsewhere(store, tier) == 3


def test_an_unexpected_error_in_a_batch_reruns_each_request_on_its_own(
        service: Ticketing, store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    event, tiers = publish_event(service)
    tier = tiers[0].id
    reserve = store.reserve
    calls = {"n": 0}

    def broken_once(reservation: Reservation) -> tuple[Reservation, bool]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return reserve(reservation)

    monkeypatch.setattr(store, "reserve", broken_once)
    results = service.reserve_all([ReserveRequest(event.id, [LineRequest(tier, q)], BUYER) for q in (1, 2, 4)])
    assert [type(result) for result in results] == [Reservation, Reservation, Reservation]
    assert held_elsewhere(store, tier) == 7  # the batch's first hold was undone, then made once again


def test_batches_from_the_loop_never_oversell(service: Ticketing, store: SqliteStore) -> None:
    event, tiers = publish_event(service, capacities=(100, 50, 10))
    small = tiers[2].id
    runs: list[int] = []

    def run_all(requests: Sequence[ReserveRequest]) -> list[Reservation | Exception]:
        runs.append(len(requests))
        return service.reserve_all(requests)

    batch: LoopBatch[ReserveRequest, Reservation] = LoopBatch(run_all)

    async def buyer(index: int) -> int:
        await asyncio.sleep(0.001 * (index % 5))  # arrivals spread over several loop iterations
        request = ReserveRequest(event.id, [LineRequest(small, 1 + index % 4)],
                                 Buyer(email=f"b{index}@example.com", name=f"B {index}"))
        try:
            return (await batch.submit(request)).quantity
        except SoldOut:
            return 0

    async def drop() -> list[int]:
        return await asyncio.gather(*(buyer(index) for index in range(60)))

    taken = asyncio.run(drop())
    assert sum(taken) == held_elsewhere(store, small) == 10
    assert sum(runs) == 60 and len(runs) < 60  # batched: fewer commits than requests


def test_a_refused_one_line_reserve_in_a_batch_leaves_no_row(service: Ticketing, store: SqliteStore) -> None:
    # One line, no code: made without a savepoint of its own (store/sqlite/inventory.py); its refusal
    # must still leave nothing behind, its neighbours in the batch kept, and a retried key answered once.
    event, tiers = publish_event(service, capacities=(100, 50, 10))
    small = tiers[2].id
    with store.transaction_batch():
        first = service.reserve(event.id, [LineRequest(small, 6)], BUYER, idempotency_key="k-1")
        with pytest.raises(SoldOut):
            service.reserve(event.id, [LineRequest(small, 5)], BUYER)
        again = service.reserve(event.id, [LineRequest(small, 6)], BUYER, idempotency_key="k-1")
        last = service.reserve(event.id, [LineRequest(small, 4)], BUYER)
    with sqlite3.connect(store.path) as other:
        rows = {row[0] for row in other.execute("SELECT id FROM reservations WHERE event_id = ?", (event.id,))}
    assert again == first and rows == {first.id, last.id}
    assert held_elsewhere(store, small) == 10
