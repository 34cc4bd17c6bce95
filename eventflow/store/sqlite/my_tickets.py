"""My tickets on the SQLite file: a mixin of `SqliteStore` (`MyTicketsStore`, domain/my_tickets.py).

`ticket_owners` is the index email -> ticket (primary key (email, ticket_id): one lookup by email, never a
scan of orders); `sign_in_links` the used one-time links (a second INSERT of a nonce fails); `pass_settings`
the events whose organizer forbade wallet passes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from eventflow.domain.my_tickets import TicketOwner
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.sqlite.database import SqliteDatabase

MY_TICKETS_SCHEMA = """
CREATE TABLE IF NOT EXISTS ticket_owners (
    email TEXT NOT NULL, ticket_id TEXT NOT NULL, event_id TEXT NOT NULL, order_id TEXT NOT NULL,
    role TEXT NOT NULL, PRIMARY KEY (email, ticket_id)
);
CREATE TABLE IF NOT EXISTS sign_in_links (nonce TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pass_settings (event_id TEXT PRIMARY KEY, forbidden INTEGER NOT NULL);
"""


class SqliteMyTicketsMixin(SqliteDatabase):
    """`MyTicketsStore` on the tables above."""

    def prepare_my_tickets(self) -> None:
        self._db().executescript(MY_TICKETS_SCHEMA)

    def add_ticket_owners(self, owners: Sequence[TicketOwner]) -> None:
        if not owners:
            return
        with self._write() as db:
            db.executemany("INSERT OR IGNORE INTO ticket_owners VALUES (?, ?, ?, ?, ?)",
                           [(o.email, o.ticket_id, o.event_id, o.order_id, o.role) for o in owners])

    def tickets_of(self, email: str) -> list[TicketOwner]:
        rows = self._db().execute("SELECT * FROM ticket_owners WHERE email = ? ORDER BY ticket_id",
                                  (email,)).fetchall()
        return [TicketOwner(r["email"], r["ticket_id"], r["event_id"], r["order_id"], r["role"]) for r in rows]

    def claim_sign_in(self, nonce: str, expires_at: datetime) -> bool:
        try:
            with self._write() as db:
                db.execute("INSERT INTO sign_in_links VALUES (?, ?)", (nonce, t2s(expires_at)))
        except sqlite3.IntegrityError:
            return False
        return True

    def passes_forbidden(self, event_id: str) -> bool:
        row = self._db().execute("SELECT forbidden FROM pass_settings WHERE event_id = ?", (event_id,)).fetchone()
        return bool(row and row["forbidden"])

    def set_passes_forbidden(self, event_id: str, forbidden: bool) -> None:
        with self._write() as db:
            db.execute("INSERT INTO pass_settings VALUES (?, ?) ON CONFLICT (event_id) DO UPDATE"
                       " SET forbidden = excluded.forbidden", (event_id, int(forbidden)))
