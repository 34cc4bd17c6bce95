"""The SQLite store's inventory: holds, their release and confirmation, orders and tickets.

Every inventory change is a conditional UPDATE inside a `BEGIN IMMEDIATE` transaction
(`... WHERE held + sold + :q <= capacity`), so concurrent threads and processes sharing the
file can never oversell; the CHECK constraint on `tiers` is a second line of defence.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime
from typing import Any

from eventflow.domain.errors import NotOnSale, SoldOut, StaleCatalog
from eventflow.domain.models import EventStatus, Order, Reservation, ReservationStatus, Ticket
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.sqlite.access_codes import count_code_sale, give_code_uses, take_code_uses
from eventflow.store.sqlite.database import SqliteDatabase
from eventflow.store.sqlite.rows import (
    order_from,
    order_row,
    reservation_from,
    reservation_row,
    ticket_from,
    ticket_row,
)
from eventflow.store.sqlite.sales_stats import count_sale
from eventflow.store.sqlite.waitlist import owe_to_waitlists

# Each buyer's standing hold per event (domain/buyer_limits.py): the reservation a newer hold replaces.
BUYER_HOLDS_SCHEMA = """
CREATE TABLE IF NOT EXISTS buyer_holds (
    event_id TEXT NOT NULL, buyer_key TEXT NOT NULL, reservation_id TEXT NOT NULL,
    PRIMARY KEY (event_id, buyer_key)
);
"""

INSERT_RESERVATION = "INSERT INTO reservations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
# A line's hold: the tier of this event at the version it was priced from, with room for the
# quantity, of an event still on sale (?1 quantity, ?2 tier, ?3 event, ?4 tier version).
TAKE_HOLD = (
    "UPDATE tiers SET held = held + ?1 WHERE id = ?2 AND event_id = ?3 AND version = ?4"
    " AND held + sold + ?1 <= capacity"
    " AND (SELECT status FROM events WHERE id = ?3) = 'published'"
)


class SqliteInventoryMixin(SqliteDatabase):
    """The `Store` port's inventory and order operations on the file."""

    # ---------------------------------------------------------------- holds
    def reserve(self, reservation: Reservation) -> tuple[Reservation, bool]:
        """Three statements in one write transaction (a reserve is what a ticket drop hammers): the
        row first (an existing id, i.e. a retried idempotency key, fails on the primary key and gets
        the stored reservation back), then per line one conditional UPDATE that also checks the event
        is on sale; a refused line rolls the whole transaction back and says why."""
        row = reservation_row(reservation)
        if len(reservation.lines) == 1 and reservation.code is None and getattr(self._local, "batch", False):
            return self._reserve_in_batch(reservation, row)
        with self._write() as db:
            if (stored := self._insert_reservation(db, reservation.id, row)) is not None:
                return stored, False
            for line in reservation.lines:
                taken = db.execute(
                    TAKE_HOLD, (line.quantity, line.tier_id, reservation.event_id, line.tier_version)
                ).rowcount
                if taken != 1:
                    self._raise_why_not(db, reservation.event_id, line.tier_id, line.tier_version)
            take_code_uses(db, reservation)  # only with an access code: one more conditional UPDATE
        return reservation, True

    def _reserve_in_batch(self, reservation: Reservation, row: tuple[Any, ...]) -> tuple[Reservation, bool]:
        """`reserve` of one line without a code inside a group commit (`transaction_batch`), without a
        savepoint of its own (two statements fewer): each statement is atomic, so a refused INSERT changed
        nothing, and a refused UPDATE leaves only the row this call inserted, deleted here before the
        refusal is raised. Any other error escapes the batch, which is rolled back as a whole."""
        db = self._db()
        if (stored := self._insert_reservation(db, reservation.id, row)) is not None:
            return stored, False
        line = reservation.lines[0]
        if db.execute(TAKE_HOLD, (line.quantity, line.tier_id, reservation.event_id, line.tier_version)).rowcount != 1:
            db.execute("DELETE FROM reservations WHERE id = ?", (reservation.id,))
            self._raise_why_not(db, reservation.event_id, line.tier_id, line.tier_version)
        return reservation, True

    @staticmethod
    def _insert_reservation(db: sqlite3.Connection, reservation_id: str, row: tuple[Any, ...]) -> Reservation | None:
        """Writes a new hold's row; a retried idempotency key fails on the primary key and gets the
        stored reservation back instead (None: the row is new)."""
        try:
            db.execute(INSERT_RESERVATION, row)
        except sqlite3.IntegrityError:
            existing = db.execute("SELECT * FROM reservations WHERE id = ?", (reservation_id,)).fetchone()
            if existing is None:
                raise
            return reservation_from(existing)
        return None

    @staticmethod
    def _raise_why_not(db: sqlite3.Connection, event_id: str, tier_id: str, version: int) -> None:
        event = db.execute("SELECT status FROM events WHERE id = ?", (event_id,)).fetchone()
        if event is None or event["status"] != EventStatus.PUBLISHED.value:
            raise NotOnSale()
        row = db.execute(
            "SELECT version FROM tiers WHERE id = ? AND event_id = ?", (tier_id, event_id)
        ).fetchone()
        if row is None or row["version"] != version:
            raise StaleCatalog(tier_id)
        raise SoldOut(tier_ids=(tier_id,))

    def exchange_buyer_hold(self, event_id: str, buyer_key: str, reservation_id: str) -> str | None:
        """Record `reservation_id` as the buyer's hold and return the one it replaces, atomically
        (read and write under the write lock)."""
        with self._write() as db:
            row = db.execute("SELECT reservation_id FROM buyer_holds WHERE event_id = ? AND buyer_key = ?",
                             (event_id, buyer_key)).fetchone()
            db.execute("INSERT OR REPLACE INTO buyer_holds VALUES (?, ?, ?)", (event_id, buyer_key, reservation_id))
        return row["reservation_id"] if row else None

    def buyer_hold(self, event_id: str, buyer_key: str) -> str | None:
        row = self._db().execute("SELECT reservation_id FROM buyer_holds WHERE event_id = ? AND buyer_key = ?",
                                 (event_id, buyer_key)).fetchone()
        return row["reservation_id"] if row else None

    def get_reservation(self, reservation_id: str) -> Reservation | None:
        row = self._db().execute(
            "SELECT * FROM reservations WHERE id = ?", (reservation_id,)
        ).fetchone()
        return reservation_from(row) if row else None

    def release(
        self, reservation_id: str, status: ReservationStatus, now: datetime
    ) -> Reservation | None:
        if status not in (ReservationStatus.CANCELLED, ReservationStatus.EXPIRED):
            raise ValueError("release closes a hold as cancelled or expired")
        due = " AND expires_at <= :now" if status is ReservationStatus.EXPIRED else ""
        with self._write() as db:
            closed = db.execute(
                "UPDATE reservations SET status = :status, closed_at = :now"
                f" WHERE id = :id AND status = 'held'{due}",
                {"status": status.value, "now": t2s(now), "id": reservation_id},
            ).rowcount
            if closed != 1:
                return None
            row = db.execute("SELECT * FROM reservations WHERE id = ?", (reservation_id,)).fetchone()
            reservation = reservation_from(row)
            # tickets of a tier with a waitlist stay held, owed to it (store/sqlite/waitlist.py)
            for tier_id, quantity in owe_to_waitlists(db, reservation.quantities()).items():
                given_back = db.execute(
                    "UPDATE tiers SET held = held - ? WHERE id = ? AND held >= ?",
                    (quantity, tier_id, quantity),
                ).rowcount
                if given_back != 1:
                    raise RuntimeError(f"held count of tier {tier_id} is inconsistent")
            if reservation.code is not None:
                give_code_uses(db, {reservation.code.code_id: reservation.code.uses})
        return reservation

    def confirm(self, reservation_id: str, order: Order, now: datetime) -> tuple[Order, bool]:
        with self._write() as db:
            row = db.execute("SELECT * FROM reservations WHERE id = ?", (reservation_id,)).fetchone()
            if row is None:
                raise KeyError(reservation_id)
            reservation = reservation_from(row)
            if reservation.status is ReservationStatus.CONFIRMED:
                existing = self._order_in(db, reservation.order_id or "")
                if existing is None:
                    raise RuntimeError(f"reservation {reservation_id} confirmed without an order")
                return existing, False
            self._sell(db, reservation)
            count_code_sale(db, reservation, reservation.status is ReservationStatus.HELD)
            db.execute(
                "UPDATE reservations SET status = 'confirmed', order_id = ?, closed_at = ?"
                " WHERE id = ?",
                (order.id, t2s(now), reservation_id),
            )
            db.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", order_row(order))
            db.executemany("INSERT INTO tickets (id, order_id, event_id, tier_id, holder_name, access_key, secret,"
                           " status, price_minor, fee_minor, holder_email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(*ticket_row(ticket), ticket.holder_email) for ticket in order.tickets])
            count_sale(db, order)  # the dashboard's aggregates, in the same transaction
        return order, True

    @staticmethod
    def _sell(db: sqlite3.Connection, reservation: Reservation) -> None:
        """Move every line of the reservation to sold: from held, or for a hold that already
        ended, from what is still available (a late payment is honoured only if capacity allows)."""
        held = reservation.status is ReservationStatus.HELD
        for line in reservation.lines:
            moved = db.execute(
                "UPDATE tiers SET held = held - :q, sold = sold + :q WHERE id = :tier AND held >= :q" if held
                else "UPDATE tiers SET sold = sold + :q WHERE id = :tier AND held + sold + :q <= capacity",
                {"q": line.quantity, "tier": line.tier_id},
            ).rowcount
            if moved != 1:
                raise SoldOut(tier_ids=(line.tier_id,))

    def expired_reservation_ids(self, now: datetime, limit: int = 500) -> list[str]:
        rows = self._db().execute(
            "SELECT id FROM reservations WHERE status = 'held' AND expires_at <= ?"
            " ORDER BY expires_at, id LIMIT ?",
            (t2s(now), limit),
        )
        return [row["id"] for row in rows]

    def release_expired(self, now: datetime, limit: int = 500) -> list[Reservation]:
        """One write transaction for the whole batch: the due holds are read under the write lock
        (so no other writer can close them in between), each closed conditionally on still being
        held and due, and every tier given back its summed quantity in one UPDATE."""
        if limit <= 0:
            return []
        stamp = t2s(now)
        with self._write() as db:
            rows = db.execute(
                "SELECT * FROM reservations WHERE status = 'held' AND expires_at <= ?"
                " ORDER BY expires_at, id LIMIT ?",
                (stamp, limit),
            ).fetchall()
            if not rows:
                return []
            closed = db.executemany(
                "UPDATE reservations SET status = 'expired', closed_at = ?"
                " WHERE id = ? AND status = 'held' AND expires_at <= ?",
                [(stamp, row["id"], stamp) for row in rows],
            ).rowcount
            if closed != len(rows):
                raise RuntimeError("held reservations changed inside a write transaction")
            expired = [
                replace(reservation_from(row), status=ReservationStatus.EXPIRED, closed_at=s2t(stamp))
                for row in rows
            ]
            given_back: dict[str, int] = {}
            for reservation in expired:
                for line in reservation.lines:
                    given_back[line.tier_id] = given_back.get(line.tier_id, 0) + line.quantity
            given_back = owe_to_waitlists(db, given_back)  # one SELECT; see store/sqlite/waitlist.py
            updated = db.executemany(
                "UPDATE tiers SET held = held - ? WHERE id = ? AND held >= ?",
                [(quantity, tier_id, quantity) for tier_id, quantity in given_back.items()],
            ).rowcount
            if updated != len(given_back):
                raise RuntimeError("held count of a tier is inconsistent")
            uses: dict[str, int] = {}
            for reservation in expired:
                if reservation.code is not None:
                    uses[reservation.code.code_id] = uses.get(reservation.code.code_id, 0) + reservation.code.uses
            if uses:
                give_code_uses(db, uses)
        return expired

    # ---------------------------------------------------------------- orders and tickets
    def get_order(self, order_id: str) -> Order | None:
        return self._order_in(self._db(), order_id)

    @staticmethod
    def _order_in(db: sqlite3.Connection, order_id: str) -> Order | None:
        row = db.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            return None
        tickets = db.execute("SELECT * FROM tickets WHERE order_id = ? ORDER BY rowid", (order_id,))
        return order_from(row, [ticket_from(t) for t in tickets])

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        row = self._db().execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return ticket_from(row) if row else None

    def list_orders(self, event_id: str) -> list[Order]:
        db = self._db()
        tickets: dict[str, list[Ticket]] = {}
        for row in db.execute("SELECT * FROM tickets WHERE event_id = ? ORDER BY rowid", (event_id,)):
            tickets.setdefault(row["order_id"], []).append(ticket_from(row))
        rows = db.execute("SELECT * FROM orders WHERE event_id = ? ORDER BY created_at, id", (event_id,))
        return [order_from(row, tickets.get(row["id"], [])) for row in rows]

    def set_ticket_status(self, ticket_id: str, status: str) -> None:
        with self._write() as db:
            db.execute("UPDATE tickets SET status = ? WHERE id = ?", (status, ticket_id))
