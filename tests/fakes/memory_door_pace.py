"""The door's pace aggregates on `InMemoryStore`: `pace_of` over its check-ins in the order they were
recorded (its dict keeps insertion order), which is what the real stores' aggregates must equal."""

from __future__ import annotations

import threading

from eventflow.domain.door_pace import DoorPaceFigures, pace_of
from eventflow.domain.models import CheckIn


class InMemoryDoorPaceMixin:
    """Mixed into InMemoryStore, whose lock and check-ins it reads."""

    _lock: threading.Lock
    _checkins: dict[str, CheckIn]

    def door_pace(self, event_id: str) -> DoorPaceFigures:
        with self._lock:
            return pace_of([c for c in self._checkins.values() if c.event_id == event_id])
