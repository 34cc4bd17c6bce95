"""Store contract for fair-sale settings and the waiting room (domain/sale_settings.py, domain/waiting_room.py):
the same on SQLite, DynamoDB (moto) and the in-memory fake."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from eventflow.domain.sale_settings import SaleSettings
from eventflow.domain.waiting_room import RoomEntry, RoomState

OPENS = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def entry(visitor: str, at: datetime, random_key: int, event: str = "evt_room") -> RoomEntry:
    return RoomEntry(event, visitor, at, random_key, early=False)


def test_sale_settings_round_trip(store: Any) -> None:
    assert store.get_sale_settings("evt_a") is None
    saved = SaleSettings("evt_a", one_hold_per_buyer=False, drop_mode=True, waiting_room=True, opens_at=OPENS,
                         admissions_per_minute=120)
    store.save_sale_settings(saved)
    assert store.get_sale_settings("evt_a") == saved
    store.save_sale_settings(SaleSettings("evt_a"))
    assert store.get_sale_settings("evt_a") == SaleSettings("evt_a")


def test_early_arrivals_are_ranked_by_their_draw_key_and_later_ones_follow(store: Any) -> None:
    keys = random.Random(7).sample(range(1, 2**62), 12)
    for number, random_key in enumerate(keys):
        joined = store.join_waiting_room(entry(f"v{number:02d}", OPENS - timedelta(minutes=5 - number / 10),
                                               random_key), OPENS)
        assert joined.early and joined.late_number is None
    assert store.get_room_state("evt_room") == RoomState("evt_room")
    state = store.draw_waiting_room("evt_room")
    assert state == RoomState("evt_room", drawn=True, early_total=12)
    by_key = sorted(range(12), key=lambda i: keys[i])
    positions = {store.get_room_entry("evt_room", f"v{i:02d}").drawn_position: i for i in range(12)}
    assert [positions[p] for p in range(1, 13)] == by_key  # a permutation in the draw keys' order
    late = store.join_waiting_room(entry("late1", OPENS + timedelta(seconds=1), 5), OPENS)
    late2 = store.join_waiting_room(entry("late2", OPENS + timedelta(seconds=2), 1), OPENS)
    state = store.get_room_state("evt_room")
    assert (late.early, late.late_number, late2.late_number) == (False, 1, 2)
    assert (state.position(late), state.position(late2)) == (13, 14)
    assert store.draw_waiting_room("evt_room") == state  # a second draw changes nothing


def test_a_join_is_kept_once_and_no_early_join_lands_after_the_draw(store: Any) -> None:
    first = store.join_waiting_room(entry("v1", OPENS - timedelta(minutes=1), 10), OPENS)
    again = store.join_waiting_room(entry("v1", OPENS + timedelta(minutes=1), 99), OPENS)
    assert again == first
    store.draw_waiting_room("evt_room")
    # A clock behind the others still says "early": the drawn room makes it late.
    behind = store.join_waiting_room(entry("v2", OPENS - timedelta(seconds=1), 1), OPENS)
    assert (behind.early, behind.late_number) == (False, 1)
    assert store.get_room_state("evt_room").position(behind) == 2
    assert store.get_room_entry("evt_room", "nobody") is None
    assert store.get_room_state("evt_other") == RoomState("evt_other")


def test_late_arrivals_before_the_draw_are_numbered_and_rooms_are_separate(store: Any) -> None:
    late = store.join_waiting_room(entry("v1", OPENS + timedelta(seconds=3), 10), OPENS)
    other = store.join_waiting_room(entry("w1", OPENS + timedelta(seconds=3), 10, event="evt_b"), OPENS)
    assert (late.late_number, other.late_number) == (1, 1)
    assert store.get_room_state("evt_room").position(late) is None  # until the draw fixes the early total
    state = store.draw_waiting_room("evt_room")
    assert (state.early_total, state.position(late)) == (0, 1)
