"""A SQLite file from before the door-pace tables: opening it fills them once from its check-ins, in scan
order, so the attendance read equals the full scan at once (store/sqlite/door_pace.py)."""

from __future__ import annotations

from pathlib import Path

from eventflow.domain.attendance import door_pace
from eventflow.domain.door_pace import pace_from
from eventflow.store.sqlite.store import SqliteStore
from tests.store.test_contract_door_pace import random_scans


def test_an_old_file_gets_its_pace_aggregates_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = SqliteStore(path)
    for checkin in random_scans("ev_old"):
        store.admit(checkin)
    expected = door_pace(store.list_checkins("ev_old"))
    with store._write() as db:  # what a file written before the aggregates looks like
        for table in ("door_pace_minutes", "door_pace_gaps", "door_pace_devices"):
            db.execute(f"DROP TABLE {table}")
    store.close()
    reopened = SqliteStore(path)
    try:
        assert pace_from(reopened.door_pace("ev_old")) == expected
        assert reopened.door_pace("ev_old").admissions == 72
    finally:
        reopened.close()
