"""Access codes on the SQLite file (domain/access_codes.py): a mixin of `SqliteStore`.

A code's uses are changed only inside the inventory's write transactions (store/sqlite/inventory.py
calls `take_code_uses` / `give_code_uses` / `count_code_sale` with its connection), each a conditional
UPDATE, so a code's limit holds like a tier's capacity; the CHECK constraint is a second line of defence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from eventflow.domain.access_codes import AccessCode, CodeTaken, CodeUsedUp
from eventflow.domain.errors import SoldOut, StaleCatalog
from eventflow.domain.models import Reservation
from eventflow.store.access_code_codec import COUNTER_NAMES, code_from_parts, settings_to_text
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.sqlite.database import SqliteDatabase

ACCESS_CODES_SCHEMA = """
CREATE TABLE IF NOT EXISTS access_codes (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL, code TEXT NOT NULL, created_at TEXT NOT NULL,
    settings TEXT NOT NULL, max_uses INTEGER, deleted INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1, uses INTEGER NOT NULL DEFAULT 0,
    confirmed_uses INTEGER NOT NULL DEFAULT 0, tickets_sold INTEGER NOT NULL DEFAULT 0,
    revenue_minor INTEGER NOT NULL DEFAULT 0, discount_given_minor INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, code),
    CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses))
);
CREATE INDEX IF NOT EXISTS access_codes_by_event ON access_codes (event_id, created_at, id);
"""

# A hold's uses: the code at the version the hold was priced from, with room (?1 uses, ?2 id, ?3 version).
TAKE_USES = (
    "UPDATE access_codes SET uses = uses + ?1 WHERE id = ?2 AND version = ?3"
    " AND (max_uses IS NULL OR uses + ?1 <= max_uses)"
)


def code_from_row(row: sqlite3.Row) -> AccessCode:
    return code_from_parts(
        id=row["id"], event_id=row["event_id"], code=row["code"], created_at=row["created_at"],
        settings=row["settings"], max_uses=row["max_uses"], deleted=bool(row["deleted"]), version=row["version"],
        counters={name: row[name] for name in COUNTER_NAMES},
    )


def take_code_uses(db: sqlite3.Connection, reservation: Reservation) -> None:
    """Inside the reserve's transaction: the code's uses, or why not (StaleCatalog: read it again)."""
    use = reservation.code
    if use is None:
        return
    if db.execute(TAKE_USES, (use.uses, use.code_id, use.version)).rowcount != 1:
        row = db.execute("SELECT version FROM access_codes WHERE id = ?", (use.code_id,)).fetchone()
        if row is None or row["version"] != use.version:
            raise StaleCatalog(use.code_id)
        raise CodeUsedUp()


def give_code_uses(db: sqlite3.Connection, uses_by_code: dict[str, int]) -> None:
    """Inside a release's transaction: the uses of the holds closed, per code."""
    given = db.executemany(
        "UPDATE access_codes SET uses = uses - ? WHERE id = ? AND uses >= ?",
        [(uses, code_id, uses) for code_id, uses in uses_by_code.items()],
    ).rowcount
    if given != len(uses_by_code):
        raise RuntimeError("uses of an access code are inconsistent")


def count_code_sale(db: sqlite3.Connection, reservation: Reservation, held: bool) -> None:
    """Inside the confirmation's transaction: the code's figures; a late payment (its hold ended and
    gave the uses back) takes them again within the limit, else SoldOut (refunded like one)."""
    use = reservation.code
    if use is None:
        return
    again = 0 if held else use.uses
    counted = db.execute(
        "UPDATE access_codes SET uses = uses + :again, confirmed_uses = confirmed_uses + :uses,"
        " tickets_sold = tickets_sold + :tickets, revenue_minor = revenue_minor + :revenue,"
        " discount_given_minor = discount_given_minor + :discount"
        " WHERE id = :id AND (max_uses IS NULL OR uses + :again <= max_uses)",
        {"again": again, "uses": use.uses, "tickets": reservation.quantity, "revenue": reservation.subtotal_minor,
         "discount": reservation.discount_minor, "id": use.code_id},
    ).rowcount
    if counted != 1:
        raise SoldOut("The access code was used up meanwhile")


class SqliteAccessCodesMixin(SqliteDatabase):
    """`AccessCodeStore` on the file."""

    def add_access_codes(self, codes: Sequence[AccessCode]) -> None:
        try:
            with self._write() as db:
                db.executemany(
                    "INSERT INTO access_codes (id, event_id, code, created_at, settings, max_uses)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [(c.id, c.event_id, c.code, t2s(c.created_at), settings_to_text(c), c.max_uses) for c in codes],
                )
        except sqlite3.IntegrityError:
            raise CodeTaken() from None

    def get_access_code(self, event_id: str, code_id: str) -> AccessCode | None:
        row = self._db().execute(
            "SELECT * FROM access_codes WHERE id = ? AND event_id = ?", (code_id, event_id)
        ).fetchone()
        return code_from_row(row) if row else None

    def find_access_code(self, event_id: str, code: str) -> AccessCode | None:
        row = self._db().execute(
            "SELECT * FROM access_codes WHERE event_id = ? AND code = ?", (event_id, code)
        ).fetchone()
        return code_from_row(row) if row else None

    def list_access_codes(self, event_id: str) -> list[AccessCode]:
        rows = self._db().execute(
            "SELECT * FROM access_codes WHERE event_id = ? AND deleted = 0 ORDER BY created_at, id", (event_id,)
        )
        return [code_from_row(row) for row in rows]

    def update_access_code(self, code: AccessCode) -> AccessCode:
        with self._write() as db:
            try:
                saved = db.execute(
                    "UPDATE access_codes SET settings = ?, max_uses = ?, version = version + 1"
                    " WHERE id = ? AND event_id = ? AND version = ? AND deleted = 0",
                    (settings_to_text(code), code.max_uses, code.id, code.event_id, code.version),
                ).rowcount
            except sqlite3.IntegrityError:  # the CHECK: a limit below the uses taken
                uses = db.execute("SELECT uses FROM access_codes WHERE id = ?", (code.id,)).fetchone()["uses"]
                raise CodeUsedUp("{uses} uses are taken already: the limit cannot go below that", uses=uses) from None
            if saved != 1:
                raise StaleCatalog(code.id)
            row = db.execute("SELECT * FROM access_codes WHERE id = ?", (code.id,)).fetchone()
        return code_from_row(row)

    def delete_access_code(self, event_id: str, code_id: str) -> bool:
        with self._write() as db:
            if db.execute("DELETE FROM access_codes WHERE id = ? AND event_id = ? AND uses = 0"
                          " AND confirmed_uses = 0", (code_id, event_id)).rowcount:
                return True
            return db.execute(
                "UPDATE access_codes SET deleted = 1, version = version + 1"
                " WHERE id = ? AND event_id = ? AND deleted = 0", (code_id, event_id),
            ).rowcount == 1
