"""`OutboxStore` on SQLite: one row per outgoing mail, its key the primary key.

A part of `SqliteStore` (its per-thread connections and `_write` transactions). Every status change
is one conditional UPDATE, so two senders (threads or processes) never both claim a message.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from eventflow.domain.outbox import (
    EventMailSettings,
    OutboxBatch,
    OutboxMessage,
    OutboxStatus,
    mail_from_json,
    mail_to_json,
    send_ending,
)
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.sqlite.database import SqliteDatabase

OUTBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY, event_id TEXT NOT NULL, batch TEXT NOT NULL, recipient TEXT NOT NULL,
    subject TEXT NOT NULL, mail TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
    created_at TEXT NOT NULL, next_attempt_at TEXT NOT NULL, updated_at TEXT NOT NULL, last_error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_at, key) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS outbox_sending ON outbox (updated_at, key) WHERE status = 'sending';
CREATE INDEX IF NOT EXISTS outbox_by_event ON outbox (event_id, batch, status);
CREATE TABLE IF NOT EXISTS event_mail_settings (
    event_id TEXT PRIMARY KEY, reminder INTEGER NOT NULL, reminders_queued_at TEXT
);
"""

PROBLEMS = "('failed', 'unknown')"


FAN_OUT_CHUNK = 500  # rows per write transaction of a fan-out: a few ms of the write lock each
INSERT = "INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, '') ON CONFLICT (key) DO NOTHING"


def _row(message: OutboxMessage) -> tuple[str, ...]:
    return (message.key, message.event_id, message.batch, message.mail.to, message.mail.subject,
            mail_to_json(message.mail), t2s(message.created_at), t2s(message.next_attempt_at),
            t2s(message.updated_at or message.created_at))


def message_from(row: sqlite3.Row) -> OutboxMessage:
    return OutboxMessage(
        key=row["key"], mail=mail_from_json(row["mail"]), created_at=s2t(row["created_at"]),
        next_attempt_at=s2t(row["next_attempt_at"]), event_id=row["event_id"], batch=row["batch"],
        status=OutboxStatus(row["status"]), attempts=row["attempts"], updated_at=s2t(row["updated_at"]),
        last_error=row["last_error"])


class SqliteOutboxMixin(SqliteDatabase):
    def add_outbox_message(self, message: OutboxMessage) -> bool:
        with self._write() as db:
            return db.execute(INSERT, _row(message)).rowcount == 1

    def add_outbox_messages(self, messages: Sequence[OutboxMessage]) -> int:
        added = 0
        for start in range(0, len(messages), FAN_OUT_CHUNK):  # the write lock is held one chunk at a time
            with self._write() as db:
                for message in messages[start:start + FAN_OUT_CHUNK]:
                    added += db.execute(INSERT, _row(message)).rowcount
        return added

    def get_outbox_message(self, key: str) -> OutboxMessage | None:
        row = self._db().execute("SELECT * FROM outbox WHERE key = ?", (key,)).fetchone()
        return message_from(row) if row else None

    def due_outbox_messages(self, now: datetime, limit: int) -> list[OutboxMessage]:
        rows = self._db().execute(
            "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, key "
            "LIMIT ?", (t2s(now), limit)).fetchall()
        return [message_from(row) for row in rows]

    def start_outbox_send(self, key: str, attempts: int, now: datetime) -> OutboxMessage | None:
        with self._write() as db:
            row = db.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ? "
                "WHERE key = ? AND status = 'pending' AND attempts = ? RETURNING *",
                (t2s(now), key, attempts)).fetchone()
        return message_from(row) if row else None

    def finish_outbox_send(
        self, key: str, status: OutboxStatus, now: datetime, next_attempt_at: datetime | None = None,
        error: str = "",
    ) -> bool:
        send_ending(status)  # the rule of domain/outbox.py: SENDING is no way to end a send
        with self._write() as db:
            cursor = db.execute(
                "UPDATE outbox SET status = ?, updated_at = ?, last_error = ?, "
                "next_attempt_at = COALESCE(?, next_attempt_at) WHERE key = ? AND status = 'sending'",
                (status.value, t2s(now), error, t2s(next_attempt_at), key))
            return cursor.rowcount == 1

    def stale_outbox_sends(self, started_before: datetime, limit: int) -> list[OutboxMessage]:
        rows = self._db().execute(
            "SELECT * FROM outbox WHERE status = 'sending' AND updated_at <= ? ORDER BY updated_at, key LIMIT ?",
            (t2s(started_before), limit)).fetchall()
        return [message_from(row) for row in rows]

    def retry_outbox_message(self, key: str, now: datetime) -> bool:
        with self._write() as db:
            cursor = db.execute(
                f"UPDATE outbox SET status = 'pending', next_attempt_at = ?, updated_at = ? "
                f"WHERE key = ? AND status IN {PROBLEMS}", (t2s(now), t2s(now), key))
            return cursor.rowcount == 1

    def outbox_batches(self, event_id: str) -> list[OutboxBatch]:
        db = self._db()
        batches: dict[str, OutboxBatch] = {}
        for row in db.execute(
            "SELECT batch, MIN(created_at) AS first, "
            "(SELECT subject FROM outbox AS o WHERE o.event_id = outbox.event_id AND o.batch = outbox.batch "
            " ORDER BY created_at, key LIMIT 1) AS subject "
            "FROM outbox WHERE event_id = ? GROUP BY batch ORDER BY first, batch", (event_id,)):
            batches[row["batch"]] = OutboxBatch(row["batch"], row["subject"], s2t(row["first"]), {})
        for row in db.execute(
            "SELECT batch, status, COUNT(*) AS n FROM outbox WHERE event_id = ? GROUP BY batch, status", (event_id,)):
            batches[row["batch"]].counts[OutboxStatus(row["status"])] = row["n"]
        return list(batches.values())

    def outbox_problems(self, event_id: str, limit: int) -> list[OutboxMessage]:
        rows = self._db().execute(
            f"SELECT * FROM outbox WHERE event_id = ? AND status IN {PROBLEMS} ORDER BY updated_at, key LIMIT ?",
            (event_id, limit)).fetchall()
        return [message_from(row) for row in rows]

    def get_event_mail_settings(self, event_id: str) -> EventMailSettings | None:
        row = self._db().execute("SELECT * FROM event_mail_settings WHERE event_id = ?", (event_id,)).fetchone()
        if row is None:
            return None
        return EventMailSettings(row["event_id"], bool(row["reminder"]), s2t(row["reminders_queued_at"]))

    def save_event_mail_settings(self, settings: EventMailSettings) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO event_mail_settings VALUES (?, ?, ?)",
                       (settings.event_id, int(settings.reminder), t2s(settings.reminders_queued_at)))
