"""A SQLite file from before the dashboard's aggregates gets them on open, filled from its rows: the
figures then equal a full scan, as if every sale, refund and admission had been counted when made."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from eventflow.store.sqlite.store import SqliteStore
from tests.conftest import make_service, publish_event
from tests.store.test_contract_sales_stats import admit, refund, scanned, sell


@pytest.mark.parametrize("older", [
    "DROP TABLE sales_stats; DROP TABLE door_stats; DROP TABLE sales_totals; DROP TABLE door_totals;"
    " DROP INDEX orders_by_event_newest;",  # from before the aggregates
    "DROP TABLE sales_totals; DROP TABLE door_totals; DELETE FROM sales_stats;",  # an earlier layout of them
])
def test_an_old_file_is_backfilled_once_on_open(tmp_path: Path, clock, older: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "old.db"
    store = SqliteStore(path)
    service = make_service(store, clock)
    event, (paid, free, vip) = publish_event(service)
    orders = []
    for n in range(6):
        orders.append(sell(service, event.id, [(paid.id, 1), (vip.id, 1)] if n % 2 else [(free.id, 2)], f"b{n}"))
        clock.advance(minutes=41)
    refund(store, clock, orders[1], 1, restock=True)
    for n, order in enumerate(orders[:4]):
        admit(store, order.tickets[-1].id, event.id, clock.now() + timedelta(minutes=4 * n), f"n{n}")
    expected = scanned(store, event.id)
    store.close()
    with sqlite3.connect(path) as old:  # the file as an older version left it
        old.executescript(older)

    reopened = SqliteStore(path)
    assert (reopened.sales_summary(event.id), reopened.door_summary(event.id)) == expected
    reopened.close()
    again = SqliteStore(path)  # opening again does not count anything twice
    assert (again.sales_summary(event.id), again.door_summary(event.id)) == expected
    again.close()
