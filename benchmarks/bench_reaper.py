"""How fast the reaper gives a backlog of ended holds back: the batched path against the old one-by-one path.

    .venv/bin/python benchmarks/bench_reaper.py [--holds 60000] [--dynamo-holds 3000] [--rounds 2] [--no-dynamo]

Per round and store, two fresh stores get the same backlog (N held reservations over 4 tiers of one
event, 1-2 tickets each, made through `Ticketing.reserve`, then the clock moved past their end), and each
is drained completely, timed:

* one-by-one (the reference, the reaper before issue 10): `store.expired_reservation_ids(now, 500)`, then
  `Ticketing.expire(id)` per hold (one write transaction / TransactWriteItems and one availability
  notification per hold), repeated until none is left. The real job did one such batch per 5 s reaper
  interval, so it never exceeded 100 holds/s whatever this loop reaches; both figures are printed.
* batched (now): `Ticketing.release_expired_holds()` batch after batch while a batch comes back full, as
  `app.jobs.drain_expired_holds` does (`Ticketing.reaper_batch` per batch: SQLite one write transaction
  of 200 holds; DynamoDB 1,000 holds: one BatchGetItem per 100 and one TransactWriteItems per ~96).

Printed: holds/s, the longest single batch (how long a buyer's reserve may wait for SQLite's write lock),
availability notifications, and on DynamoDB the requests sent (counted with botocore's event hooks), since
on real DynamoDB the request count, not moto's CPU, sets the pace. Afterwards every tier is checked:
held = 0, sold = 0, every reservation EXPIRED. Target: batched >= 1,000 holds/s on SQLite.
DynamoDB runs under moto's in-process `mock_aws` with item-level rollback (tests/store/moto_server.py; CPU-bound,
no target).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Targets, print_machine

TARGET_PER_SECOND = 1_000
OLD_INTERVAL_CAP = 500 / 5  # the old job: one batch of 500 per 5 s interval
TIERS = 4


class CountingListener:
    def __init__(self) -> None:
        self.calls = 0

    def availability_changed(self, event_id: str) -> None:
        self.calls += 1


@dataclass
class Backlog:
    service: Any  # Ticketing
    listener: CountingListener
    event_id: str
    holds: int


def make_backlog(store: Any, holds: int) -> Backlog:
    """`holds` reservations on one published event, all ended (the clock moved 16 minutes on)."""
    from argon2 import PasswordHasher

    from eventflow.domain.clock import ManualClock
    from eventflow.domain.models import Buyer
    from eventflow.domain.reservations import LineRequest, Ticketing

    clock = ManualClock(datetime.now(UTC))
    listener = CountingListener()
    service = Ticketing(store, clock, secret_key="bench-reaper", listener=listener,
                        password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    organizer = service.sign_up("reaper@example.com", "benchmark-pw", "Bench")
    starts = clock.now() + timedelta(days=30)
    event = service.catalog.create_event(
        organizer.id, title="Reaper Benchmark", starts_at=starts, ends_at=starts + timedelta(hours=4),
        timezone="UTC", venue="Hall", currency="EUR",
    )
    tiers = [service.catalog.add_tier(organizer.id, event.id, name=f"T{n}", price_minor=1000,
                                      capacity=holds * 2) for n in range(TIERS)]
    service.catalog.publish(organizer.id, event.id)
    buyer = Buyer("abandoned@example.com", "Abandoned Cart")
    for n in range(holds):
        service.reserve(event.id, [LineRequest(tiers[n % TIERS].id, 1 + n % 2)], buyer)
        if n % 1000 == 999:
            clock.advance(seconds=1)  # holds end over a range of instants, as in real life
    clock.advance(minutes=16)
    listener.calls = 0
    return Backlog(service, listener, event.id, holds)


def one_by_one(backlog: Backlog) -> list[float]:
    """The reaper before issue 10 (kept here as the reference): list 500, expire each."""
    service, batches = backlog.service, []
    while True:
        started = time.perf_counter()
        ids = service.store.expired_reservation_ids(service.clock.now(), 500)
        for reservation_id in ids:
            service.expire(reservation_id)
        batches.append(time.perf_counter() - started)
        if not ids:
            return batches


def batched(backlog: Backlog) -> list[float]:
    """`app.jobs.drain_expired_holds` without the event loop: batch after batch while full."""
    service, batches = backlog.service, []
    while True:
        started = time.perf_counter()
        released = service.release_expired_holds(service.reaper_batch)
        batches.append(time.perf_counter() - started)
        if released < service.reaper_batch:
            return batches


def check_drained(backlog: Backlog) -> None:
    store = backlog.service.store
    tiers = store.get_tiers(backlog.event_id)
    if any(tier.held or tier.sold for tier in tiers):
        raise AssertionError(f"not all given back: {[(t.held, t.sold) for t in tiers]}")
    if store.expired_reservation_ids(backlog.service.clock.now(), 10):
        raise AssertionError("held reservations are left")


def request_counter(store: Any) -> Callable[[], dict[str, int]]:
    """Counts the DynamoDB requests the store's client sends, by operation."""
    counts: dict[str, int] = {}

    def count(model: Any, **_: Any) -> None:
        counts[model.name] = counts.get(model.name, 0) + 1

    store.client.meta.events.register("before-call.dynamodb", count)
    return lambda: dict(counts)


def run(label: str, make_store: Callable[[], Any], holds: int, way: Callable[[Backlog], list[float]],
        count_requests: bool = False) -> float:
    store = make_store()
    setup = time.perf_counter()
    backlog = make_backlog(store, holds)
    setup = time.perf_counter() - setup
    requests = request_counter(store) if count_requests else None
    started = time.perf_counter()
    batches = way(backlog)
    elapsed = time.perf_counter() - started
    counts = requests() if requests is not None else {}  # before the check's own reads
    check_drained(backlog)
    rate = holds / elapsed
    sent = ""
    if requests is not None:
        sent = f", {sum(counts.values())} requests ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})"
    print(f"  {label:<11} {holds:>6} holds in {elapsed:7.2f} s = {rate:8,.0f} holds/s; longest batch "
          f"{max(batches) * 1000:7.1f} ms; {backlog.listener.calls} notifications{sent}  (setup {setup:.1f} s)")
    return rate


def sqlite_round(holds: int, targets: Targets) -> None:
    from eventflow.store.sqlite.store import SqliteStore

    with tempfile.TemporaryDirectory() as directory:
        paths = iter(Path(directory) / name for name in ("before.db", "after.db"))
        before = run("one-by-one", lambda: SqliteStore(next(paths)), holds, one_by_one)
        after = run("batched", lambda: SqliteStore(next(paths)), holds, batched)
    print(f"  old job's real rate: min({before:,.0f}, {OLD_INTERVAL_CAP:.0f}/s interval cap) = "
          f"{min(before, OLD_INTERVAL_CAP):,.0f} holds/s; batched / one-by-one loop = {after / before:.1f}x")
    targets.check(f"SQLite batched reaper >= {TARGET_PER_SECOND:,} holds/s ({after:,.0f})",
                  after >= TARGET_PER_SECOND)


def dynamo_round(holds: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.store.moto_server import in_process_table, item_level_rollback

    for label, way in (("one-by-one", one_by_one), ("batched", batched)):
        # moto deep-copies the whole table per transaction unless rolled back item by item (valid here: one thread)
        with item_level_rollback(), in_process_table(f"eventflow-reaper-{label}") as store:
            run(label, lambda store=store: store, holds, way, count_requests=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--holds", type=int, default=60_000, help="backlog on SQLite")
    parser.add_argument("--dynamo-holds", type=int, default=3_000, help="backlog on in-process moto")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-dynamo", action="store_true")
    args = parser.parse_args()
    print_machine()
    targets = Targets()
    for round_number in range(1, args.rounds + 1):
        print(f"round {round_number}: SQLite")
        sqlite_round(args.holds, targets)
        if not args.no_dynamo:
            print(f"round {round_number}: DynamoDB (moto in process)")
            dynamo_round(args.dynamo_holds)
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
