"""Event-loop stalls with a networked store: GET /api/v1/health latency while pages are open and sales run.

    .venv/bin/python benchmarks/bench_loop_stall.py --code-dir /work/main [--pages 200] [--rate 5] [--seconds 30]

The claim measured (issue 8): a DynamoDB-backed app with 200 open event pages and a live organizer
dashboard keeps answering GET /api/v1/health with p99 < 50 ms while sales happen. Health does one
store read (`ping`, a DynamoDB GetItem, in a worker thread in both the old and the new code), so its
latency is the wait for the event loop plus one round trip to moto: any store read a page makes on
the loop shows up here, and so does moto's queue when it is saturated.

Set-up, all on loopback, every process bounded in time (helper processes in loop_stall_clients.py):

* moto's DynamoDB served single-threaded (`tests/store/moto_server.py`, as DESIGN.md says to run
  moto for concurrency) in its own process; the table is created with the `create_table` of the
  code under test;
* the app: `main.py` of --code-dir as a subprocess (cwd and PYTHONPATH = --code-dir), with
  EVENTFLOW_STORE=dynamodb://...&endpoint_url=<moto>; the script checks that the app imported
  `eventflow` from --code-dir, so the same script measures a baseline checkout and the new code;
* an organizer, a published event with two tiers (sales go to the first), through the JSON API.

Phases, each sampling GET /api/v1/health every --sample-ms from a separate process (one keep-alive
connection; latency = answer - send):

1. reference: nothing open, no sales;
2. open: --pages event pages (/e/{slug}) as NiceGUI socket.io clients (the browser's handshake, as
   bench_live.py does; they run in a load-generator process) and the organizer dashboard
   (/dashboard/events/{id}) logged in: headless chromium logs in through /login once, its session
   cookie then opens the dashboard from a python socket.io client; sampled --idle-seconds;
3. sales: --rate sales per second for --seconds, each a reserve (POST .../reservations, 1 ticket),
   checkout and demo payment (POST .../checkout, POST /demo-payments/{id}/pay), sent on schedule.

Printed per phase: health p50/p95/p99/max, p99 corrected for coordinated omission (a stall also
stands for the samples it kept the sampler from sending) and the share of the phase spent waiting on
answers >= 50 ms. Also: the open pages' update latency, the dashboard's updates and final "Tickets
sold", moto's requests by operation, CPU of each process. Target: health p99 < 50 ms during sales.
"""

from __future__ import annotations

import argparse
import inspect
import math
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import PYTHON, ROOT, CpuMeter, Server, Targets, http_json, percentile
from loop_stall_clients import PASSWORD, Moto, dashboard_login_cookie, dashboard_main, sampler_main

TABLE = "eventflow-loop-stall"
REGION = "eu-west-1"
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
CAPACITY = 100_000  # the tier the sales go to; the other tier is larger, so "N left" minima are this one's
TARGET_P99_MS = 50.0
# Where each layout keeps `create_table(client, table_name, wait)`: new layout first, then the baseline's.
TABLE_MODULES = ("eventflow.store.dynamodb.table", "eventflow.store.dynamodb_table")


# ------------------------------------------------------------------ the app of --code-dir
def code_env(code_dir: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code_dir), **FAKE_AWS}


def create_table(code_dir: Path, endpoint: str) -> str:
    """Create the table with the code under test's own `create_table`; returns its eventflow.__file__."""
    script = f"""
import importlib, boto3, eventflow
for name in {TABLE_MODULES!r}:
    try:
        module = importlib.import_module(name)
        break
    except ImportError:
        continue
client = boto3.session.Session().client("dynamodb", region_name={REGION!r}, endpoint_url={endpoint!r})
module.create_table(client, {TABLE!r})
print(eventflow.__file__)
"""
    result = subprocess.run([str(PYTHON), "-c", script], cwd=code_dir, env=code_env(code_dir),
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"creating the table failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


def entry_script(code_dir: Path) -> Path:
    """`main.py` of code_dir run as __main__, after printing which eventflow it imports."""
    path = Path(tempfile.mkdtemp(prefix="eventflow-loop-stall-")) / "serve.py"
    path.write_text(
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(code_dir)!r})\n"
        "import eventflow\n"
        "print(f'EVENTFLOW_FILE {eventflow.__file__}', flush=True)\n"
        f"runpy.run_path({str(code_dir / 'main.py')!r}, run_name='__main__')\n")
    return path


def imported_from(server: Server) -> str:
    match = re.search(r"^EVENTFLOW_FILE (\S+)$", server.log_tail(200_000), re.MULTILINE)
    return match.group(1) if match else "unknown"


def require_under(path: str, code_dir: Path, what: str) -> None:
    print(f"{what} imported eventflow from {path}")
    if not Path(path).resolve().is_relative_to(code_dir.resolve()):
        raise RuntimeError(f"{what} imported eventflow from {path}, not from --code-dir {code_dir}")


@dataclass
class Seeded:
    event_id: str
    slug: str
    tier_id: str
    email: str


def seed(base_url: str) -> Seeded:
    """An organizer and a published event with two tiers, through the public API."""
    email = f"loop-stall-{time.time_ns()}@example.com"
    status, body = http_json("POST", f"{base_url}/api/v1/auth/signup",
                             {"email": email, "password": PASSWORD, "name": "Stall Bench"})
    assert status == 201, (status, body)
    token = body["token"]
    starts = datetime.now(UTC) + timedelta(days=30)
    status, event = http_json("POST", f"{base_url}/api/v1/events", {
        "title": "Loop Stall Night", "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=5)).isoformat(), "timezone": "Europe/Berlin",
        "venue": "Loopback Hall", "currency": "EUR", "description": "A benchmark event.",
        "fee_mode": "buyer_pays"}, token)
    assert status == 201, (status, event)
    tier_ids = []
    for name, price, capacity in (("General", 1500, CAPACITY), ("Balcony", 2500, CAPACITY + 50_000)):
        status, tier = http_json("POST", f"{base_url}/api/v1/events/{event['id']}/tiers", {
            "name": name, "price_minor": price, "capacity": capacity, "max_per_order": 10}, token)
        assert status == 201, (status, tier)
        tier_ids.append(tier["id"])
    status, body = http_json("POST", f"{base_url}/api/v1/events/{event['id']}/publish", None, token)
    assert status == 200, (status, body)
    return Seeded(event["id"], event["slug"], tier_ids[0], email)


def sell_one(base_url: str, tier_id: str, event_id: str) -> None:
    """Reserve one ticket, start the checkout, pay with the demo provider (an order and a ticket)."""
    status, reservation = http_json("POST", f"{base_url}/api/v1/events/{event_id}/reservations",
                                    common.reservation_body(tier_id))
    if status != 201:
        raise RuntimeError(f"reserve: {status} {reservation}")
    status, body = http_json("POST", f"{base_url}/api/v1/reservations/{reservation['id']}/checkout")
    if status != 200 or body.get("status") != "payment_required":
        raise RuntimeError(f"checkout: {status} {body}")
    status, body = http_json("POST", f"{base_url}/api/v1/demo-payments/{reservation['id']}/pay")
    if status != 200 or body.get("status") != "paid":
        raise RuntimeError(f"demo payment: {status} {body}")


def run_sales(base_url: str, seeded: Seeded, rate: float, seconds: float,
              sent: list[float], latencies: list[float], errors: list[str]) -> None:
    """Sales started on a fixed schedule whether or not earlier ones finished (open loop)."""

    def one() -> None:
        t_send = time.monotonic()
        try:
            sell_one(base_url, seeded.tier_id, seeded.event_id)
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}"[:300])
            return
        sent.append(t_send)
        latencies.append(time.monotonic() - t_send)

    with ThreadPoolExecutor(max_workers=32) as pool:
        started = time.monotonic()
        for sale in range(round(rate * seconds)):
            time.sleep(max(0.0, started + sale / rate - time.monotonic()))
            pool.submit(one)


# ------------------------------------------------------------------ coordinator
def recv(conn: Connection, timeout: float) -> Any:
    if not conn.poll(timeout):
        raise TimeoutError(f"no answer from a helper process within {timeout:.0f} s")
    message = conn.recv()
    if isinstance(message, tuple) and message and message[0] == "error":
        raise RuntimeError(f"helper process failed: {message[1]}")
    return message


def line(name: str, values: list[float], errors: int = 0) -> str:
    def ms(pct: float) -> str:
        return f"{percentile(values, pct) * 1000:.1f}"

    return (f"{name:<44} n={len(values):<5} p50 {ms(50)} ms, p95 {ms(95)} ms, p99 {ms(99)} ms, "
            f"max {max(values, default=float('nan')) * 1000:.1f} ms" + (f", {errors} failed" if errors else ""))


def corrected(latencies: list[float], interval: float) -> list[float]:
    """HdrHistogram's coordinated-omission correction: an answer of L seconds also stands for the
    samples the stall kept us from sending, which would have waited L - interval, L - 2 interval, ..."""
    values = []
    for latency in latencies:
        values.append(latency)
        values += [latency - k * interval for k in range(1, math.ceil(latency / interval))]
    return values


def health_report(name: str, sample: tuple[list[float], int, float], interval: float) -> str:
    latencies, errors, seconds = sample
    stalled = sum(value for value in latencies if value * 1000 >= TARGET_P99_MS) / seconds
    return (line(name, latencies, errors)
            + f"\n{'':<44} corrected for coordinated omission p99 "
            f"{percentile(corrected(latencies, interval), 99) * 1000:.1f} ms; "
            f"{stalled:.0%} of the phase spent in answers >= {TARGET_P99_MS:.0f} ms")


def page_update_latencies(results: list[Any], sent: list[float], first_count: int) -> tuple[list[float], int]:
    """(latency of each (sale, page) pair, pairs never seen): sale k is seen at "N left" <= first - k."""
    latencies: list[float] = []
    missing = 0
    for _, seen_lists, _, _ in results:
        for seen in seen_lists:
            position = 0
            for sale, t_send in enumerate(sent, start=1):
                while position < len(seen) and seen[position][1] > first_count - sale:
                    position += 1
                if position == len(seen):
                    missing += len(sent) - sale + 1
                    break
                latencies.append(seen[position][0] - t_send)
    return latencies, missing


class Helpers:
    """The sampler, dashboard and page-client processes; all joined (or ended) by `close`."""

    def __init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[multiprocessing.process.BaseProcess] = []

    def start(self, target: Any, *args: Any) -> Connection:
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(target=target, args=(child_end, *args), daemon=True)
        process.start()
        self.processes.append(process)
        return parent_end

    def close(self) -> None:
        for process in self.processes:
            process.join(timeout=20)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


Sample = tuple[list[float], int, float]  # health latencies, failed requests, seconds taken


@dataclass
class Clients:
    """The open pages (one pipe per load-generator process) and the dashboard (None if left out)."""

    pages: list[Connection]
    connected: int
    dashboard: Connection | None
    label: str  # e.g. "200 pages + dashboard"


@dataclass
class SalesPhase:
    health: Sample
    sent: list[float] = field(default_factory=list)  # monotonic send time of each successful sale
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    moto_requests: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0  # from the first sale to the last answer
    cpu: list[float] = field(default_factory=list)  # cores, per process of Helpers + server, moto, us
    other_cpu: float = 0.0


def open_clients(args: argparse.Namespace, server: Server, seeded: Seeded, helpers: Helpers) -> Clients:
    import bench_live

    dashboard = None
    if not args.no_dashboard:
        cookie = dashboard_login_cookie(server.url, seeded.email, seeded.event_id)
        dashboard = helpers.start(dashboard_main, server.url, seeded.event_id, cookie)
        recv(dashboard, 60)
    workers = max(1, -(-args.pages // 250))
    shares = [args.pages // workers + (1 if i < args.pages % workers else 0) for i in range(workers)]
    # the python-socketio client, as nicegui.js talks (bench_live.py's workers take the client kind now)
    extra = ("socketio",) if "kind" in inspect.signature(bench_live.worker_main).parameters else ()
    pages = [helpers.start(bench_live.worker_main, server.url, seeded.slug, share, args.ramp / workers, 3.0, *extra)
             for share in shares]
    connected = 0
    for pipe in pages:
        _, ok, failed, errors, _ = recv(pipe, args.pages / args.ramp + 120)
        connected += ok
        if failed:
            print(f"  {failed} page clients failed to connect: {dict(errors)}")
    print(f"{connected}/{args.pages} event pages and {0 if dashboard is None else 1} dashboard open")
    return Clients(pages, connected, dashboard, f"{connected} pages" + ("" if dashboard is None else " + dashboard"))


def sales_phase(args: argparse.Namespace, server: Server, seeded: Seeded, moto: Moto, helpers: Helpers,
                sample: Callable[[float], Sample]) -> SalesPhase:
    """--rate sales per second for --seconds while the sampler samples health; CPU and moto counted."""
    pids = [server.pid, moto.process.pid, *(p.pid for p in helpers.processes), os.getpid()]
    meter = CpuMeter([pid for pid in pids if pid is not None])
    phase = SalesPhase(health=([], 0, 0.0))
    sales = threading.Thread(target=run_sales, daemon=True, args=(
        server.url, seeded, args.rate, args.seconds, phase.sent, phase.latencies, phase.errors))
    moto_before = moto.count()
    started = time.monotonic()
    sales.start()
    phase.health = sample(args.seconds)
    sales.join(timeout=args.seconds + 120)
    phase.moto_requests = moto.count() - moto_before
    phase.seconds = time.monotonic() - started
    phase.cpu, phase.other_cpu, _ = meter.shares()
    return phase


def close_clients(args: argparse.Namespace, clients: Clients, sold_total: int) -> tuple[list[Any], Any]:
    """Let the pages see the last sale (up to --grace), then collect what pages and dashboard saw."""
    for pipe in clients.pages:
        pipe.send(("finish", CAPACITY - sold_total, args.grace))
    page_results = [recv(pipe, args.grace + 60) for pipe in clients.pages]
    dashboard_result = None
    if clients.dashboard is not None:
        time.sleep(2.0)  # the dashboard's refresh after the last sale
        clients.dashboard.send(("finish",))
        dashboard_result = recv(clients.dashboard, 60)
    return page_results, dashboard_result


def run(args: argparse.Namespace) -> int:
    import bench_live

    code_dir = Path(args.code_dir).resolve()
    storage = Path(tempfile.mkdtemp(prefix="eventflow-loop-stall-storage-"))
    entry = entry_script(code_dir)
    moto = Moto(max_seconds=args.seconds + args.idle_seconds + args.reference_seconds + 600)
    helpers = Helpers()
    try:
        print(f"moto (single-threaded) at {moto.endpoint}, pid {moto.process.pid}")
        require_under(create_table(code_dir, moto.endpoint), code_dir, "table set-up")
        env = {"EVENTFLOW_STORE": f"dynamodb://{TABLE}?region={REGION}&endpoint_url={moto.endpoint}",
               "PYTHONPATH": str(code_dir), "NICEGUI_STORAGE_PATH": str(storage), **FAKE_AWS}
        with Server(extra_env=env, script=entry, app_dir=code_dir) as server:
            require_under(imported_from(server), code_dir, f"app server (pid {server.pid})")
            seeded = seed(server.url)
            for _ in range(args.warm_sales):  # imports and first calls of the checkout path
                sell_one(server.url, seeded.tier_id, seeded.event_id)
            bench_live.fetch_page(f"{server.url}/e/{seeded.slug}")  # first page build: templates, imports
            host, port = server.url.removeprefix("http://").split(":")
            interval = args.sample_ms / 1000
            print(f"sampling GET {args.path} every {args.sample_ms:g} ms (expecting {args.ok_status})")
            sampler = helpers.start(sampler_main, host, int(port), interval, args.path, args.ok_status)

            def sample(seconds: float) -> Sample:
                sampler.send(("sample", seconds))
                return recv(sampler, seconds + 120)

            print(health_report("reference (nothing open)", sample(args.reference_seconds), interval))
            clients = open_clients(args, server, seeded, helpers)
            print(health_report(f"{clients.label} open, no sales", sample(args.idle_seconds), interval))
            phase = sales_phase(args, server, seeded, moto, helpers, sample)
            page_results, dashboard_result = close_clients(args, clients, args.warm_sales + len(phase.sent))
            sampler.send(("stop",))
            log = server.log_tail(50_000)
    finally:
        helpers.close()
        moto.stop()
        shutil.rmtree(storage, ignore_errors=True)
        shutil.rmtree(entry.parent, ignore_errors=True)
    return report(args, clients, phase, page_results, dashboard_result, log)


def report(args: argparse.Namespace, clients: Clients, phase: SalesPhase, page_results: list[Any],
           dashboard_result: Any, log: str) -> int:
    targets = Targets()
    interval = args.sample_ms / 1000
    print(health_report(f"{clients.label}, {args.rate:g} sales/s", phase.health, interval))
    print(line("sale: reserve + checkout + demo pay", phase.latencies, len(phase.errors)))
    if phase.errors:
        print(f"  sale errors, e.g. {phase.errors[:3]}")
    page_latencies, missing = page_update_latencies(page_results, sorted(phase.sent),
                                                    CAPACITY - args.warm_sales)
    dropped = sum(result[2] for result in page_results)
    print(line("event pages: sale -> 'N left' update", page_latencies)
          + f"; {missing} (sale, page) pairs missing, {dropped} sockets dropped")
    total = sum(phase.moto_requests.values())
    print(f"moto served {total} requests from the first sale to the last answer ({phase.seconds:.1f} s, "
          f"{total / phase.seconds:.0f}/s): "
          + ", ".join(f"{k} {v}" for k, v in phase.moto_requests.most_common()))
    if dashboard_result is not None:
        _, dashboard_updates, dashboard_sold, still_connected = dashboard_result
        during = [t for t in dashboard_updates if phase.sent and t >= min(phase.sent)]
        shown, sold_total = max(dashboard_sold, default=0), args.warm_sales + len(phase.sent)
        print(f"dashboard: {len(during)} updates during the sales, showed {shown} tickets sold at the "
              f"end (expected {sold_total}), socket still connected: {still_connected}")
        targets.check("the dashboard stayed live and showed every sale", shown == sold_total and still_connected)
    names = ["server", "moto", "sampler", *(["dashboard client"] if dashboard_result else []),
             *[f"page clients {i + 1}" for i in range(len(clients.pages))], "sales (this process)"]
    print("CPU during sales (cores): "
          + ", ".join(f"{n} {c:.2f}" for n, c in zip(names, phase.cpu, strict=True))
          + f", other processes on the machine {phase.other_cpu:.2f}; load average now "
          + " ".join(common.load_average()))
    warnings = [entry for entry in log.splitlines() if "ERROR" in entry or "Traceback" in entry]
    if warnings:
        print(f"server log: {len(warnings)} error lines, e.g. {warnings[:3]}")
    p99 = percentile(phase.health[0], 99) * 1000
    targets.check(f"health p99 during sales {p99:.1f} ms < {TARGET_P99_MS:.0f} ms", p99 < TARGET_P99_MS)
    targets.check("every sale succeeded",
                  not phase.errors and len(phase.sent) == round(args.rate * args.seconds))
    return targets.exit_code()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code-dir", default=str(ROOT),
                        help="checkout whose main.py and eventflow/ the app runs (default: this work tree)")
    parser.add_argument("--pages", type=int, default=200, help="open event pages (default 200)")
    parser.add_argument("--ramp", type=float, default=50.0, help="page opens per second (default 50)")
    parser.add_argument("--rate", type=float, default=5.0, help="sales per second (default 5)")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the sales phase (default 30)")
    parser.add_argument("--reference-seconds", type=float, default=10.0, help="nothing-open phase (default 10)")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="pages open, no sales (default 10)")
    parser.add_argument("--sample-ms", type=float, default=20.0, help="health sampling period (default 20)")
    parser.add_argument("--path", default="/api/v1/health",
                        help="what the sampler GETs (default /api/v1/health, which reads the store); "
                             "/api/v1/loop-probe answers a JSON 404 from the API's catch-all with no store "
                             "call, so it shows the event loop alone (use with --ok-status 404)")
    parser.add_argument("--ok-status", type=int, default=200, help="status the sampled path answers (default 200)")
    parser.add_argument("--warm-sales", type=int, default=3, help="untimed sales before the phases (default 3)")
    parser.add_argument("--no-dashboard", action="store_true",
                        help="leave the organizer dashboard out (to see what the event pages alone cost)")
    parser.add_argument("--grace", type=float, default=15.0, help="wait for pages' last update (default 15 s)")
    args = parser.parse_args(argv)
    if args.pages < 1 or args.rate <= 0 or args.seconds <= 0 or args.sample_ms <= 0:
        parser.error("need --pages >= 1, --rate > 0, --seconds > 0, --sample-ms > 0")
    common.print_machine()
    revision = subprocess.run(["git", "-C", args.code_dir, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip() or "not a git checkout"
    print(f"code under test: {args.code_dir} (commit {revision}; the 'app revision' above is this script's tree)")
    print("note: moto, the sampler, the page clients and the sales share the machine's cores with the server")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
