"""An open organizer dashboard on a big event must not slow buyers down (issue 10, target 1).

    .venv/bin/python benchmarks/bench_dashboard.py [--orders 50000] [--rate 5] [--seconds 20] [--ref HEAD]
        [--baseline REF]   # also measure another commit (e.g. the code before the aggregates)
        [--arrivals poisson]   # sales at random times of that rate (default: one every 1/rate s)
    BENCH_DASHBOARD_PROFILE=/tmp/refresh.prof ...   # cProfile of the refreshes, written when the server stops

Per code version (--ref, default the work tree; --baseline another commit, exported with git archive):

1. An event with two tiers is made through the API (SQLite store, fresh data dir); the server stops;
   --orders orders (1-3 tickets each, spread over --days days) and --checkins check-ins are written
   straight into the SQLite file. For code with the aggregates, their tables are dropped first, so
   opening the file fills them from the rows: that migration is timed here (`backfill`).
2. The server restarts on the file, through an entry point that wraps `EventDashboard.refresh` to log
   the CPU time of each refresh (time.thread_time of the loop thread: with SQLite the refresh's reads
   run inline; what the loop did for others while the refresh paused between panels, `give_way`, is
   taken out) - a benchmark-only wrapper.
3. Phase "no dashboard": --rate sales/s for --seconds (reserve, checkout, demo pay; open loop).
   Phase "dashboard": the organizer's dashboard is open (login in headless chromium, then a socket.io
   client holding the page, as bench_loop_stall.py does), and the same sales run.
   Reported: reserve and pay p50/p99 per phase (target: with dashboard within 1.5x of without),
   the dashboard's CPU per refresh (target < 5 ms), the server's extra CPU per sale with the
   dashboard open (refresh + serializing and sending its updates).
4. `/dashboard` with 50 events: GET with the organizer's session, latency and server CPU per page.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import random
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from bench_loop_stall import Seeded, seed
from common import ROOT, Server, http_json, percentile, print_machine
from loop_stall_clients import PASSWORD, dashboard_login_cookie, dashboard_main

ENTRY = """
import atexit, cProfile, os, runpy, sys, time
sys.path.insert(0, {root!r})
from eventflow.pages import event_dashboard

_refresh = event_dashboard.EventDashboard.refresh
_profile = cProfile.Profile() if os.environ.get("BENCH_DASHBOARD_PROFILE") else None
if _profile is not None:
    atexit.register(_profile.dump_stats, os.environ["BENCH_DASHBOARD_PROFILE"])

_give_way = getattr(event_dashboard.EventDashboard, "give_way", None)
_paused = [0.0]  # loop-thread CPU spent on other work while a refresh paused (give_way): not the refresh's

async def timed_refresh(self):
    cpu, wall, _paused[0] = time.thread_time(), time.perf_counter(), 0.0
    if _profile is not None:
        _profile.enable()
    await _refresh(self)
    if _profile is not None:
        _profile.disable()
    print(f"DASHREFRESH cpu_ms={{(time.thread_time() - cpu - _paused[0]) * 1000:.3f}} "
          f"wall_ms={{(time.perf_counter() - wall) * 1000:.3f}}", flush=True)

async def timed_give_way(self):
    cpu = time.thread_time()
    try:
        return await _give_way(self)
    finally:
        _paused[0] += time.thread_time() - cpu

event_dashboard.EventDashboard.refresh = timed_refresh
if _give_way is not None:
    event_dashboard.EventDashboard.give_way = timed_give_way
runpy.run_path({main!r}, run_name="__main__")
"""


def entry_script(app: Path) -> Path:
    path = Path(tempfile.mkdtemp(prefix="eventflow-bench-dash-")) / "serve.py"
    path.write_text(ENTRY.format(root=str(app), main=str(app / "main.py")))
    return path


# ------------------------------------------------------------------ the big event, written into the file
def write_orders(db_path: Path, seeded: Seeded, tiers: list[tuple[str, int]], orders: int, days: float,
                 checkins: int) -> int:
    """Orders, tickets and check-ins as the store writes them (its own row codec), sold counts bumped."""
    sys.path.insert(0, str(ROOT))
    from eventflow.domain.models import Buyer, Order, Ticket
    from eventflow.domain.money import platform_fee_minor
    from eventflow.store.codec import instant_to_text as t2s
    from eventflow.store.sqlite.rows import order_row, ticket_row

    now = datetime.now(UTC)
    start = now - timedelta(days=days)
    order_rows, ticket_rows, checkin_rows = [], [], []
    sold: Counter[str] = Counter()
    for n in range(orders):
        tier_id, price = tiers[n % len(tiers)]
        fee = platform_fee_minor(price, "EUR")
        order_id = f"ord_bench{n:07d}"
        created = start + (now - start) * n / orders
        tickets = tuple(Ticket(f"tkt_bench{n:07d}_{k}", order_id, seeded.event_id, tier_id, f"Buyer {n}", "key",
                               "secret", price_minor=price, fee_minor=fee) for k in range(1 + n % 3))
        order = Order(order_id, f"res_bench{n:07d}", seeded.event_id, Buyer(f"buyer{n}@example.com", f"Buyer {n}"),
                      "EUR", price * len(tickets), fee * len(tickets), (price + fee) * len(tickets), created, "demo",
                      tickets)
        order_rows.append(order_row(order))
        ticket_rows += [ticket_row(t)[:10] for t in tickets]  # the columns named below; later ones default
        sold[tier_id] += len(tickets)
        if len(checkin_rows) < checkins:
            checkin_rows.append((tickets[0].id, seeded.event_id, "door-1", t2s(created), f"nonce{n}", 0, t2s(created)))
    db = sqlite3.connect(db_path, isolation_level=None)
    columns = [row[1] for row in db.execute("PRAGMA table_info(orders)")][:len(order_rows[0])]
    db.execute("BEGIN")
    db.executemany(f"INSERT INTO orders ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                   order_rows)
    db.executemany("INSERT INTO tickets (id, order_id, event_id, tier_id, holder_name, access_key, secret, status, "
                   "price_minor, fee_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ticket_rows)
    db.executemany("INSERT INTO checkins (ticket_id, event_id, device_id, scanned_at, nonce, offline, received_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)", checkin_rows)
    db.executemany("UPDATE tiers SET sold = sold + ? WHERE id = ?", [(q, t) for t, q in sold.items()])
    aggregates = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sales_stats'").fetchone() is not None
    if aggregates:  # as a file from before the aggregates: opening it fills them from these rows
        for table in ("sales_stats", "door_stats", "sales_totals", "door_totals",
                      "door_pace_minutes", "door_pace_gaps", "door_pace_devices"):  # the door's pace too
            db.execute(f"DROP TABLE IF EXISTS {table}")
    db.execute("COMMIT")
    db.close()
    return len(ticket_rows) if aggregates else -len(ticket_rows)


def backfill(app: Path, db_path: Path) -> float:
    """Open the file with the code under test's SqliteStore (the migration runs); seconds taken."""
    script = ("import sys, time; sys.path.insert(0, sys.argv[1]); from eventflow.store.sqlite.store import SqliteStore;"
              " t = time.perf_counter(); SqliteStore(sys.argv[2]).close(); print(time.perf_counter() - t)")
    import subprocess

    result = subprocess.run([str(common.PYTHON), "-c", script, str(app), str(db_path)], capture_output=True,
                            text=True, timeout=600, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def tier_prices(url: str, event_id: str) -> list[tuple[str, int]]:
    status, body = http_json("GET", f"{url}/api/v1/events/{event_id}")
    assert status == 200, (status, body)
    return [(tier["id"], tier["price_minor"]) for tier in body["tiers"]]


# ------------------------------------------------------------------ sales
@dataclass
class Phase:
    reserve: list[float] = field(default_factory=list)
    pay: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    server_cpu: float = 0.0  # seconds
    seconds: float = 0.0


def sell(url: str, seeded: Seeded, phase: Phase, lock: threading.Lock) -> None:
    try:
        t0 = time.perf_counter()
        status, reservation = http_json("POST", f"{url}/api/v1/events/{seeded.event_id}/reservations",
                                        common.reservation_body(seeded.tier_id))
        t1 = time.perf_counter()
        assert status == 201, (status, reservation)
        status, body = http_json("POST", f"{url}/api/v1/reservations/{reservation['id']}/checkout")
        assert status == 200, (status, body)
        t2 = time.perf_counter()
        status, body = http_json("POST", f"{url}/api/v1/demo-payments/{reservation['id']}/pay")
        t3 = time.perf_counter()
        assert status == 200 and body.get("status") == "paid", (status, body)
        with lock:
            phase.reserve.append(t1 - t0)
            phase.pay.append(t3 - t2)
    except Exception as error:  # reported with the figures
        with lock:
            phase.errors.append(f"{type(error).__name__}: {error}"[:300])


def arrival_times(rate: float, seconds: float, arrivals: str) -> list[float]:
    """When each sale starts, in seconds from the phase's start: one every 1/rate s ("fixed"), or a Poisson
    process of that rate ("poisson": random gaps, the same seed in both phases so they see the same
    schedule). With fixed gaps a redraw spaced from a sale lands in a quiet gap every time; random gaps
    show how often a sale meets one anyway."""
    count = round(rate * seconds)
    if arrivals == "fixed":
        return [sale / rate for sale in range(count)]
    gaps, at, times = random.Random(10), 0.0, []
    for _ in range(count):
        times.append(at)
        at += gaps.expovariate(rate)
    return times


def run_sales(server: Server, seeded: Seeded, rate: float, seconds: float, arrivals: str) -> Phase:
    import psutil

    phase, lock = Phase(), threading.Lock()
    process = psutil.Process(server.pid)
    cpu0, started = sum(process.cpu_times()[:2]), time.monotonic()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for at in arrival_times(rate, seconds, arrivals):
            time.sleep(max(0.0, started + at - time.monotonic()))
            pool.submit(sell, server.url, seeded, phase, lock)
    phase.seconds = time.monotonic() - started
    time.sleep(1.0)  # the dashboard's last refreshes
    phase.server_cpu = sum(process.cpu_times()[:2]) - cpu0
    return phase


def refreshes(server: Server, since_chars: int) -> list[tuple[float, float]]:
    text = server.log_path.read_text(errors="replace")[since_chars:]
    return [(float(c), float(w)) for c, w in re.findall(r"DASHREFRESH cpu_ms=([\d.]+) wall_ms=([\d.]+)", text)]


def ms(values: list[float], pct: float) -> str:
    return f"{percentile(values, pct) * 1000:.1f}" if values else "n/a"


def report(name: str, phase: Phase, sales: int) -> None:
    print(f"  {name:<14} reserve p50 {ms(phase.reserve, 50)} p99 {ms(phase.reserve, 99)} ms | pay p50 "
          f"{ms(phase.pay, 50)} p99 {ms(phase.pay, 99)} ms | {len(phase.reserve)}/{sales} sales in "
          f"{phase.seconds:.1f} s | server CPU {phase.server_cpu * 1000 / max(1, len(phase.reserve)):.1f} ms/sale"
          + (f" | {len(phase.errors)} failed: {phase.errors[:2]}" if phase.errors else ""))


# ------------------------------------------------------------------ /dashboard with 50 events
def overview(server: Server, seeded: Seeded, cookie: str, events: int, loads: int) -> None:
    import psutil
    import requests

    status, body = http_json("POST", f"{server.url}/api/v1/auth/token", {"email": seeded.email, "password": PASSWORD})
    assert status == 200, (status, body)
    for n in range(events - 1):
        starts = datetime.now(UTC) + timedelta(days=10 + n)
        status, event = http_json("POST", f"{server.url}/api/v1/events", {
            "title": f"Other night {n}", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3))
            .isoformat(), "timezone": "Europe/Berlin", "venue": "Hall", "currency": "EUR", "description": "",
            "fee_mode": "buyer_pays"}, body["token"])
        assert status == 201, (status, event)
        for tier in range(2):
            status, made = http_json("POST", f"{server.url}/api/v1/events/{event['id']}/tiers", {
                "name": f"Tier {tier}", "price_minor": 1000, "capacity": 500, "max_per_order": 10}, body["token"])
            assert status == 201, (status, made)
    process = psutil.Process(server.pid)
    session = requests.Session()
    session.headers["Cookie"] = cookie
    latencies = []
    cpu0 = sum(process.cpu_times()[:2])
    for _ in range(loads):
        t0 = time.perf_counter()
        response = session.get(f"{server.url}/dashboard", timeout=60)
        latencies.append(time.perf_counter() - t0)
        assert response.status_code == 200 and "Other night" in response.text, response.status_code
    cpu = (sum(process.cpu_times()[:2]) - cpu0) / loads
    print(f"  /dashboard with {events} events (one of {seeded.event_id} with the big sales): "
          f"p50 {ms(latencies, 50)} ms, p99 {ms(latencies, 99)} ms, server CPU {cpu * 1000:.1f} ms/page")


# ------------------------------------------------------------------ one code version
def measure(app: Path, label: str, args: argparse.Namespace) -> None:
    print(f"\n=== {label}: {app}")
    data_dir = Path(tempfile.mkdtemp(prefix="eventflow-bench-dashdata-"))
    env = {"EVENTFLOW_DATA_DIR": str(data_dir)}
    with Server(extra_env=env, keep_data=True, app_dir=app, script=app / "main.py") as first:
        seeded = seed(first.url)
        tiers = tier_prices(first.url, seeded.event_id)
    tickets = write_orders(data_dir / "eventflow.db", seeded, tiers, args.orders, args.days, args.checkins)
    print(f"  wrote {args.orders} orders, {abs(tickets)} tickets, {args.checkins} check-ins")
    if tickets > 0:
        print(f"  backfill of the aggregates on open: {backfill(app, data_dir / 'eventflow.db'):.2f} s")
    context = multiprocessing.get_context("spawn")
    with Server(extra_env=env, app_dir=app, script=entry_script(app)) as server:
        sales = round(args.rate * args.seconds)
        without = run_sales(server, seeded, args.rate, args.seconds, args.arrivals)
        cookie = dashboard_login_cookie(server.url, seeded.email, seeded.event_id)
        parent, child = context.Pipe()
        dashboard = context.Process(target=dashboard_main, args=(child, server.url, seeded.event_id, cookie),
                                    daemon=True)
        dashboard.start()
        assert parent.poll(120) and parent.recv() == ("connected",)
        time.sleep(2.0)
        log_mark = len(server.log_path.read_text(errors="replace"))
        with common.PySpy(server.pid, Path(args.profile)) if args.profile else contextlib.nullcontext():
            with_dashboard = run_sales(server, seeded, args.rate, args.seconds, args.arrivals)
        timings = refreshes(server, log_mark)
        parent.send("finish")
        _, updates, sold, connected = parent.recv() if parent.poll(60) else ("", [], [], False)
        dashboard.join(timeout=20)
        print(f"  {args.rate}/s ({args.arrivals}) for {args.seconds:.0f} s ({sales} sales per phase), "
              f"load {common.load_average()}")
        report("no dashboard", without, sales)
        report("dashboard", with_dashboard, sales)
        for what, before, after in (("reserve", without.reserve, with_dashboard.reserve),
                                    ("pay", without.pay, with_dashboard.pay)):
            for pct in (50, 99):
                ratio = (percentile(after, pct) / max(percentile(before, pct), 1e-9)) if before and after \
                    else float("nan")
                print(f"  {what} p{pct} with/without dashboard: {ratio:.2f}x (target <= 1.5x)")
        cpu = [c / 1000 for c, _ in timings]
        extra = (with_dashboard.server_cpu - without.server_cpu) / max(1, len(with_dashboard.reserve))
        print(f"  dashboard refreshes: {len(timings)}, CPU per refresh p50 {ms(cpu, 50)} ms, p99 {ms(cpu, 99)} ms, "
              f"max {max(cpu, default=0) * 1000:.1f} ms (target < 5 ms); wall p50 "
              f"{ms([w / 1000 for _, w in timings], 50)} ms")
        print(f"  server CPU per sale, dashboard open minus closed: {extra * 1000:.1f} ms "
              f"(refresh + serializing/sending its updates)")
        print(f"  dashboard client: {len(updates)} updates, last 'Tickets sold' {sold[-1] if sold else 'n/a'}, "
              f"still connected {connected}")
        if args.events:
            overview(server, seeded, cookie, args.events, args.loads)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--checkins", type=int, default=5_000)
    parser.add_argument("--days", type=float, default=14.0, help="sales spread over this many days (chart hours)")
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--arrivals", choices=("fixed", "poisson"), default="fixed",
                        help="sales one every 1/rate s, or at random (Poisson) times of that rate")
    parser.add_argument("--events", type=int, default=50, help="events on /dashboard (0: skip)")
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--profile", default=None, help="py-spy the server (GIL holder) during the dashboard phase")
    parser.add_argument("--ref", default=None, help="a commit to measure instead of the work tree")
    parser.add_argument("--baseline", default=None, help="also measure this commit first")
    args = parser.parse_args()
    print_machine()
    if args.baseline:
        measure(common.export_app(args.baseline), f"baseline {args.baseline}", args)
    measure(common.export_app(args.ref) if args.ref else ROOT, args.ref or "work tree", args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
