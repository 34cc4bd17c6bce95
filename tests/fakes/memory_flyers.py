"""`InMemoryStore`'s flyer records: a dict by flyer id."""

from __future__ import annotations

import threading

from eventflow.domain.flyers import Flyer
from tests.fakes.round_trip import as_stored


class InMemoryFlyersMixin:
    def __init__(self) -> None:
        self._flyers: dict[str, Flyer] = {}
        self._flyers_lock = threading.Lock()

    def save_flyer(self, flyer: Flyer) -> None:
        with self._flyers_lock:
            self._flyers[flyer.id] = as_stored(flyer)

    def list_flyers(self, event_id: str) -> list[Flyer]:
        with self._flyers_lock:
            mine = [f for f in self._flyers.values() if f.event_id == event_id]
        return sorted(mine, key=lambda f: (f.created_at, f.id), reverse=True)
