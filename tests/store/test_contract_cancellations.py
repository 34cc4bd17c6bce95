"""Store contract for event changes (cancellations, postponements): the same on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from eventflow.domain.event_changes import ChangeKind, EventChange

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def change(event_id: str, created_at: datetime = T0, **fields: Any) -> EventChange:
    fields.setdefault("message", "Storm warning: sorry!")
    return EventChange(id=f"chg_{event_id}", event_id=event_id, organizer_id="org_1", kind=ChangeKind.CANCELLED,
                       created_at=created_at, total=3, **fields)


def test_a_change_round_trips_whole(store: Any) -> None:
    berlin = timezone(timedelta(hours=1))
    saved = change("evt_a", T0.astimezone(berlin), done=2, cursor="2027-03-01T11:00:00.000000Z|ord_b",
                   failures=(("ord_c", "Stripe refused: card expired"),), retry=("ord_c",),
                   refund_deadline=T0 + timedelta(days=9), starts_at=T0 + timedelta(days=30),
                   ends_at=T0 + timedelta(days=30, hours=3), message="Ünïcode ✓ \"quoted\"",
                   watch_until=T0 + timedelta(hours=2), checked_at=T0 + timedelta(minutes=5))
    store.save_event_change(saved)
    got = store.get_event_change("evt_a")
    assert got == saved
    assert got.created_at.tzinfo is not None and got.created_at.utcoffset() == timedelta(0)
    assert got.kind is ChangeKind.CANCELLED and got.failed == 1 and got.percent == 66


def test_unknown_event_has_no_change(store: Any) -> None:
    assert store.get_event_change("evt_nope") is None
    assert store.unfinished_event_changes() == []


def test_saving_again_overwrites_and_finishing_unlists(store: Any) -> None:
    store.save_event_change(change("evt_b", T0 + timedelta(minutes=2)))
    store.save_event_change(change("evt_a", T0 + timedelta(minutes=2)))
    store.save_event_change(change("evt_c", T0))
    assert [c.event_id for c in store.unfinished_event_changes()] == ["evt_c", "evt_a", "evt_b"]
    assert [c.event_id for c in store.unfinished_event_changes(limit=2)] == ["evt_c", "evt_a"]
    store.save_event_change(change("evt_a", T0 + timedelta(minutes=2), done=3, finished_at=T0 + timedelta(hours=1)))
    assert [c.event_id for c in store.unfinished_event_changes()] == ["evt_c", "evt_b"]
    assert store.get_event_change("evt_a").done == 3
    store.save_event_change(change("evt_a", T0 + timedelta(minutes=2), retry=("ord_x",)))  # reopened (a retry)
    assert [c.event_id for c in store.unfinished_event_changes()] == ["evt_c", "evt_a", "evt_b"]
