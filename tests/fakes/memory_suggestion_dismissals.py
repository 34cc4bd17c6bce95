"""`InMemoryStore`'s dismissed pricing suggestions: (event id, key) -> when first dismissed."""

from __future__ import annotations

import threading
from datetime import datetime


class InMemorySuggestionDismissalsMixin:
    def __init__(self) -> None:
        self._dismissals: dict[tuple[str, str], datetime] = {}
        self._dismissals_lock = threading.Lock()

    def dismiss_suggestion(self, event_id: str, key: str, at: datetime) -> None:
        with self._dismissals_lock:
            self._dismissals.setdefault((event_id, key), at)

    def dismissed_suggestions(self, event_id: str) -> set[str]:
        with self._dismissals_lock:
            return {key for (event, key) in self._dismissals if event == event_id}
