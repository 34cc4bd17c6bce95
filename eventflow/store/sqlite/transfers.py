"""Ticket transfers on the SQLite file: a mixin of `SqliteStore` (`TransferStore`, domain/transfers.py).

The ticket is rewritten by one conditional UPDATE (its secret and transfer count as the holder's
request saw them, valid, no check-in row) in the same write transaction as the transfer's record,
so of two racing transfers exactly one matches, and a check-in written first refuses the transfer.
The new holder's My-tickets entry (table `ticket_owners`, store/sqlite/my_tickets.py) and mail (table
`outbox`) are written in that transaction too: a transfer is never answered with an error after it happened."""

from __future__ import annotations

import sqlite3

from eventflow.domain.models import Ticket
from eventflow.domain.my_tickets import owner_after_transfer
from eventflow.domain.outbox import OutboxMessage
from eventflow.domain.transfers import TicketTransfer, TransferPolicy
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.sqlite.database import SqliteDatabase
from eventflow.store.sqlite.outbox import INSERT as OUTBOX_INSERT
from eventflow.store.sqlite.outbox import _row as outbox_row

TRANSFERS_SCHEMA = """
CREATE TABLE IF NOT EXISTS ticket_transfers (
    id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, event_id TEXT NOT NULL, order_id TEXT NOT NULL,
    at TEXT NOT NULL, from_name TEXT NOT NULL, from_email TEXT NOT NULL, to_name TEXT NOT NULL,
    to_email TEXT NOT NULL, old_key_digest TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ticket_transfers_by_ticket ON ticket_transfers (ticket_id, at, id);
CREATE INDEX IF NOT EXISTS ticket_transfers_by_event ON ticket_transfers (event_id, at, id);
CREATE TABLE IF NOT EXISTS transfer_policies (
    event_id TEXT PRIMARY KEY, rule TEXT NOT NULL, deadline TEXT
);
"""


def _transfer_from(row: sqlite3.Row) -> TicketTransfer:
    return TicketTransfer(id=row["id"], ticket_id=row["ticket_id"], event_id=row["event_id"],
                          order_id=row["order_id"], at=s2t(row["at"]), from_name=row["from_name"],
                          from_email=row["from_email"], to_name=row["to_name"], to_email=row["to_email"],
                          old_key_digest=row["old_key_digest"])


class SqliteTransfersMixin(SqliteDatabase):
    """`TransferStore` on the tables above and the tickets table's `transfers` column."""

    def prepare_transfers(self) -> None:
        """Tables and the tickets' `transfers` column, added to files made before transfers existed."""
        self._db().executescript(TRANSFERS_SCHEMA)
        self.add_missing_column("tickets", "transfers", "INTEGER NOT NULL DEFAULT 0")

    def transfer_ticket(self, before: Ticket, after: Ticket, record: TicketTransfer,
                        mail: OutboxMessage | None = None) -> bool:
        with self._write() as db:
            changed = db.execute(
                "UPDATE tickets SET secret = ?, access_key = ?, holder_name = ?, holder_email = ?, transfers = ?"
                " WHERE id = ? AND secret = ? AND transfers = ? AND status = 'valid'"
                " AND NOT EXISTS (SELECT 1 FROM checkins WHERE ticket_id = tickets.id)",
                (after.secret, after.access_key, after.holder_name, after.holder_email, after.transfers,
                 before.id, before.secret, before.transfers),
            ).rowcount == 1
            if changed:
                db.execute("INSERT INTO ticket_transfers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (record.id, record.ticket_id, record.event_id, record.order_id, t2s(record.at),
                            record.from_name, record.from_email, record.to_name, record.to_email,
                            record.old_key_digest))
                owner = owner_after_transfer(record)
                db.execute("INSERT OR IGNORE INTO ticket_owners VALUES (?, ?, ?, ?, ?)",
                           (owner.email, owner.ticket_id, owner.event_id, owner.order_id, owner.role))
                if mail is not None:  # the new holder's mail (store/sqlite/outbox.py's row)
                    db.execute(OUTBOX_INSERT, outbox_row(mail))
        return changed

    def list_transfers(self, ticket_id: str) -> list[TicketTransfer]:
        rows = self._db().execute(
            "SELECT * FROM ticket_transfers WHERE ticket_id = ? ORDER BY at, id", (ticket_id,)).fetchall()
        return [_transfer_from(row) for row in rows]

    def event_transfers(self, event_id: str) -> list[TicketTransfer]:
        rows = self._db().execute(
            "SELECT * FROM ticket_transfers WHERE event_id = ? ORDER BY at, id", (event_id,)).fetchall()
        return [_transfer_from(row) for row in rows]

    def get_transfer_policy(self, event_id: str) -> TransferPolicy | None:
        row = self._db().execute("SELECT * FROM transfer_policies WHERE event_id = ?", (event_id,)).fetchone()
        return TransferPolicy(row["event_id"], row["rule"], s2t(row["deadline"])) if row else None

    def save_transfer_policy(self, policy: TransferPolicy) -> None:
        with self._write() as db:
            db.execute("INSERT INTO transfer_policies VALUES (?, ?, ?) ON CONFLICT (event_id) DO UPDATE"
                       " SET rule = excluded.rule, deadline = excluded.deadline",
                       (policy.event_id, policy.rule.value, t2s(policy.deadline)))
