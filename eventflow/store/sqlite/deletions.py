"""Deleting a tier without sales and a draft event on SQLite (the `Store` port's `delete_tier`,
`delete_event`): each one conditional DELETE under the write lock, so a hold committed first wins."""

from __future__ import annotations

from eventflow.domain.errors import EventNotDeletable, TierHasSales
from eventflow.store.sqlite.database import SqliteDatabase


class SqliteDeletionsMixin(SqliteDatabase):
    def delete_tier(self, event_id: str, tier_id: str) -> None:
        with self._write() as db:
            deleted = db.execute("DELETE FROM tiers WHERE id = ? AND event_id = ? AND held = 0 AND sold = 0",
                                 (tier_id, event_id)).rowcount
            if not deleted and db.execute("SELECT 1 FROM tiers WHERE id = ? AND event_id = ?",
                                          (tier_id, event_id)).fetchone():
                raise TierHasSales()

    def delete_event(self, event_id: str) -> None:
        with self._write() as db:
            deleted = db.execute("DELETE FROM events WHERE id = ? AND status = 'draft' AND NOT EXISTS"
                                 " (SELECT 1 FROM tiers WHERE event_id = ?)", (event_id, event_id)).rowcount
            if not deleted and db.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone():
                raise EventNotDeletable()
