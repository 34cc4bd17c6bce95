"""A SQLite file from before reservations kept their request fingerprint (and before four-digit years).

Such a file opens with the new column added, its reservations read back without a fingerprint, a
true retry of one still gets it and another request under its key is refused; and a date an older
version wrote with an unpadded year (`154-...`) is read, not a 500.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import IdempotencyKeyReused
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest
from eventflow.store.sqlite.store import SqliteStore
from tests.conftest import BUYER, make_service, publish_event


def drop_fingerprints(path: Path) -> None:
    """The reservations table as it was before the column (SQLite >= 3.35 drops columns)."""
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE reservations DROP COLUMN request_fingerprint")
        db.execute("ALTER TABLE reservations DROP COLUMN code")  # added later still (access codes)
        db.execute("ALTER TABLE reservations DROP COLUMN buyer_language")  # and later (the mails' language)


def test_an_old_file_gets_the_column_and_its_keys_still_guard_their_reservations(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    clock = ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    store = SqliteStore(path)
    service = make_service(store, clock)
    event, tiers = publish_event(service)
    old_id = service.reservation_id_for(event.id, "K")
    store.close()
    drop_fingerprints(path)
    with sqlite3.connect(path) as db:  # a reservation as an older version wrote it
        db.execute("INSERT INTO reservations VALUES (?, ?, ?, ?, ?, 'EUR', 'buyer_pays', 'held',"
                   " '2026-06-01T12:00:00.000000Z', '2026-06-01T12:15:00.000000Z', 'K', NULL, NULL)",
                   (old_id, event.id, f'[{{"tier_id": "{tiers[0].id}", "quantity": 2, "unit_price_minor": 2500,'
                    ' "unit_fee_minor": 93, "unit_total_minor": 2593}]', BUYER.email, BUYER.name))

    store = SqliteStore(path)
    try:
        old = store.get_reservation(old_id)
        assert old is not None and old.request_fingerprint is None
        service = make_service(store, clock)
        assert service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, idempotency_key="K") == old
        with pytest.raises(IdempotencyKeyReused):
            service.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer("m@example.com", "Mallory"),
                            idempotency_key="K")
        fresh = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER, idempotency_key="new")
        assert store.get_reservation(fresh.id) == fresh and fresh.request_fingerprint
    finally:
        store.close()
    SqliteStore(path).close()  # and it opens again, the column already there


def test_an_unpadded_year_an_older_version_wrote_is_read(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    clock = ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    store = SqliteStore(path)
    try:
        event, _ = publish_event(make_service(store, clock))
        with sqlite3.connect(path) as db:
            db.execute("UPDATE events SET starts_at = '154-06-01T20:00:00.000000Z' WHERE id = ?", (event.id,))
        stored = store.get_event(event.id)
        assert stored is not None and stored.starts_at == datetime(154, 6, 1, 20, tzinfo=UTC)
        assert [e.id for e in store.list_published_events()] == [event.id]
    finally:
        store.close()
