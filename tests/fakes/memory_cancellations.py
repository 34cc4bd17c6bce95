"""`InMemoryStore`'s event changes (cancellations, postponements): a dict by event id."""

from __future__ import annotations

import threading

from eventflow.domain.event_changes import EventChange
from tests.fakes.round_trip import as_stored


class InMemoryCancellationsMixin:
    def __init__(self) -> None:
        self._changes: dict[str, EventChange] = {}
        self._changes_lock = threading.Lock()

    def save_event_change(self, change: EventChange) -> None:
        with self._changes_lock:
            self._changes[change.event_id] = as_stored(change)

    def get_event_change(self, event_id: str) -> EventChange | None:
        with self._changes_lock:
            return self._changes.get(event_id)

    def unfinished_event_changes(self, limit: int = 100) -> list[EventChange]:
        with self._changes_lock:
            running = [c for c in self._changes.values() if c.running]
        return sorted(running, key=lambda c: (c.created_at, c.event_id))[:limit]
