"""A SQLite file from before tickets kept their attendee's email opens with the column added; its tickets
read back with no email and new ones keep theirs."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from eventflow.domain.attendees import Attendee, Attendees
from eventflow.domain.clock import ManualClock
from eventflow.domain.reservations import LineRequest
from eventflow.store.sqlite.store import SqliteStore
from tests.conftest import BUYER, make_service, publish_event


def test_an_old_file_gets_the_holder_email_column(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    clock = ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    store = SqliteStore(path)
    service = make_service(store, clock)
    event, tiers = publish_event(service)
    old = service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER).id, payment_ref="demo")
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE tickets DROP COLUMN holder_email")
    store = SqliteStore(path)
    service = make_service(store, clock)
    assert store.get_ticket(old.tickets[0].id).holder_email == ""  # type: ignore[union-attr]
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
    Attendees(store, clock, service, service.catalog).put(held.id, [Attendee("Bo", "bo@example.com")])
    new = service.confirm(held.id, payment_ref="demo")
    assert (new.tickets[0].holder_name, new.tickets[0].holder_email) == ("Bo", "bo@example.com")
    store.close()
