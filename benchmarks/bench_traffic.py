"""Page-view flood (issue 18): 10,000 views in one simulated minute from one event page (two sources),
counted by `Traffic` and flushed every 3 s as app/traffic_job.py does. Prints, per store, the row writes the
store received, the flushes, and the CPU time per view (the view itself touches no store).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_traffic.py
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from eventflow.domain.clock import ManualClock
from eventflow.domain.traffic import Traffic
from eventflow.store.sqlite.store import SqliteStore
from tests.store.moto_server import in_process_table
from tests.store.test_contract_traffic import count_source_writes

VIEWS, FLUSH_EVERY = 10_000, 500  # 500 views per 3-second flush = 10,000 per minute


def flood(store: Any) -> tuple[int, int, float, float]:
    clock = ManualClock(datetime(2027, 3, 1, 12, 0, tzinfo=UTC))
    traffic = Traffic(store, clock)
    writes = count_source_writes(store)
    agent = "Mozilla/5.0 (Linux; Android 14) Mobile Chrome/130"
    flushes, view_seconds, flush_seconds = 0, 0.0, 0.0
    for view in range(VIEWS):
        started = time.perf_counter()
        traffic.page_view("evt_flood", "instagram" if view % 3 else "direct",
                          f"10.{view // 65536}.{view // 256 % 256}.{view % 256}", agent)
        view_seconds += time.perf_counter() - started
        if view % FLUSH_EVERY == FLUSH_EVERY - 1:
            clock.advance(timedelta(seconds=3))
            started = time.perf_counter()
            traffic.flush()
            flush_seconds += time.perf_counter() - started
            flushes += 1
    assert sum(row.views for row in store.source_figures("evt_flood")) == VIEWS
    return len(writes), flushes, view_seconds / VIEWS * 1e6, flush_seconds / flushes * 1e3


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        sqlite = SqliteStore(Path(folder) / "bench.db")
        report("SQLite", *flood(sqlite))
        sqlite.close()
    with in_process_table("eventflow-bench-traffic") as dynamo:
        report("DynamoDB (moto, in process)", *flood(dynamo))


def report(name: str, writes: int, flushes: int, view_us: float, flush_ms: float) -> None:
    print(f"{name}: {VIEWS} views -> {writes} row writes in {flushes} flushes "
          f"({VIEWS / max(writes, 1):.0f} views per write); {view_us:.1f} µs per view, {flush_ms:.2f} ms per flush")


if __name__ == "__main__":
    main()
