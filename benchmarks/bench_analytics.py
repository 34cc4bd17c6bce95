"""Dashboard analytics of a big event (issue 18's proof): an event with 50,000 orders and 200,000 page views
must compute and render its analytics in under 1 s.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_analytics.py [--orders 50000] [--views 200000]
        [--refunds 2000] [--reads 20] [--no-browser] [--dynamodb 300]

1. An organizer, an event and two tiers are made through the API (SQLite, fresh data dir); the server stops.
2. The big event is written straight into the file (fast bulk seeding): --orders orders of 1-3 tickets
   (bench_dashboard.write_orders, the store's own row codec; the sales aggregates are rebuilt when the file is
   opened), 60 % of them through one of five tracking links (their hold sources and their counts per source,
   as `Traffic.order_made` writes them), --views page views counted by `Traffic.page_view` and flushed as the
   traffic job does, and --refunds refunds recorded through the store (`start_refund` / `finish_refund`).
3. In this process, on that file: the dashboard page's data load (`Queries.event_figures`, the first attendee
   page, the refunds, the sources panel's `Traffic.figures`) and the analytics read model
   (`analytics_json` over the same reads), the first read of a process (refunds worked out) and then warm.
4. The server restarts on the file: `GET /api/v1/events/{id}/analytics` over real HTTP (--reads times), the
   first one and the rest, against a trivial reference in the same run (`GET /api/v1/health`); and, unless
   --no-browser, `GET /dashboard/events/{id}` with the organizer's session cookie (login once in headless
   chromium): the page's data load and render, as the organizer opens it.
5. With --dynamodb ORDERS: the read model on DynamoDB (moto, in process) at that smaller size, seeded through
   `Ticketing` (slow on moto: ~1 s per order on a loaded machine), with the requests per read. Moto filters
   every item of the table per Query, so its times measure moto; the request counts are DynamoDB's.
Target: every p50 and the first read under 1 s (SQLite, the full size).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sqlite3
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dashboard import write_orders
from bench_loop_stall import Seeded
from common import ROOT, PySpy, Server, Targets, http_json, percentile, print_machine

PASSWORD = "bench-analytics-pass"
SOURCES = ("instagram-story", "newsletter", "flyer", "partner-blog", "tiktok")
AGENT = "Mozilla/5.0 (Linux; Android 14) Mobile Chrome/130"


def seed(url: str) -> tuple[Seeded, str, list[tuple[str, int]]]:
    """An organizer and a published event with two large tiers, through the API; (event, token, tiers)."""
    email = f"analytics-{time.time_ns()}@example.com"
    status, body = http_json("POST", f"{url}/api/v1/auth/signup", {"email": email, "password": PASSWORD,
                                                                     "name": "Analytics Bench"})
    assert status == 201, (status, body)
    token = body["token"]
    starts = datetime.now(UTC) + timedelta(days=30)
    status, event = http_json("POST", f"{url}/api/v1/events", {
        "title": "Analytics Night", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=5)).isoformat(), "timezone": "Europe/Berlin", "venue": "Bench Hall",
        "currency": "EUR", "description": "A benchmark event.", "fee_mode": "buyer_pays"}, token)
    assert status == 201, (status, event)
    tiers = []
    for name, price in (("General", 1500), ("Balcony", 2500)):
        status, tier = http_json("POST", f"{url}/api/v1/events/{event['id']}/tiers", {
            "name": name, "price_minor": price, "capacity": 200_000, "max_per_order": 10}, token)
        assert status == 201, (status, tier)
        tiers.append((tier["id"], price))
    status, body = http_json("POST", f"{url}/api/v1/events/{event['id']}/publish", None, token)
    assert status == 200, (status, body)
    return Seeded(event["id"], event["slug"], tiers[0][0], email), token, tiers


def seed_traffic(db_path: Path, event_id: str, tiers: list[tuple[str, int]], orders: int, views: int,
                 refunds: int) -> None:
    """Sources of 60 % of the orders, their counts, the page views and the refunds, through the store."""
    from eventflow.domain.clock import SystemClock
    from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus
    from eventflow.domain.traffic import SourceFigures, Traffic
    from eventflow.store.sqlite.store import SqliteStore

    started = time.perf_counter()
    store = SqliteStore(db_path)  # opening the file rebuilds the sales aggregates from the rows written
    print(f"  aggregates rebuilt on open: {time.perf_counter() - started:.1f} s")
    rng = random.Random(18)
    kept, counts = [], Counter[tuple[str, str]]()
    sold: dict[str, SourceFigures] = {}
    for n in range(orders):
        tickets, price = 1 + n % 3, tiers[n % len(tiers)][1]
        last = SOURCES[rng.randrange(len(SOURCES))] if rng.random() < 0.6 else "direct"
        first = SOURCES[rng.randrange(len(SOURCES))] if last != "direct" and rng.random() < 0.3 else last
        if last != "direct":
            kept.append((f"res_bench{n:07d}", event_id, first, last))
        counts[(first, last)] += 1
        row = SourceFigures(event_id, last, orders=1, tickets=tickets, revenue_minor=price * tickets)
        sold[last] = sold[last].plus(row) if last in sold else row
        one = SourceFigures(event_id, first, first_orders=1, first_revenue_minor=price * tickets)
        sold[first] = sold[first].plus(one) if first in sold else one
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("BEGIN")
    db.executemany("INSERT INTO hold_sources VALUES (?, ?, ?, ?)", kept)
    db.execute("COMMIT")
    db.close()
    store.add_source_figures(sold.values())
    traffic = Traffic(store, SystemClock())
    started = time.perf_counter()
    for view in range(views):
        source = SOURCES[view % len(SOURCES)] if view % 5 else "direct"
        traffic.page_view(event_id, source, f"10.{view // 65536 % 256}.{view // 256 % 256}.{view % 256}", AGENT)
        if view % 500 == 499:
            traffic.flush()
    traffic.flush()
    print(f"  {views:,} page views counted and flushed in {time.perf_counter() - started:.1f} s")
    now = datetime.now(UTC)
    for n in range(0, min(refunds, orders) * 7, 7)[:refunds]:  # every 7th order, its first ticket
        order = store.get_order(f"ord_bench{n:07d}")
        assert order is not None
        ticket = order.tickets[0]
        refund = Refund(f"rf_bench{n:07d}", event_id, order.reservation_id, order.id, "demo", (ticket.id,),
                        ((ticket.tier_id, 1),), ticket.price_minor + ticket.fee_minor, ticket.fee_minor, "EUR",
                        RefundReason.ORGANIZER, False, RefundStatus.PENDING, now)
        store.start_refund(refund)
        store.finish_refund(refund.id, RefundStatus.SUCCEEDED, now)
    print(f"  {refunds:,} refunds recorded; {len(kept):,} orders through tracking links")
    store.close()


def timed(call: Callable[[], Any], times: int) -> tuple[float, list[float]]:
    """(the first call's seconds, the rest's)."""
    started = time.perf_counter()
    call()
    first = time.perf_counter() - started
    rest = []
    for _ in range(times - 1):
        started = time.perf_counter()
        call()
        rest.append(time.perf_counter() - started)
    return first, rest


def line(label: str, first: float, rest: list[float]) -> str:
    return (f"{label:<58} first {first * 1000:8.1f} ms | p50 {percentile(rest, 50) * 1000:8.1f} ms "
            f"p95 {percentile(rest, 95) * 1000:8.1f} ms (n={len(rest)})")


def in_process(db_path: Path, event_id: str, reads: int, targets: Targets) -> None:
    """The dashboard's data load and the analytics read model, on the file, in this process."""
    from eventflow.domain.clock import SystemClock
    from eventflow.domain.event_analytics import analytics_json
    from eventflow.domain.queries import Queries
    from eventflow.domain.sales_stats import ATTENDEES_PAGE
    from eventflow.domain.traffic import Traffic
    from eventflow.store.sqlite.store import SqliteStore

    store = SqliteStore(db_path)
    queries, traffic = Queries(store, store), Traffic(store, SystemClock())

    def dashboard_load() -> None:  # pages/event_dashboard.py's read, the money panel's refunds, the sources panel
        queries.event_figures(event_id)
        queries.orders_page(event_id, None, ATTENDEES_PAGE + 1)
        queries.refunds(event_id)
        traffic.figures(event_id)

    def analytics() -> dict[str, Any]:  # api/analytics.py's read
        figures = queries.event_figures(event_id)
        return analytics_json(traffic.figures(event_id), figures.tiers, figures.sales, figures.door,
                              datetime.now(UTC))

    first, rest = timed(analytics, reads)
    print(line("analytics read model (in process)", first, rest))
    targets.check(f"analytics read model under 1 s (first {first:.3f} s)", first < 1.0 and percentile(rest, 50) < 1.0)
    first, rest = timed(dashboard_load, reads)
    print(line("dashboard page data load (in process)", first, rest))
    targets.check(f"dashboard data load under 1 s (first {first:.3f} s)", first < 1.0 and percentile(rest, 50) < 1.0)
    if os.environ.get("BENCH_ANALYTICS_PROFILE"):  # where a warm read's time goes (cProfile, top 15)
        profile = cProfile.Profile()
        profile.runcall(lambda: [analytics() or dashboard_load() for _ in range(5)])
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    answer = analytics()
    top = answer["sources"][0]
    print(f"  funnel: {answer['funnel']['views']:,} views, {answer['funnel']['orders']:,} orders; top source "
          f"{top['source']} {top['orders']:,} orders, revenue {top['revenue_minor']:,} (refunds subtracted)")
    store.close()


def over_http(data_dir: Path, seeded: Seeded, reads: int, browser: bool, targets: Targets) -> None:
    with Server(extra_env={"EVENTFLOW_DATA_DIR": str(data_dir)}) as server:
        status, body = http_json("POST", f"{server.url}/api/v1/auth/token",
                                 {"email": seeded.email, "password": PASSWORD})
        assert status == 200, (status, body)
        token = body["token"] if "token" in body else body["access_token"]
        url = f"{server.url}/api/v1/events/{seeded.event_id}/analytics"

        def analytics() -> None:
            status, answer = http_json("GET", url, token=token, timeout=60)
            assert status == 200 and answer["funnel"]["orders"] > 0, (status, str(answer)[:300])

        first, rest = timed(analytics, reads)
        print(line("GET /api/v1/events/{id}/analytics (HTTP)", first, rest))
        if os.environ.get("BENCH_ANALYTICS_PYSPY"):  # the server's Python time per analytics read, by function
            with PySpy(server.pid, Path(os.environ["BENCH_ANALYTICS_PYSPY"]), gil=False):
                for _ in range(reads):
                    analytics()
        targets.check(f"analytics over HTTP under 1 s (first {first:.3f} s)",
                      first < 1.0 and percentile(rest, 50) < 1.0)
        first, rest = timed(lambda: http_json("GET", f"{server.url}/api/v1/health"), reads)
        print(line("reference: GET /api/v1/health (HTTP)", first, rest))
        if browser:
            import loop_stall_clients
            from loop_stall_clients import dashboard_login_cookie
            loop_stall_clients.PASSWORD = PASSWORD  # this benchmark's organizer
            cookie = dashboard_login_cookie(server.url, seeded.email, seeded.event_id)

            def page() -> None:
                request = urllib.request.Request(f"{server.url}/dashboard/events/{seeded.event_id}",
                                                 headers={"Cookie": cookie})
                with urllib.request.urlopen(request, timeout=60) as answer:
                    html = answer.read().decode()
                assert answer.status == 200 and "Analytics Night" in html, answer.status

            first, rest = timed(page, max(3, reads // 2))
            print(line("GET /dashboard/events/{id} (HTTP, session cookie)", first, rest))
            if os.environ.get("BENCH_ANALYTICS_PYSPY"):
                with PySpy(server.pid, Path(os.environ["BENCH_ANALYTICS_PYSPY"] + ".page"), gil=False):
                    for _ in range(max(3, reads // 2)):
                        page()
            targets.check(f"dashboard page under 1 s (first {first:.3f} s)",
                          first < 1.0 and percentile(rest, 50) < 1.0)
            first, rest = timed(lambda: urllib.request.urlopen(f"{server.url}/login", timeout=60).read(),
                                max(3, reads // 2))
            print(line("reference: GET /login (a page without data)", first, rest))


def on_dynamodb(orders: int, views: int, refunds: int, reads: int) -> None:
    """The analytics read model on DynamoDB (moto, in process) at a smaller size: orders sold through
    `Ticketing` (moto is slow to seed), views through `Traffic`; the time and the requests per read."""
    from collections import Counter as Calls

    from eventflow.domain.event_analytics import analytics_json
    from eventflow.domain.models import Buyer
    from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus
    from eventflow.domain.payments.refunds import record_without_provider
    from eventflow.domain.queries import Queries
    from eventflow.domain.reservations import LineRequest, Ticketing
    from eventflow.domain.traffic import Touch, Traffic
    from tests.conftest import FAST_HASHER, publish_event
    from tests.store.moto_server import in_process_table

    with in_process_table("eventflow-bench-analytics") as store:
        from eventflow.domain.clock import SystemClock

        ticketing = Ticketing(store, SystemClock(), secret_key="bench", password_hasher=FAST_HASHER)
        traffic = ticketing.traffic = Traffic(store, ticketing.clock)
        event, tiers = publish_event(ticketing, capacities=(orders * 3, 10, 10), prices=(2500, 0, 9900))
        started, sold = time.perf_counter(), []
        for n in range(orders):
            touch = Touch.of(SOURCES[n % len(SOURCES)]) if n % 5 < 3 else None
            held = ticketing.reserve(event.id, [LineRequest(tiers[0].id, 1 + n % 3)],
                                     Buyer(f"b{n}@example.com", f"B {n}"), source=touch)
            sold.append(ticketing.confirm(held.id, payment_ref="demo_pay"))
        for view in range(views):
            traffic.page_view(event.id, SOURCES[view % len(SOURCES)], f"10.0.{view // 256 % 256}.{view % 256}", AGENT)
        traffic.flush()
        now = datetime.now(UTC)
        for order in sold[:refunds]:
            ticket = order.tickets[0]
            record_without_provider(ticketing, store, Refund(
                f"rf_{order.id}", event.id, order.reservation_id, order.id, "demo_pay", (ticket.id,),
                ((ticket.tier_id, 1),), ticket.price_minor + ticket.fee_minor, ticket.fee_minor, "EUR",
                RefundReason.ORGANIZER, False, RefundStatus.PENDING, now))
        print(f"DynamoDB (moto, in process): {orders:,} orders, {views:,} views, {refunds} refunds seeded in "
              f"{time.perf_counter() - started:.1f} s")
        queries, reader = Queries(store, store), Traffic(store, ticketing.clock)
        calls: Calls[str] = Calls()
        store.client.meta.events.register("before-call.dynamodb.*",
                                          lambda model, **_: calls.update([model.name]))

        def analytics() -> None:
            figures = queries.event_figures(event.id)
            analytics_json(reader.figures(event.id), figures.tiers, figures.sales, figures.door, datetime.now(UTC))

        analytics()
        first_calls = dict(calls)
        calls.clear()
        first, rest = timed(analytics, reads)
        print(line("analytics read model on DynamoDB (moto)", first, rest))
        print(f"  requests, first read of the process: {first_calls}; per warm read: "
              f"{ {name: n // reads for name, n in calls.items()} }")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--views", type=int, default=200_000)
    parser.add_argument("--refunds", type=int, default=2_000)
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true", help="skip the dashboard page over HTTP (chromium login)")
    parser.add_argument("--dynamodb", type=int, default=0, metavar="ORDERS",
                        help="also measure the read model on DynamoDB (moto in process) with this many orders")
    args = parser.parse_args()
    print_machine()
    targets = Targets()
    server = Server(keep_data=True)
    with server:
        seeded, _token, tiers = seed(server.url)
    data_dir = server.data_dir
    try:
        started = time.perf_counter()
        tickets = abs(write_orders(server.db_path, seeded, tiers, args.orders, days=20, checkins=args.orders // 2))
        print(f"seeded {args.orders:,} orders ({tickets:,} tickets) in {time.perf_counter() - started:.1f} s")
        seed_traffic(server.db_path, seeded.event_id, tiers, args.orders, args.views, args.refunds)
        in_process(server.db_path, seeded.event_id, args.reads, targets)
        over_http(data_dir, seeded, args.reads, not args.no_browser, targets)
        if args.dynamodb:
            on_dynamodb(args.dynamodb, args.views // 10, args.refunds // 20, args.reads)
    finally:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
    return targets.exit_code()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
