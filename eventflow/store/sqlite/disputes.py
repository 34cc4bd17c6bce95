"""`DisputeStore` on SQLite: one row per dispute (the record as JSON beside the columns it is
looked up by), and the organizers' choice about disputed tickets at the door.

A part of `SqliteStore` (its per-thread connections and `_write` transactions). Writes to one
dispute come from the use case holding its payment's lease, so an upsert is enough.
"""

from __future__ import annotations

from eventflow.domain.payments.records import Dispute
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.dispute_codec import dispute_from_json, dispute_to_json
from eventflow.store.sqlite.database import SqliteDatabase

DISPUTES_SCHEMA = """
CREATE TABLE IF NOT EXISTS disputes (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL, order_id TEXT, opened_at TEXT NOT NULL, record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS disputes_by_event ON disputes (event_id, opened_at, id);
CREATE INDEX IF NOT EXISTS disputes_by_order ON disputes (order_id, opened_at, id) WHERE order_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS dispute_door_policy (organizer_id TEXT PRIMARY KEY, admit INTEGER NOT NULL);
"""


class SqliteDisputesMixin(SqliteDatabase):
    def save_dispute(self, dispute: Dispute) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO disputes VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " event_id = excluded.event_id, order_id = excluded.order_id, opened_at = excluded.opened_at,"
                " record = excluded.record",
                (dispute.id, dispute.event_id, dispute.order_id, t2s(dispute.opened_at), dispute_to_json(dispute)))

    def get_dispute(self, dispute_id: str) -> Dispute | None:
        row = self._db().execute("SELECT record FROM disputes WHERE id = ?", (dispute_id,)).fetchone()
        return dispute_from_json(row["record"]) if row else None

    def list_disputes(self, event_id: str) -> list[Dispute]:
        rows = self._db().execute(
            "SELECT record FROM disputes WHERE event_id = ? ORDER BY opened_at, id", (event_id,)).fetchall()
        return [dispute_from_json(row["record"]) for row in rows]

    def order_disputes(self, order_id: str) -> list[Dispute]:
        rows = self._db().execute(
            "SELECT record FROM disputes WHERE order_id = ? ORDER BY opened_at, id", (order_id,)).fetchall()
        return [dispute_from_json(row["record"]) for row in rows]

    def admits_disputed_tickets(self, organizer_id: str) -> bool:
        row = self._db().execute(
            "SELECT admit FROM dispute_door_policy WHERE organizer_id = ?", (organizer_id,)).fetchone()
        return bool(row["admit"]) if row else False

    def set_admits_disputed_tickets(self, organizer_id: str, admit: bool) -> None:
        with self._write() as db:
            db.execute("INSERT INTO dispute_door_policy VALUES (?, ?) ON CONFLICT (organizer_id) DO UPDATE"
                       " SET admit = excluded.admit", (organizer_id, int(admit)))
