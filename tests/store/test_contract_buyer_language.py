"""The buyer's language (their mails' language, domain/language.py) is kept with the reservation and its
order on every store; one bought without a language reads back as None (English), as do old rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.store.sqlite.store import SqliteStore
from tests.conftest import BUYER, make_service, publish_event


def test_the_buyers_language_travels_from_the_hold_to_the_order(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    german = service.reserve(event.id, [LineRequest(tiers[1].id, 1)],
                             Buyer("Grete@Example.com ", " Grete ", "de"))
    english = service.reserve(event.id, [LineRequest(tiers[1].id, 1)], BUYER)
    assert service.store.get_reservation(german.id).buyer.language == "de"  # type: ignore[union-attr]
    assert service.store.get_reservation(english.id).buyer.language is None  # type: ignore[union-attr]
    order = service.confirm(german.id, payment_ref="free")
    stored = service.store.get_order(order.id)
    assert stored is not None and stored.buyer == Buyer("grete@example.com", "Grete", "de")
    assert service.store.get_order(service.confirm(english.id, payment_ref="free").id).buyer.language is None  # type: ignore[union-attr]


def test_an_old_sqlite_file_gets_the_column_and_its_orders_read_as_english(tmp_path: Path,
                                                                          clock: ManualClock) -> None:
    path = tmp_path / "old.db"
    store = SqliteStore(path)
    service = make_service(store, clock)
    event, tiers = publish_event(service)
    order = service.confirm(service.reserve(event.id, [LineRequest(tiers[1].id, 1)], BUYER).id, payment_ref="free")
    store.close()
    with sqlite3.connect(path) as db:  # the tables as a version before languages left them
        db.execute("ALTER TABLE reservations DROP COLUMN buyer_language")
        db.execute("ALTER TABLE orders DROP COLUMN buyer_language")
    reopened = SqliteStore(path)
    try:
        old = reopened.get_order(order.id)
        assert old is not None and old.buyer == BUYER and old.buyer.language is None
        later = make_service(reopened, clock)
        fresh = later.reserve(event.id, [LineRequest(tiers[1].id, 1)], Buyer("b@example.com", "B", "es"))
        assert later.confirm(fresh.id, payment_ref="free").buyer.language == "es"
        assert reopened.get_order(later.confirm(fresh.id, payment_ref="free").id).buyer.language == "es"  # type: ignore[union-attr]
    finally:
        reopened.close()
