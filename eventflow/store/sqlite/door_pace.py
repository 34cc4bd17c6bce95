"""The SQLite store's door-pace aggregates (domain/door_pace.py): admissions per (minute, device) and each
device's latest scan instant and busy-gap histogram.

`count_scan` is called by `admit` (through `count_admission`) inside its write transaction, for a first
check-in only, so the figures move with the check-ins and a reader never sees one without the other. A file
from before these tables is filled on open from its check-ins in scan order (`prepare_door_pace`, one write
transaction, so two processes opening it fill it once): for a device that is the full scan's order.
"""

from __future__ import annotations

import sqlite3

from eventflow.domain.door_pace import DoorPaceFigures, gap_seconds, pace_of, scan_minute
from eventflow.domain.models import CheckIn
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.sqlite.database import SqliteDatabase
from eventflow.store.sqlite.rows import checkin_from

DOOR_PACE_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS door_pace_minutes (
        event_id TEXT NOT NULL, minute TEXT NOT NULL, device_id TEXT NOT NULL, admitted INTEGER NOT NULL,
        PRIMARY KEY (event_id, minute, device_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS door_pace_gaps (
        event_id TEXT NOT NULL, device_id TEXT NOT NULL, seconds INTEGER NOT NULL, gaps INTEGER NOT NULL,
        PRIMARY KEY (event_id, device_id, seconds)
    ) WITHOUT ROWID""",
    # written last on open: its presence says the other two are filled
    """CREATE TABLE IF NOT EXISTS door_pace_devices (
        event_id TEXT NOT NULL, device_id TEXT NOT NULL, last_scan TEXT NOT NULL,
        PRIMARY KEY (event_id, device_id)
    ) WITHOUT ROWID""",
)
_ADD_MINUTE = ("INSERT INTO door_pace_minutes VALUES (?, ?, ?, ?)"
               " ON CONFLICT (event_id, minute, device_id) DO UPDATE SET admitted = admitted + excluded.admitted")
_ADD_GAP = ("INSERT INTO door_pace_gaps VALUES (?, ?, ?, ?)"
            " ON CONFLICT (event_id, device_id, seconds) DO UPDATE SET gaps = gaps + excluded.gaps")
# instant texts (codec) sort as time: the latest scan only ever moves forward
_SET_LAST = ("INSERT INTO door_pace_devices VALUES (?, ?, ?) ON CONFLICT (event_id, device_id)"
             " DO UPDATE SET last_scan = max(last_scan, excluded.last_scan)")


def count_scan(db: sqlite3.Connection, checkin: CheckIn) -> None:
    """`admit`, for a first check-in: its minute, and its gap from the device's latest recorded scan."""
    row = db.execute("SELECT last_scan FROM door_pace_devices WHERE event_id = ? AND device_id = ?",
                     (checkin.event_id, checkin.device_id)).fetchone()
    bucket = gap_seconds(s2t(row["last_scan"]) if row else None, checkin.scanned_at)
    db.execute(_ADD_MINUTE, (checkin.event_id, t2s(scan_minute(checkin.scanned_at)), checkin.device_id, 1))
    if bucket is not None:
        db.execute(_ADD_GAP, (checkin.event_id, checkin.device_id, bucket, 1))
    db.execute(_SET_LAST, (checkin.event_id, checkin.device_id, t2s(checkin.scanned_at)))


class SqliteDoorPaceMixin(SqliteDatabase):
    """The pace aggregates' backfill on open and their read."""

    def prepare_door_pace(self) -> None:
        with self._write() as db:
            if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'door_pace_devices'"
                          ).fetchone() is not None:
                return
            for statement in DOOR_PACE_SCHEMA:
                db.execute(statement)
            events = [row["event_id"] for row in db.execute("SELECT DISTINCT event_id FROM checkins")]
            for event_id in events:
                checkins = [checkin_from(row) for row in db.execute(
                    "SELECT * FROM checkins WHERE event_id = ? ORDER BY scanned_at, device_id", (event_id,))]
                figures = pace_of(checkins)
                db.executemany(_ADD_MINUTE, [(event_id, t2s(m), d, n) for m, d, n in figures.minutes])
                db.executemany(_ADD_GAP, [(event_id, d, g, n) for d, g, n in figures.gaps])
                db.executemany(_SET_LAST, [(event_id, c.device_id, t2s(c.scanned_at)) for c in checkins])

    def door_pace(self, event_id: str) -> DoorPaceFigures:
        db = self._db()
        minutes = db.execute("SELECT minute, device_id, admitted FROM door_pace_minutes WHERE event_id = ?",
                             (event_id,))
        gaps = db.execute("SELECT device_id, seconds, gaps FROM door_pace_gaps WHERE event_id = ?", (event_id,))
        return DoorPaceFigures(tuple((s2t(r["minute"]), r["device_id"], r["admitted"]) for r in minutes),
                               tuple((r["device_id"], r["seconds"], r["gaps"]) for r in gaps))
