"""Fair-sale settings and the waiting room on the SQLite file: a mixin of `SqliteStore`
(domain/sale_settings.py `SaleSettingsStore`, domain/waiting_room.py `WaitingRoomStore`, domain/buyer_caps.py
`BuyerCapStore`: the tickets-per-buyer cap and each buyer's noted reservations).

A join is one write transaction: early or late is decided against the room's row in it, and a late
arrival's number is the room row's counter incremented in the same transaction. The draw ranks the early
arrivals with one `ROW_NUMBER() OVER (ORDER BY random_key)` over the index (event_id, early, random_key).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from eventflow.domain.sale_settings import SaleSettings
from eventflow.domain.waiting_room import RoomEntry, RoomState
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.sqlite.database import SqliteDatabase

WAITING_ROOM_SCHEMA = """
CREATE TABLE IF NOT EXISTS sale_settings (
    event_id TEXT PRIMARY KEY, one_hold_per_buyer INTEGER, drop_mode INTEGER,
    waiting_room INTEGER NOT NULL DEFAULT 0, opens_at TEXT, admissions_per_minute INTEGER
);
CREATE TABLE IF NOT EXISTS waiting_rooms (
    event_id TEXT PRIMARY KEY, drawn INTEGER NOT NULL DEFAULT 0,
    early_total INTEGER NOT NULL DEFAULT 0, late_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS waiting_room_entries (
    event_id TEXT NOT NULL, visitor_id TEXT NOT NULL, joined_at TEXT NOT NULL, random_key INTEGER NOT NULL,
    early INTEGER NOT NULL, late_number INTEGER, drawn_position INTEGER,
    PRIMARY KEY (event_id, visitor_id)
);
CREATE INDEX IF NOT EXISTS waiting_room_draw ON waiting_room_entries (event_id, early, random_key, visitor_id);
CREATE TABLE IF NOT EXISTS sale_buyer_caps (event_id TEXT PRIMARY KEY, max_tickets_per_buyer INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS buyer_reservations (
    event_id TEXT NOT NULL, buyer_key TEXT NOT NULL, reservation_id TEXT NOT NULL,
    PRIMARY KEY (event_id, buyer_key, reservation_id)
);
"""

_ENTRY = "event_id, visitor_id, joined_at, random_key, early, late_number, drawn_position"


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


def _entry(row: sqlite3.Row | tuple[object, ...]) -> RoomEntry:
    event_id, visitor_id, joined_at, random_key, early, late_number, drawn_position = tuple(row)
    return RoomEntry(str(event_id), str(visitor_id), s2t(str(joined_at)), int(str(random_key)), bool(early),
                     late_number if isinstance(late_number, int) else None,
                     drawn_position if isinstance(drawn_position, int) else None)


class SqliteWaitingRoomMixin(SqliteDatabase):
    def get_sale_settings(self, event_id: str) -> SaleSettings | None:
        row = self._db().execute(
            "SELECT event_id, one_hold_per_buyer, drop_mode, waiting_room, opens_at, admissions_per_minute"
            " FROM sale_settings WHERE event_id = ?", (event_id,)).fetchone()
        if row is None:
            return None
        cap = self._db().execute("SELECT max_tickets_per_buyer FROM sale_buyer_caps WHERE event_id = ?",
                                 (event_id,)).fetchone()
        return SaleSettings(row[0], _bool(row[1]), _bool(row[2]), bool(row[3]), s2t(row[4]) if row[4] else None,
                            row[5], cap[0] if cap else None)

    def save_sale_settings(self, settings: SaleSettings) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO sale_settings VALUES (?, ?, ?, ?, ?, ?)",
                (settings.event_id, settings.one_hold_per_buyer, settings.drop_mode, settings.waiting_room,
                 t2s(settings.opens_at) if settings.opens_at else None, settings.admissions_per_minute))
            db.execute("DELETE FROM sale_buyer_caps WHERE event_id = ?", (settings.event_id,))
            if settings.max_tickets_per_buyer is not None:
                db.execute("INSERT INTO sale_buyer_caps VALUES (?, ?)",
                           (settings.event_id, settings.max_tickets_per_buyer))

    def note_buyer_reservation(self, event_id: str, buyer_key: str, reservation_id: str) -> None:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO buyer_reservations VALUES (?, ?, ?)",
                       (event_id, buyer_key, reservation_id))

    def buyer_reservation_ids(self, event_id: str, buyer_key: str) -> list[str]:
        rows = self._db().execute("SELECT reservation_id FROM buyer_reservations WHERE event_id = ? AND buyer_key = ?"
                                  " ORDER BY reservation_id", (event_id, buyer_key)).fetchall()
        return [str(row[0]) for row in rows]

    def join_waiting_room(self, entry: RoomEntry, opens_at: datetime) -> RoomEntry:
        with self._write() as db:
            row = db.execute(f"SELECT {_ENTRY} FROM waiting_room_entries WHERE event_id = ? AND visitor_id = ?",
                             (entry.event_id, entry.visitor_id)).fetchone()
            if row is not None:
                return _entry(row)
            db.execute("INSERT OR IGNORE INTO waiting_rooms (event_id) VALUES (?)", (entry.event_id,))
            drawn = db.execute("SELECT drawn FROM waiting_rooms WHERE event_id = ?", (entry.event_id,)).fetchone()[0]
            early = entry.joined_at < opens_at and not drawn
            number = None
            if not early:
                number = db.execute("UPDATE waiting_rooms SET late_count = late_count + 1 WHERE event_id = ?"
                                    " RETURNING late_count", (entry.event_id,)).fetchone()[0]
            db.execute(f"INSERT INTO waiting_room_entries ({_ENTRY}) VALUES (?, ?, ?, ?, ?, ?, NULL)",
                       (entry.event_id, entry.visitor_id, t2s(entry.joined_at), entry.random_key, early, number))
        return RoomEntry(entry.event_id, entry.visitor_id, entry.joined_at, entry.random_key, early, number)

    def get_room_entry(self, event_id: str, visitor_id: str) -> RoomEntry | None:
        row = self._db().execute(f"SELECT {_ENTRY} FROM waiting_room_entries WHERE event_id = ? AND visitor_id = ?",
                                 (event_id, visitor_id)).fetchone()
        return _entry(row) if row else None

    def get_room_state(self, event_id: str) -> RoomState:
        row = self._db().execute("SELECT drawn, early_total, late_count FROM waiting_rooms WHERE event_id = ?",
                                 (event_id,)).fetchone()
        return RoomState(event_id, bool(row[0]), row[1], row[2]) if row else RoomState(event_id)

    def draw_waiting_room(self, event_id: str) -> RoomState:
        with self._write() as db:  # one transaction: no join lands between closing and ranking
            db.execute("INSERT OR IGNORE INTO waiting_rooms (event_id) VALUES (?)", (event_id,))
            if not db.execute("SELECT drawn FROM waiting_rooms WHERE event_id = ?", (event_id,)).fetchone()[0]:
                db.execute(
                    "UPDATE waiting_room_entries SET drawn_position = ranked.position FROM ("
                    " SELECT visitor_id, ROW_NUMBER() OVER (ORDER BY random_key, visitor_id) AS position"
                    " FROM waiting_room_entries WHERE event_id = ? AND early = 1) AS ranked"
                    " WHERE waiting_room_entries.event_id = ? AND waiting_room_entries.visitor_id = ranked.visitor_id",
                    (event_id, event_id))
                db.execute("UPDATE waiting_rooms SET drawn = 1, early_total = (SELECT COUNT(*) FROM"
                           " waiting_room_entries WHERE event_id = ? AND early = 1) WHERE event_id = ?",
                           (event_id, event_id))
        return self.get_room_state(event_id)
