"""Dismissed pricing suggestions on the SQLite file (domain/pricing_suggestions.py `SuggestionDismissals`):
a mixin of `SqliteStore`, one row per (event, suggestion key)."""

from __future__ import annotations

from datetime import datetime

from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.sqlite.database import SqliteDatabase

DISMISSALS_SCHEMA = """
CREATE TABLE IF NOT EXISTS suggestion_dismissals (
    event_id TEXT NOT NULL, key TEXT NOT NULL, dismissed_at TEXT NOT NULL, PRIMARY KEY (event_id, key)
);
"""


class SqliteSuggestionDismissalsMixin(SqliteDatabase):
    """`SuggestionDismissals.dismiss_suggestion` / `dismissed_suggestions`."""

    def prepare_suggestion_dismissals(self) -> None:
        """The table, added to data files made before it existed (idempotent)."""
        self._db().executescript(DISMISSALS_SCHEMA)

    def dismiss_suggestion(self, event_id: str, key: str, at: datetime) -> None:
        with self._write() as db:  # a second dismissal keeps the first one's time
            db.execute("INSERT OR IGNORE INTO suggestion_dismissals VALUES (?, ?, ?)", (event_id, key, t2s(at)))

    def dismissed_suggestions(self, event_id: str) -> set[str]:
        rows = self._db().execute("SELECT key FROM suggestion_dismissals WHERE event_id = ?", (event_id,)).fetchall()
        return {row[0] for row in rows}
