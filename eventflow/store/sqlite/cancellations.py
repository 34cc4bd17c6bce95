"""Event changes (cancellations, postponements) on the SQLite file: a mixin of `SqliteStore`.

One row per event holding the whole record as JSON (store/event_change_codec.py); `open` is set
while the batch is unfinished, so the job's listing reads an index, not every row."""

from __future__ import annotations

from eventflow.domain.event_changes import EventChange
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.event_change_codec import change_from_text, change_to_text
from eventflow.store.sqlite.database import SqliteDatabase

CANCELLATIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS event_changes (
    event_id TEXT PRIMARY KEY, created_at TEXT NOT NULL, open INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS event_changes_open ON event_changes (open, created_at, event_id);
"""


class SqliteCancellationsMixin(SqliteDatabase):
    """`Store.save_event_change` / `get_event_change` / `unfinished_event_changes`."""

    def save_event_change(self, change: EventChange) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO event_changes VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET"
                " created_at = excluded.created_at, open = excluded.open, body = excluded.body",
                (change.event_id, t2s(change.created_at), int(change.running), change_to_text(change)),
            )

    def get_event_change(self, event_id: str) -> EventChange | None:
        row = self._db().execute("SELECT body FROM event_changes WHERE event_id = ?", (event_id,)).fetchone()
        return change_from_text(row[0]) if row else None

    def unfinished_event_changes(self, limit: int = 100) -> list[EventChange]:
        rows = self._db().execute(
            "SELECT body FROM event_changes WHERE open = 1 ORDER BY created_at, event_id LIMIT ?", (limit,)
        ).fetchall()
        return [change_from_text(row[0]) for row in rows]
