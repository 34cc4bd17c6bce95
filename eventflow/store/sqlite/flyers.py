"""Flyer records on the SQLite file: a mixin of `SqliteStore` (one row per flyer, the record as JSON)."""

from __future__ import annotations

from eventflow.domain.flyers import Flyer
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.flyer_codec import flyer_from_text, flyer_to_text
from eventflow.store.sqlite.database import SqliteDatabase

FLYERS_SCHEMA = """
CREATE TABLE IF NOT EXISTS flyers (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL, created_at TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flyers_by_event ON flyers (event_id, created_at, id);
"""


class SqliteFlyersMixin(SqliteDatabase):
    """`FlyerStore.save_flyer` / `list_flyers`."""

    def save_flyer(self, flyer: Flyer) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO flyers VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                (flyer.id, flyer.event_id, t2s(flyer.created_at), flyer_to_text(flyer)),
            )

    def list_flyers(self, event_id: str) -> list[Flyer]:
        rows = self._db().execute(
            "SELECT body FROM flyers WHERE event_id = ? ORDER BY created_at DESC, id DESC", (event_id,)
        ).fetchall()
        return [flyer_from_text(row[0]) for row in rows]
