"""Store contract for flyer records and the one-generation-per-event lease: the same on every store."""

from __future__ import annotations

import queue
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from eventflow.adapters.flyer_files import FlyerFileStore
from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import Conflict
from eventflow.domain.flyers import BOTH, Flyer, FlyerDraft, FlyerFacts, Flyers, generation_lease
from eventflow.domain.models import Event, EventStatus, Tier
from eventflow.domain.money import FeeMode

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def flyer(flyer_id: str, event_id: str = "evt_a", created_at: datetime = T0, **fields: Any) -> Flyer:
    return Flyer(id=flyer_id, event_id=event_id, organizer_id="org_1", created_at=created_at, engine="local",
                 theme="jazz", style="night", captions={"x": ("a", "b", "c"), "email": ("Ünïcode ✓ 🎷 ジャズ",)},
                 **fields)


def test_a_flyer_round_trips_whole(store: Any) -> None:
    saved = flyer("fly_1", created_at=T0.astimezone(timezone(timedelta(hours=9))), hashtags=("#Jazz",),
                  asked_engine="openai", notice="The AI service was busy.", cost_usd=0.042,
                  files=("square_png",))
    store.save_flyer(saved)
    [got] = store.list_flyers("evt_a")
    assert got == saved
    assert got.created_at.utcoffset() == timedelta(0)


def test_flyers_are_listed_per_event_newest_first(store: Any) -> None:
    store.save_flyer(flyer("fly_b", created_at=T0))
    store.save_flyer(flyer("fly_a", created_at=T0))
    store.save_flyer(flyer("fly_c", created_at=T0 + timedelta(seconds=1)))
    store.save_flyer(flyer("fly_other", event_id="evt_b"))
    assert [f.id for f in store.list_flyers("evt_a")] == ["fly_c", "fly_b", "fly_a"]
    assert [f.id for f in store.list_flyers("evt_b")] == ["fly_other"]
    assert store.list_flyers("evt_none") == []


def test_saving_again_overwrites(store: Any) -> None:
    store.save_flyer(flyer("fly_1"))
    store.save_flyer(replace(flyer("fly_1"), notice="changed"))
    assert [f.notice for f in store.list_flyers("evt_a")] == ["changed"]


# ------------------------------------------------------------ one generation per event across instances
class OneEvent:
    """The event the two instances make flyers of (the store under test keeps the flyers and the lease)."""

    def __init__(self, *event_ids: str) -> None:
        self.events = {event_id: Event(
            id=event_id, organizer_id="org_1", slug=event_id, title="Harbour Jazz", starts_at=T0 + timedelta(days=30),
            ends_at=T0 + timedelta(days=30, hours=3), timezone="Europe/Berlin", venue="Kai 3", currency="EUR",
            description="", fee_mode=FeeMode.BUYER_PAYS, status=EventStatus.PUBLISHED, created_at=T0)
            for event_id in event_ids}

    def get_event(self, event_id: str) -> Event | None:
        return self.events.get(event_id)

    def get_tiers(self, event_id: str) -> list[Tier]:
        return []

    def list_events(self, organizer_id: str) -> list[Event]:
        return list(self.events.values())


class GatedEngine:
    """An engine that holds its generations of evt_a until the test opens the gate."""

    def __init__(self) -> None:
        self.entered, self.gate, self.calls = threading.Event(), threading.Event(), 0

    def generate(self, facts: FlyerFacts, theme: str, style: str, parts: frozenset[str] = BOTH,
                 paper: str = "A4") -> FlyerDraft:
        if facts.event_id == "evt_a":
            self.calls += 1
            self.entered.set()
            assert self.gate.wait(10)
        return FlyerDraft(files={}, captions={"x": ("made",)})


def instance(store: Any, events: OneEvent, engine: GatedEngine, clock: ManualClock, tmp_path: Path) -> Flyers:
    """What one app instance builds: its own `Flyers` (own in-process state) on the shared store."""
    return Flyers(store=events, flyer_store=store, files=FlyerFileStore(tmp_path / "flyers"),
                  engines={"local": engine}, clock=clock, base_url="https://t.example", lease=timedelta(minutes=5))


def test_two_instances_racing_for_one_event_make_one_flyer(store: Any, tmp_path: Path) -> None:
    events, engine, clock = OneEvent("evt_a", "evt_b"), GatedEngine(), ManualClock(T0)
    instances = [instance(store, events, engine, clock, tmp_path) for _ in range(2)]
    start, outcomes = threading.Barrier(2), queue.Queue[str]()

    def generate(flyers: Flyers) -> None:
        start.wait(10)
        try:
            flyers.generate("org_1", "evt_a")
            outcomes.put("made")
        except Conflict:
            outcomes.put("refused")

    threads = [threading.Thread(target=generate, args=(flyers,)) for flyers in instances]
    for thread in threads:
        thread.start()
    try:
        assert outcomes.get(timeout=10) == "refused"  # the loser is told at once, while the winner still runs
        assert engine.entered.wait(10) and engine.calls == 1
        instances[1].generate("org_1", "evt_b")  # another event is not held up
    finally:
        engine.gate.set()
        for thread in threads:
            thread.join(10)
    assert outcomes.get(timeout=10) == "made"
    assert len(store.list_flyers("evt_a")) == 1
    instances[1].generate("org_1", "evt_a")  # handed back when done: the other instance may go on
    assert len(store.list_flyers("evt_a")) == 2


def test_a_generation_lease_left_by_a_dead_instance_ends(store: Any, tmp_path: Path) -> None:
    events, engine, clock = OneEvent("evt_a"), GatedEngine(), ManualClock(T0)
    engine.gate.set()
    survivor = instance(store, events, engine, clock, tmp_path)
    assert store.acquire_lease(generation_lease("evt_a"), "gen_dead", T0, T0 + timedelta(minutes=5))
    with pytest.raises(Conflict, match="being made"):
        survivor.generate("org_1", "evt_a")
    clock.advance(timedelta(minutes=5))
    assert survivor.generate("org_1", "evt_a").captions == {"x": ("made",)}
