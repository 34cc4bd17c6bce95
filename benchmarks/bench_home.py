"""`GET /` with 10,000 published events on SQLite: time and HTML size, against `/login` (a NiceGUI
page that reads nothing from the store) as the trivial reference of the same run.

    .venv/bin/python benchmarks/bench_home.py                             # this tree
    .venv/bin/python benchmarks/bench_home.py --code-dir /work/baseline   # the code before (baseline)

The app runs as `python main.py` of --code-dir (cwd and PYTHONPATH = --code-dir) on a fresh SQLite
data dir; the events are written straight into its `events` table (same columns in both versions),
starting over the next year, 3 hours long. When the page links a later page (`/?after=...`), the
second page is timed too.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Server, load_average, print_machine

CARD = re.compile(r"Bench Night \d{5}")


def stamp(instant: datetime) -> str:
    return f"{instant.year:04d}-{instant:%m-%dT%H:%M:%S.%f}Z"


def seed(db_path: Path, events: int) -> None:
    now = datetime.now(UTC)
    rows = []
    for n in range(events):
        starts = now + timedelta(days=1, minutes=53 * n)
        rows.append((f"evt_bench_{n:05d}", "org_bench", f"bench-{n:05d}", f"Bench Night {n:05d}", stamp(starts),
                     stamp(starts + timedelta(hours=3)), "Europe/Berlin", "Hall 1", "EUR", "",
                     "buyer_pays", "published", stamp(now)))
    with sqlite3.connect(db_path) as db:
        db.executemany("INSERT INTO events (id, organizer_id, slug, title, starts_at, ends_at, timezone, venue,"
                       " currency, description, fee_mode, status, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def get(url: str) -> tuple[float, str]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        body = response.read().decode()
    return time.perf_counter() - started, body


def timed(name: str, url: str, loads: int) -> str:
    """Report line for `loads` GETs after one warm-up; returns the last body."""
    get(url)
    samples, body = [], ""
    for _ in range(loads):
        seconds, body = get(url)
        samples.append(seconds * 1000)
    cards = len(set(CARD.findall(body)))
    print(f"{name:<22} p50 {statistics.median(samples):8.1f} ms  min {min(samples):8.1f} ms  "
          f"max {max(samples):8.1f} ms  html {len(body.encode()) / 1024:8.1f} KiB  "
          f"event cards {cards}")
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code-dir", type=Path, default=ROOT, help="the app to run (default: this tree)")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--loads", type=int, default=5)
    args = parser.parse_args(argv)
    code_dir = args.code_dir.resolve()
    print_machine()
    revision = subprocess.run(["git", "-C", str(code_dir), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=False).stdout.strip() or "unknown"
    print(f"code dir: {code_dir} (at {revision})  events: {args.events}  loads: {args.loads}")
    with Server(extra_env={"PYTHONPATH": str(code_dir)}, app_dir=code_dir) as server:
        seed(server.db_path, args.events)
        timed("/login (reference)", f"{server.url}/login", args.loads)
        body = timed("/", f"{server.url}/", args.loads)
        later = re.search(r'/\?after=[^"\\&]+', body)
        if later:
            timed("/ page 2", f"{server.url}{later.group(0)}", args.loads)
    print(f"load average at end: {' '.join(load_average())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
