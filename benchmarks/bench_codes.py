"""Reserve with an access code against reserve without one, in the same run (issue 12).

    .venv/bin/python benchmarks/bench_codes.py [--reserves 4000] [--rounds 5] [--group 32] [--dynamodb]

Through `Ticketing` on a `SqliteStore` (temp file), one published event with a tier of large capacity:

* plain:   `reserve(event, [1 x tier], buyer)` - the path every buyer without a code takes;
* code:    the same with `code="BENCH-CODE"` (a 10 % discount, limit far above the run): one more
           store read (the code, fresh) and one more conditional UPDATE in the reserve's transaction;
* grouped: both again through `reserve_all` in groups of --group (the HTTP edge's group commit).

Rounds alternate plain / code so machine noise hits both; the median round of each is reported with
the ratio code/plain (reserves per second). With --dynamodb, DynamoDB requests per reserve on moto's
in-process DynamoDB, plain and with the code (moto's speed says nothing about the real service; the
requests do: still one TransactWriteItems per reserve, the code one more item in it, and the code read
at most once a second per process).

No target of its own; the guard is that the no-code path is unchanged (benchmarks/bench_http.py:
reservations/trivial >= 0.5).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: F401  (puts the work tree on sys.path)
from common import print_machine

from eventflow.domain.access_codes import AccessCodes, CodeSettings
from eventflow.domain.clock import SystemClock
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest, ReserveRequest, Ticketing

CAPACITY = 1_000_000
CODE = "BENCH-CODE"


def setup(store: Any) -> tuple[Ticketing, str, str]:
    service = Ticketing(store, SystemClock(), secret_key="bench-" + secrets.token_hex(8))
    organizer = service.sign_up(f"bench-{secrets.token_hex(4)}@example.com", "benchmark-pw", "Bench")
    starts = datetime.now(UTC) + timedelta(days=30)
    event = service.catalog.create_event(
        organizer.id, title="Codes Benchmark", starts_at=starts, ends_at=starts + timedelta(hours=4),
        timezone="Europe/Berlin", venue="Loopback Hall", currency="EUR")
    tier = service.catalog.add_tier(organizer.id, event.id, name="General", price_minor=1500, capacity=CAPACITY)
    service.catalog.publish(organizer.id, event.id)
    AccessCodes(store, service.clock, service.catalog).create(
        organizer.id, event.id, CodeSettings(code=CODE, discount_percent=10, max_uses=CAPACITY))
    return service, event.id, tier.id


def timed(work: Callable[[], None], count: int) -> float:
    """Calls per second of `count` calls of `work`."""
    started = time.perf_counter()
    for _ in range(count):
        work()
    return count / (time.perf_counter() - started)


def one_by_one(service: Ticketing, event_id: str, tier_id: str, code: str | None) -> Callable[[], None]:
    lines, buyer = [LineRequest(tier_id, 1)], Buyer("b@example.com", "B")
    return lambda: service.reserve(event_id, lines, buyer, code=code) and None


def grouped(service: Ticketing, event_id: str, tier_id: str, code: str | None, group: int) -> Callable[[], None]:
    requests = [ReserveRequest(event_id, [LineRequest(tier_id, 1)], Buyer("b@example.com", "B"), code=code)] * group

    def work() -> None:
        for result in service.reserve_all(requests):
            if isinstance(result, Exception):
                raise result

    return work


def compare(name: str, plain: Callable[[], None], coded: Callable[[], None], count: int, rounds: int) -> None:
    plain(), coded()  # warm: caches, first statements prepared
    rates: dict[str, list[float]] = {"plain": [], "code": []}
    for _ in range(rounds):
        rates["plain"].append(timed(plain, count))
        rates["code"].append(timed(coded, count))
    p, c = statistics.median(rates["plain"]), statistics.median(rates["code"])
    print(f"{name:<28} plain {p:9.0f}/s   code {c:9.0f}/s   code/plain {c / p:.2f}"
          f"   (rounds plain {[round(r) for r in rates['plain']]}, code {[round(r) for r in rates['code']]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reserves", type=int, default=4000, help="reserves per round and kind")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--group", type=int, default=32, help="reserves per reserve_all call")
    parser.add_argument("--dynamodb", action="store_true", help="also on moto's in-process DynamoDB")
    args = parser.parse_args()
    print_machine()
    from eventflow.store.sqlite.store import SqliteStore

    with tempfile.TemporaryDirectory() as directory:
        store = SqliteStore(Path(directory) / "codes.db")
        service, event_id, tier_id = setup(store)
        compare("sqlite reserve", one_by_one(service, event_id, tier_id, None),
                one_by_one(service, event_id, tier_id, CODE), args.reserves, args.rounds)
        groups = max(1, args.reserves // args.group)
        compare(f"sqlite reserve_all x{args.group}", grouped(service, event_id, tier_id, None, args.group),
                grouped(service, event_id, tier_id, CODE, args.group), groups, args.rounds)
        store.close()
    if args.dynamodb:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.store.moto_server import in_process_table

        with in_process_table("bench-codes") as dynamo:
            service, event_id, tier_id = setup(dynamo)
            for name, code in (("plain", None), ("code", CODE)):
                work = one_by_one(service, event_id, tier_id, code)
                work()  # warm: the catalogue and code caches
                calls = count_requests(dynamo.client, work, 50)
                print(f"dynamodb requests per reserve, {name:<5}: "
                      + ", ".join(f"{op} {n / 50:.2f}" for op, n in sorted(calls.items())))


def count_requests(client: Any, work: Callable[[], None], times: int) -> dict[str, int]:
    """DynamoDB requests by operation over `times` calls of `work` (botocore's before-call event):
    what a reserve costs on the real service, where moto's speed says nothing."""
    calls: dict[str, int] = {}

    def seen(model: Any, **_: Any) -> None:
        calls[model.name] = calls.get(model.name, 0) + 1

    client.meta.events.register("before-call.dynamodb.*", seen)
    try:
        for _ in range(times):
            work()
    finally:
        client.meta.events.unregister("before-call.dynamodb.*", seen)
    return calls

if __name__ == "__main__":
    main()
