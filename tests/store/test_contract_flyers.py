"""Store contract for flyer records: the same on every store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from eventflow.domain.flyers import Flyer

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
