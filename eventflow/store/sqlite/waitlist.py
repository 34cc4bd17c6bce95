"""Waitlists on the SQLite file (issue 13): a mixin of `SqliteStore`, and `owe_to_waitlists`, the one
extra step of `release` / `release_expired` (store/sqlite/inventory.py) that keeps released tickets of
a tier with someone waiting out of public sale, in the release's own write transaction.

Owed tickets stay counted in `tiers.held` (so `held + sold <= capacity` and the public availability
never see them come and go); `waitlist_tiers.owed` says how many of the held are the queue's. An
offer (`make_offer`) writes the offer's hold row, the entry's state and the counters in one
transaction; queue numbers come from `waitlist_tiers.next_position`, taken under the write lock.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from eventflow.domain.models import Reservation
from eventflow.domain.waitlist_rules import (
    EntryStatus,
    WaitlistEntry,
    WaitlistSettings,
    WaitlistTier,
    entry_id_for,
)
from eventflow.store.sqlite.database import SqliteDatabase
from eventflow.store.sqlite.rows import reservation_row
from eventflow.store.waitlist_codec import entry_from_text, entry_to_text

WAITLIST_SCHEMA = """
CREATE TABLE IF NOT EXISTS waitlist_tiers (
    tier_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, next_position INTEGER NOT NULL DEFAULT 0,
    waiting INTEGER NOT NULL DEFAULT 0, owed INTEGER NOT NULL DEFAULT 0, paused INTEGER NOT NULL DEFAULT 0,
    offers_out INTEGER NOT NULL DEFAULT 0, CHECK (owed >= 0 AND waiting >= 0 AND offers_out >= 0)
);
CREATE INDEX IF NOT EXISTS waitlist_tiers_by_event ON waitlist_tiers (event_id);
CREATE TABLE IF NOT EXISTS waitlist_entries (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL, tier_id TEXT NOT NULL, position INTEGER NOT NULL,
    status TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS waitlist_queue ON waitlist_entries (tier_id, status, position);
CREATE INDEX IF NOT EXISTS waitlist_by_event ON waitlist_entries (event_id, tier_id, position);
CREATE TABLE IF NOT EXISTS waitlist_settings (
    event_id TEXT PRIMARY KEY, offer_minutes INTEGER NOT NULL, partial INTEGER NOT NULL, paused INTEGER NOT NULL
);
"""

def owe_to_waitlists(db: sqlite3.Connection, given_back: dict[str, int]) -> dict[str, int]:
    """Of the tickets a release gives back per tier, those of tiers with someone waiting (and not
    paused) become owed to the queue (still held); returns what goes back to public sale. Without
    waitlists this is one indexed SELECT on a table that is empty or small."""
    if not given_back:
        return given_back
    marks = ",".join("?" * len(given_back))
    rows = db.execute(f"SELECT tier_id FROM waitlist_tiers WHERE tier_id IN ({marks}) AND waiting > 0"
                      " AND paused = 0", list(given_back)).fetchall()
    if not rows:
        return given_back
    public = dict(given_back)
    for row in rows:
        quantity = public.pop(row[0])
        db.execute("UPDATE waitlist_tiers SET owed = owed + ? WHERE tier_id = ?", (quantity, row[0]))
    return public


class _NoOffer(Exception):
    """Rolls an offer's transaction back."""


def _queue_from(row: sqlite3.Row) -> WaitlistTier:
    return WaitlistTier(event_id=row["event_id"], tier_id=row["tier_id"], next_position=row["next_position"],
                        waiting=row["waiting"], owed=row["owed"], paused=bool(row["paused"]),
                        offers_out=row["offers_out"])


class SqliteWaitlistMixin(SqliteDatabase):
    """`WaitlistStore` on the file."""

    def join_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry:
        with self._write() as db:
            settings = db.execute("SELECT paused FROM waitlist_settings WHERE event_id = ?",
                                  (entry.event_id,)).fetchone()
            db.execute("INSERT OR IGNORE INTO waitlist_tiers (tier_id, event_id, paused) VALUES (?, ?, ?)",
                       (entry.tier_id, entry.event_id, int(bool(settings and settings["paused"]))))
            position = db.execute("UPDATE waitlist_tiers SET next_position = next_position + 1,"
                                  " waiting = waiting + 1 WHERE tier_id = ? RETURNING next_position",
                                  (entry.tier_id,)).fetchone()[0]
            stored = replace(entry, id=entry_id_for(entry.tier_id, position), position=position,
                             status=EntryStatus.WAITING)
            db.execute("INSERT INTO waitlist_entries VALUES (?, ?, ?, ?, ?, ?)",
                       (stored.id, stored.event_id, stored.tier_id, position, stored.status.value,
                        entry_to_text(stored)))
        return stored

    def get_waitlist_entry(self, entry_id: str) -> WaitlistEntry | None:
        row = self._db().execute("SELECT body FROM waitlist_entries WHERE id = ?", (entry_id,)).fetchone()
        return entry_from_text(row[0]) if row else None

    def waiting_ahead(self, entry: WaitlistEntry) -> int:
        return int(self._db().execute(
            "SELECT COUNT(*) FROM waitlist_entries WHERE tier_id = ? AND status = 'waiting' AND position < ?",
            (entry.tier_id, entry.position)).fetchone()[0])

    def next_waiting(self, event_id: str, tier_id: str) -> WaitlistEntry | None:
        row = self._db().execute(
            "SELECT body FROM waitlist_entries WHERE tier_id = ? AND status = 'waiting' ORDER BY position LIMIT 1",
            (tier_id,)).fetchone()
        return entry_from_text(row[0]) if row else None

    def waitlist_entries(self, event_id: str) -> list[WaitlistEntry]:
        rows = self._db().execute("SELECT body FROM waitlist_entries WHERE event_id = ? ORDER BY tier_id, position",
                                  (event_id,)).fetchall()
        return [entry_from_text(row[0]) for row in rows]

    def waitlist_tiers(self, event_id: str | None = None) -> list[WaitlistTier]:
        if event_id is not None:
            rows = self._db().execute("SELECT * FROM waitlist_tiers WHERE event_id = ? ORDER BY tier_id",
                                      (event_id,)).fetchall()
        else:
            rows = self._db().execute("SELECT * FROM waitlist_tiers WHERE waiting > 0 OR owed > 0 OR offers_out > 0"
                                      " ORDER BY event_id, tier_id").fetchall()
        return [_queue_from(row) for row in rows]

    def leave_waitlist(self, entry_id: str) -> bool:
        with self._write() as db:
            return self._move_entry(db, entry_id, EntryStatus.WAITING, EntryStatus.LEFT, "waiting = waiting - 1")

    def settle_offer(self, entry_id: str, status: EntryStatus) -> bool:
        with self._write() as db:
            return self._move_entry(db, entry_id, EntryStatus.OFFERED, status, "offers_out = offers_out - 1")

    @staticmethod
    def _move_entry(db: sqlite3.Connection, entry_id: str, was: EntryStatus, now: EntryStatus, counter: str) -> bool:
        row = db.execute("SELECT body FROM waitlist_entries WHERE id = ? AND status = ?",
                         (entry_id, was.value)).fetchone()
        if row is None:
            return False
        entry = entry_from_text(row[0])
        moved = replace(entry, status=now)
        db.execute("UPDATE waitlist_entries SET status = ?, body = ? WHERE id = ?",
                   (now.value, entry_to_text(moved), entry_id))
        db.execute(f"UPDATE waitlist_tiers SET {counter} WHERE tier_id = ?", (entry.tier_id,))
        return True

    def make_offer(self, entry: WaitlistEntry, offer: Reservation) -> bool:
        try:
            with self._write() as db:
                if db.execute("UPDATE waitlist_entries SET status = 'offered', body = ? WHERE id = ?"
                              " AND status = 'waiting'", (entry_to_text(entry), entry.id)).rowcount != 1:
                    raise _NoOffer()
                if db.execute("UPDATE waitlist_tiers SET owed = owed - ?1, waiting = waiting - 1,"
                              " offers_out = offers_out + 1 WHERE tier_id = ?2 AND owed >= ?1",
                              (offer.quantity, entry.tier_id)).rowcount != 1:
                    raise _NoOffer()
                row = reservation_row(offer)  # the offer's hold, as inventory.py writes a hold's row
                try:
                    db.execute(f"INSERT INTO reservations VALUES ({', '.join('?' * len(row))})", row)
                except sqlite3.IntegrityError:
                    raise _NoOffer() from None
        except _NoOffer:
            return False
        return True

    def capture_for_waitlist(self, event_id: str, tier_id: str) -> int:
        with self._write() as db:
            row = db.execute("SELECT t.capacity - t.held - t.sold AS free FROM tiers t JOIN waitlist_tiers w"
                             " ON w.tier_id = t.id WHERE t.id = ? AND w.waiting > 0 AND w.paused = 0",
                             (tier_id,)).fetchone()
            free = int(row["free"]) if row else 0
            if free <= 0:
                return 0
            db.execute("UPDATE tiers SET held = held + ?1 WHERE id = ?2 AND held + sold + ?1 <= capacity",
                       (free, tier_id))
            db.execute("UPDATE waitlist_tiers SET owed = owed + ? WHERE tier_id = ?", (free, tier_id))
        return free

    def return_owed(self, event_id: str, tier_id: str) -> int:
        with self._write() as db:
            row = db.execute("SELECT owed FROM waitlist_tiers WHERE tier_id = ? AND owed > 0"
                             " AND (waiting = 0 OR paused = 1)", (tier_id,)).fetchone()
            if row is None:
                return 0
            owed = int(row["owed"])
            if db.execute("UPDATE tiers SET held = held - ?1 WHERE id = ?2 AND held >= ?1",
                          (owed, tier_id)).rowcount != 1:
                raise RuntimeError(f"held count of tier {tier_id} is below what its waitlist is owed")
            db.execute("UPDATE waitlist_tiers SET owed = 0 WHERE tier_id = ?", (tier_id,))
        return owed

    def get_waitlist_settings(self, event_id: str) -> WaitlistSettings | None:
        row = self._db().execute("SELECT * FROM waitlist_settings WHERE event_id = ?", (event_id,)).fetchone()
        if row is None:
            return None
        return WaitlistSettings(event_id=event_id, offer_minutes=row["offer_minutes"], partial=bool(row["partial"]),
                                paused=bool(row["paused"]))

    def save_waitlist_settings(self, settings: WaitlistSettings) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO waitlist_settings VALUES (?, ?, ?, ?)",
                       (settings.event_id, settings.offer_minutes, int(settings.partial), int(settings.paused)))
            db.execute("UPDATE waitlist_tiers SET paused = ? WHERE event_id = ?",
                       (int(settings.paused), settings.event_id))
