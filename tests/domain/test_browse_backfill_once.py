"""Browse's start-up backfill runs once per data store: a second start (a new Browse over the same
store, or the same SQLite file reopened) reads no events, and a run that died before finishing is
taken over once its lease has run out."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventflow.domain.browse import BACKFILL_LEASE, BACKFILL_MARKER, Browse
from eventflow.domain.clock import ManualClock
from eventflow.domain.discovery import ListingQuery
from eventflow.domain.models import Event
from eventflow.store.sqlite.store import SqliteStore
from tests.conftest import make_service
from tests.domain.test_browse import new_event
from tests.fakes.memory_store import InMemoryStore


def refuse_reads(monkeypatch: pytest.MonkeyPatch, store: object) -> None:
    def read_all() -> list[Event]:
        raise AssertionError("a second start read every published event again")
    monkeypatch.setattr(store, "list_published_events", read_all)


def test_a_second_start_does_not_read_the_events_again(store: InMemoryStore, service, clock: ManualClock,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    org = service.sign_up("old@example.com", "correct horse", "Old Timer")
    for n in range(3):
        new_event(service, org.id, f"Old {n}", 3 + n)
    assert Browse(store, clock, None, cache_seconds=0).backfill_once() == 3
    clock.advance(days=400)  # the mark outlives any lease
    refuse_reads(monkeypatch, store)
    assert Browse(store, clock, None, cache_seconds=0).backfill_once() == 0


def test_a_run_that_died_is_taken_over_after_its_lease(store: InMemoryStore, service, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    org = service.sign_up("old@example.com", "correct horse", "Old Timer")
    new_event(service, org.id, "Old", 3)
    assert store.acquire_lease(BACKFILL_MARKER, "died", clock.now(), clock.now() + BACKFILL_LEASE)
    browse = Browse(store, clock, None, cache_seconds=0)
    assert browse.backfill_once() == 0  # another instance may be at it
    clock.advance(minutes=16)
    assert browse.backfill_once() == 1
    assert len(browse.search(ListingQuery(), 10).cards) == 1


def test_sqlite_file_remembers_the_backfill(tmp_path: Path, clock: ManualClock,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "data.db"
    store = SqliteStore(path)
    service = make_service(store, clock)
    org = service.sign_up("old@example.com", "correct horse", "Old Timer")
    new_event(service, org.id, "Old", 3)
    assert Browse(store, clock, None, cache_seconds=0).backfill_once() == 1
    store.close()
    reopened = SqliteStore(path)
    refuse_reads(monkeypatch, reopened)
    assert Browse(reopened, clock, None, cache_seconds=0).backfill_once() == 0
    reopened.close()
