"""Store contract for counts per source and the sources of tracked holds (domain/traffic.py): the same on
every store, and nothing stored that could identify a visitor."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from eventflow.domain.clock import ManualClock
from eventflow.domain.traffic import HoldSource, SourceFigures, Traffic


def test_increments_add_up_per_event_and_source(store: Any) -> None:
    store.add_source_figures([SourceFigures("evt_a", "instagram", views=3, visitors=2),
                              SourceFigures("evt_a", "direct", views=1, visitors=1)])
    store.add_source_figures([SourceFigures("evt_a", "instagram", views=2, holds=1, orders=1, tickets=2,
                                            revenue_minor=5000, first_orders=1, first_revenue_minor=5000)])
    store.add_source_figures([SourceFigures("evt_b", "instagram", views=7)])
    assert store.source_figures("evt_a") == [
        SourceFigures("evt_a", "direct", views=1, visitors=1),
        SourceFigures("evt_a", "instagram", views=5, visitors=2, holds=1, orders=1, tickets=2, revenue_minor=5000,
                      first_orders=1, first_revenue_minor=5000)]
    assert store.source_figures("evt_b") == [SourceFigures("evt_b", "instagram", views=7)]
    assert store.source_figures("evt_none") == []


def test_a_row_of_zeros_lists_the_source(store: Any) -> None:
    store.add_source_figures([SourceFigures("evt_a", "flyer")])
    store.add_source_figures([])
    assert store.source_figures("evt_a") == [SourceFigures("evt_a", "flyer")]


def test_hold_sources_round_trip(store: Any) -> None:
    store.save_hold_source(HoldSource("res_1", "evt_a", "instagram-story", "newsletter"))
    store.save_hold_source(HoldSource("res_1", "evt_a", "instagram-story", "flyer"))
    assert store.hold_source("res_1") == HoldSource("res_1", "evt_a", "instagram-story", "flyer")
    assert store.hold_source("res_none") is None


def everything_stored(store: Any) -> str:
    """Every stored value of the store, as text (SQLite: every table; DynamoDB: a scan; the fake: its dicts)."""
    if hasattr(store, "path"):
        db = sqlite3.connect(store.path)
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return repr([db.execute(f"SELECT * FROM {table}").fetchall() for table in tables])
    if hasattr(store, "client"):
        return repr(store.client.scan(TableName=store.table_name)["Items"])
    return repr(vars(store))


def test_views_leave_no_address_agent_or_hash_in_the_store(store: Any) -> None:
    clock = ManualClock(datetime(2027, 3, 1, 23, 59, tzinfo=UTC))
    traffic = Traffic(store, clock)
    agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari/604.1"
    for ip in ("203.0.113.7", "198.51.100.23", "203.0.113.7"):
        traffic.page_view("evt_a", "instagram", ip, agent)
    assert traffic.flush() == 1
    salt_of_the_day = traffic.salt._salt
    seen = set(traffic.salt._seen)
    clock.advance(timedelta(minutes=2))  # the next day: the same visitor is new again, yesterday is forgotten
    traffic.page_view("evt_a", "instagram", "203.0.113.7", agent)
    traffic.flush()
    assert traffic.salt._salt != salt_of_the_day and not seen & traffic.salt._seen
    [row] = store.source_figures("evt_a")
    assert (row.views, row.visitors) == (4, 3)
    stored = everything_stored(store)
    for trace in ("203.0.113.7", "198.51.100.23", "iPhone", salt_of_the_day.hex(), *(h.hex() for h in seen)):
        assert trace not in stored
    assert repr(salt_of_the_day)[2:-1] not in stored


def count_source_writes(store: Any) -> list[int]:
    """A list that grows by one per (event, source) row the store writes: SQLite's upserts (statement
    trace), DynamoDB's UpdateItem calls (botocore's event hook), the fake's rows."""
    writes: list[int] = []
    if hasattr(store, "path"):
        store._db().set_trace_callback(lambda sql: writes.append(1) if "INTO source_figures" in sql else None)
    elif hasattr(store, "client"):
        store.client.meta.events.register("before-call.dynamodb.UpdateItem", lambda **_: writes.append(1))
    else:
        add = store.add_source_figures

        def counted(rows: Any) -> None:
            rows = list(rows)
            writes.extend(1 for _ in rows)
            add(rows)
        store.add_source_figures = counted
    return writes


def test_a_flood_of_page_views_costs_one_write_per_source_and_flush(store: Any) -> None:
    """10,000 views in one minute from one event page (two sources), flushed every 3 s as the app's job does:
    at most 2 x 20 row writes on the store, however many views; every view counted."""
    clock = ManualClock(datetime(2027, 3, 1, 12, 0, tzinfo=UTC))
    traffic = Traffic(store, clock)
    writes = count_source_writes(store)
    agent = "Mozilla/5.0 (Linux; Android 14) Mobile Chrome/130"
    for view in range(10_000):
        traffic.page_view("evt_flood", "instagram" if view % 3 else "direct", f"10.{view // 65536}.{view // 256 % 256}"
                          f".{view % 256}", agent)
        if view % 500 == 499:  # 10,000 views over 60 s: 500 views per 3-second flush
            clock.advance(timedelta(seconds=3))
            traffic.flush()
    assert traffic.flush() == 0
    assert 0 < len(writes) <= 2 * 20
    assert sum(row.views for row in store.source_figures("evt_flood")) == 10_000
