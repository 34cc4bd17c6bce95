"""Store contract for dismissed pricing suggestions (issue 18): a dismissal sticks, per event and key, on
every store (SQLite, DynamoDB via moto here; the in-memory fake in tests/fakes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_nothing_is_dismissed_at_first(store: Any) -> None:
    assert store.dismissed_suggestions("evt_a") == set()


def test_a_dismissal_sticks_per_event_and_key(store: Any) -> None:
    store.dismiss_suggestion("evt_a", "raise_price_or_capacity:tier_1", T0)
    store.dismiss_suggestion("evt_a", "code_for_channel:tier_2", T0)
    store.dismiss_suggestion("evt_b", "code_for_channel:tier_9", T0)
    assert store.dismissed_suggestions("evt_a") == {"raise_price_or_capacity:tier_1", "code_for_channel:tier_2"}
    assert store.dismissed_suggestions("evt_b") == {"code_for_channel:tier_9"}
    assert store.dismissed_suggestions("evt_c") == set()


def test_dismissing_again_changes_nothing(store: Any) -> None:
    store.dismiss_suggestion("evt_a", "code_for_channel:tier_2", T0)
    store.dismiss_suggestion("evt_a", "code_for_channel:tier_2", T0 + timedelta(hours=1))
    assert store.dismissed_suggestions("evt_a") == {"code_for_channel:tier_2"}


def test_a_key_prefix_is_not_another_key(store: Any) -> None:
    """`evt_a`'s keys are not `evt_ab`'s, and `...:tier_1` does not dismiss `...:tier_10`."""
    store.dismiss_suggestion("evt_a", "code_for_channel:tier_1", T0)
    assert store.dismissed_suggestions("evt_ab") == set()
    assert "code_for_channel:tier_10" not in store.dismissed_suggestions("evt_a")
