"""Reserve throughput of the SQLite store (through `Ticketing`) against a raw sqlite3 transaction.

    .venv/bin/python benchmarks/bench_store.py [--reserves 10000] [--rounds 3] [--threads 4]

Both sides run in the same process, on temp files, with the same pragmas (WAL, synchronous=NORMAL):

* store: `Ticketing.reserve(event, [1 x tier], buyer)` on a `SqliteStore`, one tier of large
  capacity, quantity 1 per reserve; single-threaded, then N threads sharing the service.
* raw:   BEGIN IMMEDIATE; UPDATE tiers SET held = held + 1 WHERE id=? AND held + sold + 1 <= capacity;
  INSERT a 13-column reservation row (same width and JSON lines as the store's); COMMIT.

Target: store >= 25% of raw (single-threaded and threaded). If `eventflow.store.dynamodb.store` imports,
the same service-level reserve runs on it under moto's in-process `mock_aws` (no target).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import CpuMeter, Targets, print_machine

if TYPE_CHECKING:
    from eventflow.domain.reservations import Ticketing


def import_app(args: argparse.Namespace) -> None:
    """Import the app from the work tree, or from the commit of --app-ref."""
    directory = common.app_dir(args)
    if directory is not None:
        sys.path.insert(0, str(directory))
    import eventflow

    print(f"app code imported from {Path(eventflow.__file__).parent}")

TARGET_RATIO = 0.25
CAPACITY = 1_000_000


# ------------------------------------------------------------------ timing harness
def run_load(work: Callable[[int], None], total: int, threads: int, max_seconds: float) -> tuple[int, float]:
    """Call `work(i)` `total` times across `threads` threads, stopping at `max_seconds`.

    Returns (completed, elapsed seconds)."""
    deadline = time.perf_counter() + max_seconds
    done = [0] * threads
    errors: list[BaseException] = []
    per_thread = total // threads
    start_gate = threading.Barrier(threads + 1)

    def worker(index: int) -> None:
        start_gate.wait()
        try:
            for i in range(per_thread):
                if (i & 63) == 0 and time.perf_counter() > deadline:
                    break
                work(index * per_thread + i)
                done[index] += 1
        except BaseException as error:  # reported by the caller
            errors.append(error)

    pool = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    start_gate.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join(max_seconds + 30)
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} worker(s) failed") from errors[0]
    return sum(done), elapsed


# ------------------------------------------------------------------ the store, through the service
def make_service(store: Any) -> tuple[Ticketing, str, str]:
    """A published event with one tier of large capacity on `store` (argon2 runs once, here)."""
    from eventflow.domain.clock import SystemClock
    from eventflow.domain.reservations import Ticketing

    service = Ticketing(store, SystemClock(), secret_key="bench-" + secrets.token_hex(8))
    organizer = service.sign_up(f"bench-{secrets.token_hex(4)}@example.com", "benchmark-pw", "Bench")
    starts = datetime.now(UTC) + timedelta(days=30)
    event = service.catalog.create_event(
        organizer.id, title="Store Benchmark", starts_at=starts, ends_at=starts + timedelta(hours=4),
        timezone="Europe/Berlin", venue="Loopback Hall", currency="EUR",
    )
    tier = service.catalog.add_tier(organizer.id, event.id, name="General", price_minor=1500, capacity=CAPACITY)
    service.catalog.publish(organizer.id, event.id)
    return service, event.id, tier.id


def store_reserve_work(service: Ticketing, event_id: str, tier_id: str) -> Callable[[int], None]:
    from eventflow.domain.models import Buyer
    from eventflow.domain.reservations import LineRequest

    lines = [LineRequest(tier_id, 1)]
    buyer = Buyer(email="b@example.com", name="B")

    def work(_: int) -> None:
        service.reserve(event_id, lines, buyer)

    return work


def check_sqlite_counts(path: Path, tier_id: str, expected_held: int) -> None:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        held, sold, capacity = db.execute(
            "SELECT held, sold, capacity FROM tiers WHERE id = ?", (tier_id,)
        ).fetchone()
        reservations = db.execute("SELECT count(*) FROM reservations").fetchone()[0]
    finally:
        db.close()
    if held != expected_held or reservations != expected_held or held + sold > capacity:
        raise AssertionError(
            f"counts wrong: held={held} sold={sold} reservations={reservations} expected {expected_held}"
        )


def bench_store(path: Path, total: int, threads: int, max_seconds: float) -> tuple[float, int]:
    from eventflow.store.sqlite.store import SqliteStore

    store = SqliteStore(path)
    try:
        service, event_id, tier_id = make_service(store)
        work = store_reserve_work(service, event_id, tier_id)
        for i in range(50):  # warm-up: connections, catalog cache, page cache
            work(i)
        done, elapsed = run_load(work, total, threads, max_seconds)
    finally:
        store.close()
    check_sqlite_counts(path, tier_id, done + 50)
    return done / elapsed, done


# ------------------------------------------------------------------ the raw transaction
RAW_SCHEMA = """
CREATE TABLE tiers (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL, capacity INTEGER NOT NULL,
    held INTEGER NOT NULL DEFAULT 0, sold INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE reservations (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL, lines TEXT NOT NULL,
    buyer_email TEXT NOT NULL, buyer_name TEXT NOT NULL, currency TEXT NOT NULL,
    fee_mode TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, idempotency_key TEXT, order_id TEXT, closed_at TEXT
);
CREATE INDEX holds_by_expiry ON reservations (expires_at) WHERE status = 'held';
"""


def raw_connection(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout = 60000")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def bench_raw(path: Path, total: int, threads: int, max_seconds: float) -> tuple[float, int]:
    setup = raw_connection(path)
    setup.executescript(RAW_SCHEMA)
    setup.execute("INSERT INTO tiers (id, event_id, capacity) VALUES ('tier_raw', 'evt_raw', ?)", (CAPACITY,))
    setup.close()
    lines = json.dumps([{"tier_id": "tier_raw", "quantity": 1, "unit_price_minor": 1500,
                         "unit_fee_minor": 68, "unit_total_minor": 1568, "tier_version": 1}])
    local = threading.local()

    def work(i: int) -> None:
        db = getattr(local, "db", None)
        if db is None:
            db = local.db = raw_connection(path)
        now = datetime.now(UTC)
        db.execute("BEGIN IMMEDIATE")
        try:
            taken = db.execute(
                "UPDATE tiers SET held = held + 1 WHERE id = ? AND held + sold + 1 <= capacity",
                ("tier_raw",),
            ).rowcount
            if taken != 1:
                raise RuntimeError("raw tier sold out")
            db.execute(
                "INSERT INTO reservations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ("res_" + secrets.token_urlsafe(16), "evt_raw", lines, "b@example.com", "B", "EUR",
                 "buyer_pays", "held", now.isoformat(), (now + timedelta(minutes=15)).isoformat(),
                 None, None, None),
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    for i in range(50):
        work(i)
    done, elapsed = run_load(work, total, threads, max_seconds)
    db = raw_connection(path)
    held = db.execute("SELECT held FROM tiers").fetchone()[0]
    db.close()
    if held != done + 50:
        raise AssertionError(f"raw held={held}, expected {done + 50}")
    return done / elapsed, done


# ------------------------------------------------------------------ DynamoDB on moto (optional)
def bench_dynamodb(total: int, max_seconds: float) -> tuple[float, int, list[float]] | str:
    """(rate, reserves done, rate per chunk of 100) on moto's in-process mock, or why it was skipped.

    moto deep-copies the whole table for every item of a TransactWriteItems (its rollback
    copy), so each reserve costs O(table size) there and the rate falls as reservations pile up:
    the per-chunk rates show that. Real DynamoDB has no such cost."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        os.environ.setdefault(name, value)
    try:
        from moto import mock_aws

        from eventflow.store.dynamodb.store import DynamoStore
    except Exception as error:  # missing or half-written module: skip, do not fail the run
        return f"skipped ({type(error).__name__}: {error})"
    try:
        with mock_aws():
            store = DynamoStore("eventflow-bench", region_name="eu-west-1")
            store.create_table()
            service, event_id, tier_id = make_service(store)
            work = store_reserve_work(service, event_id, tier_id)
            for i in range(10):
                work(i)
            done, elapsed, chunks = 0, 0.0, []
            while done < total and elapsed < max_seconds:
                chunk_done, chunk_elapsed = run_load(work, min(100, total - done), 1, max_seconds - elapsed)
                done, elapsed = done + chunk_done, elapsed + chunk_elapsed
                chunks.append(chunk_done / chunk_elapsed)
            counts = store.tier_counts([event_id])[event_id]
            held = sum(c.held for c in counts)
            if held != done + 10:
                return f"failed (held={held}, expected {done + 10})"
            return done / elapsed, done, chunks
    except Exception:
        return "failed:\n" + traceback.format_exc(limit=6)


# ------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reserves", type=int, default=10000, help="reserves per run (default 10000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating raw/store rounds per thread count, median reported (default 3)")
    parser.add_argument("--threads", type=int, default=4, help="threads of the threaded run (default 4)")
    parser.add_argument("--max-seconds", type=float, default=15.0, help="time cap per run (default 15)")
    parser.add_argument("--dynamo-reserves", type=int, default=400, help="reserves on moto (default 400)")
    parser.add_argument("--no-dynamo", action="store_true", help="skip the DynamoDB/moto run")
    parser.add_argument("--app-ref", default="",
                        help="import the app code of this git commit (exported to a temp dir), "
                             "not the work tree")
    args = parser.parse_args(argv)
    if args.reserves < args.threads or args.threads < 1 or args.rounds < 1:
        parser.error("--reserves must be >= --threads >= 1 and --rounds >= 1")

    print_machine()
    import_app(args)
    targets = Targets()
    meter = CpuMeter([os.getpid()])
    with tempfile.TemporaryDirectory(prefix="eventflow-bench-store-") as tmp:
        directory = Path(tmp)
        for threads in sorted({1, args.threads}):
            raw_rates: list[float] = []
            store_rates: list[float] = []
            for round_ in range(args.rounds):  # fresh files each round, raw and store alternating
                raw_rates.append(bench_raw(directory / f"raw-{threads}-{round_}.db", args.reserves,
                                           threads, args.max_seconds)[0])
                store_rates.append(bench_store(directory / f"store-{threads}-{round_}.db", args.reserves,
                                               threads, args.max_seconds)[0])
            raw_rate, store_rate = statistics.median(raw_rates), statistics.median(store_rates)
            ratio = store_rate / raw_rate
            print(f"threads={threads}: raw sqlite3 {raw_rate:,.0f} reserves/s "
                  f"(rounds: {', '.join(f'{r:,.0f}' for r in raw_rates)}) | "
                  f"SqliteStore via Ticketing {store_rate:,.0f} reserves/s "
                  f"(rounds: {', '.join(f'{r:,.0f}' for r in store_rates)}) | store/raw = {ratio:.2f}")
            targets.check(f"threads={threads}: store/raw {ratio:.2f} >= {TARGET_RATIO}",
                          ratio >= TARGET_RATIO)
    (ours,), other, elapsed = meter.shares()
    print(f"SQLite runs: {elapsed:.0f} s, this process {ours:.0%} of a core, "
          f"other processes on the machine {other:.0%} of a core")
    if not args.no_dynamo:
        result = bench_dynamodb(args.dynamo_reserves, args.max_seconds)
        if isinstance(result, str):
            print(f"DynamoStore on moto mock_aws: {result}")
        else:
            rate, done, chunks = result
            print(f"DynamoStore on moto mock_aws (in-process, no target): {rate:,.1f} reserves/s "
                  f"({done} done); per 100 reserves: {', '.join(f'{c:.0f}' for c in chunks)} /s "
                  "(moto deep-copies the table per transaction item, so it slows as the table grows)")
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
