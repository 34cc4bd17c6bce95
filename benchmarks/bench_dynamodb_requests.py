"""AWS requests per reservation on the DynamoDB store, counted on the wire (botocore hooks).

    .venv/bin/python benchmarks/bench_dynamodb_requests.py [--reserves 200] [--threads 1]
    .venv/bin/python benchmarks/bench_dynamodb_requests.py --table T --endpoint-url URL  # real API

By default runs on moto's in-process `mock_aws`. Creates a published event with one tier of
large capacity and a second one, warms the service's catalog cache (`Ticketing.event_view`),
then makes --reserves reservations through `Ticketing.reserve` (quantity 1-4, one line, or a
cart of two lines for every fifth), counting every HTTP request the DynamoDB client sends
(`before-send.dynamodb.*`, so botocore's own retries count too), by operation and by where it
came from:

* inside `DynamoStore.reserve`: the reservation itself;
* outside it: reads by the service refreshing its 1-second catalog cache (GetItem + Query).

Target: exactly 1.00 request per reservation inside the store (one TransactWriteItems, no
read). Cache refreshes are reported separately (they are per event and second, not per
reservation). Also prints reservations per second (moto's speed, not DynamoDB's: information
only). moto copies the whole table before every TransactWriteItems (so it slows down as the
table grows); unless --moto-table-copy is given, a single-threaded run on moto uses the
item-level rollback of tests/store/moto_server.py instead, which measures the store rather than
that copy. Exits 1 when the target is missed or a reservation failed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.common import Targets, print_machine  # noqa: E402


class RequestCounter:
    """Counts requests by (origin, operation); origin is `store.reserve` while the current
    thread is inside DynamoStore.reserve, else `other`."""

    def __init__(self, client: Any) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        # Specific handlers run before moto's catch-all `before-send` stub, so this sees every
        # request whether it goes to moto or to a real endpoint.
        client.meta.events.register("before-send.dynamodb.*", self._on_send)

    def _on_send(self, event_name: str, **_: Any) -> None:
        origin = "store.reserve" if getattr(self._local, "in_reserve", False) else "other"
        with self._lock:
            self.counts[(origin, event_name.rsplit(".", 1)[-1])] += 1

    def wrap_reserve(self, store: Any) -> None:
        inner = store.reserve

        def reserve(reservation: Any) -> Any:
            self._local.in_reserve = True
            try:
                return inner(reservation)
            finally:
                self._local.in_reserve = False

        store.reserve = reserve

    def total(self, origin: str | None = None) -> int:
        return sum(n for (o, _), n in self.counts.items() if origin is None or o == origin)

    def by_operation(self, origin: str) -> dict[str, int]:
        return {op: n for (o, op), n in sorted(self.counts.items()) if o == origin}


def counter_note(requests: int, attempts: int) -> str:
    return "(answered from the cancellation reasons)" if requests == attempts else "(re-read after refusal)"


def run(args: argparse.Namespace) -> int:
    from argon2 import PasswordHasher

    from eventflow.domain.clock import SystemClock
    from eventflow.domain.models import Buyer
    from eventflow.domain.reservations import LineRequest, Ticketing
    from eventflow.store.dynamodb.store import DynamoStore

    store = DynamoStore(args.table, region_name=args.region, endpoint_url=args.endpoint_url)
    store.create_table()
    service = Ticketing(store, SystemClock(), secret_key="bench",
                        password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    organizer = service.sign_up(f"bench-{random.getrandbits(32)}@example.com", "long enough", "Bench")
    start = datetime.now(UTC) + timedelta(days=30)
    event = service.catalog.create_event(organizer.id, title="Request count", starts_at=start,
                                 ends_at=start + timedelta(hours=3), timezone="UTC", currency="EUR")
    big = service.catalog.add_tier(organizer.id, event.id, name="GA", price_minor=2500, capacity=1_000_000)
    small = service.catalog.add_tier(organizer.id, event.id, name="VIP", price_minor=9900, capacity=1_000_000)
    service.catalog.publish(organizer.id, event.id)

    counter = RequestCounter(store.client)
    counter.wrap_reserve(store)
    service.catalog.event_view(event.id)  # warm the catalog cache
    counter.counts.clear()

    buyer = Buyer("bench@example.com", "Bench Buyer")
    rng = random.Random(1)
    carts = []
    for n in range(args.reserves):
        lines = [LineRequest(big.id, rng.randint(1, 4))]
        if n % 5 == 4:
            lines.append(LineRequest(small.id, rng.randint(1, 2)))
        carts.append(lines)
    failures: list[BaseException] = []

    def reserve(lines: list[Any]) -> None:
        try:
            service.reserve(event.id, lines, buyer)
        except BaseException as error:
            failures.append(error)

    started = time.perf_counter()
    if args.threads == 1:
        for lines in carts:
            reserve(lines)
    else:
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(reserve, carts))
    elapsed = time.perf_counter() - started

    made = args.reserves - len(failures)
    inside = counter.total("store.reserve")
    outside = counter.total("other")
    per_reserve = inside / made if made else float("nan")
    print(f"backend: {args.backend}")
    print(f"reservations: {made} made, {len(failures)} failed, {args.threads} thread(s), {elapsed:.2f} s")
    print(f"requests inside DynamoStore.reserve: {inside} {counter.by_operation('store.reserve')}")
    print(f"requests per reservation (store): {per_reserve:.2f}")
    print(f"catalog cache refreshes and other requests: {outside} {counter.by_operation('other')}")
    print(f"requests per reservation (service, incl. cache refreshes): {(inside + outside) / max(made, 1):.2f}")
    print(f"reservations per second: {made / elapsed:.0f}")
    tiers = {t.id: t for t in store.get_tiers(event.id)}
    held = sum(sum(line.quantity for line in cart if line.tier_id == big.id) for cart in carts)
    for error in failures[:3]:
        print(f"failure: {type(error).__name__}: {error}")

    # Refusals: a sold-out tier and an idempotent retry are answered from the cancellation
    # reasons (ReturnValuesOnConditionCheckFailure=ALL_OLD), without a second request.
    from eventflow.domain.errors import SoldOut

    scarce = service.catalog.add_tier(organizer.id, event.id, name="Last seats", price_minor=5000, capacity=3)
    service.reserve(event.id, [LineRequest(scarce.id, 3)], buyer)
    service.catalog.event_view(event.id)
    counter.counts.clear()
    refused = 0
    for _ in range(20):
        try:
            service.reserve(event.id, [LineRequest(scarce.id, 1)], buyer)
        except SoldOut:
            refused += 1
    sold_out_requests = counter.total("store.reserve")
    counter.counts.clear()
    for _ in range(20):
        service.reserve(event.id, [LineRequest(big.id, 1)], buyer, idempotency_key="same-key")
    retry_requests = counter.total("store.reserve")
    print(f"sold-out refusals: {refused}, {sold_out_requests / 20:.2f} requests each "
          f"{counter_note(sold_out_requests, 20)}")
    print(f"idempotent retries (same key, 1 + 19 repeats): {retry_requests / 20:.2f} requests each")

    targets = Targets()
    targets.check("every reservation made", not failures)
    targets.check(f"exactly 1.00 AWS request per reservation in the store (got {per_reserve:.2f})",
                  made > 0 and inside == made)
    targets.check("only TransactWriteItems inside reserve",
                  set(counter.by_operation("store.reserve")) == {"TransactWriteItems"})
    targets.check("held count matches the reservations", tiers[big.id].held == held)
    return targets.exit_code()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reserves", type=int, default=200)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--table", default="eventflow-bench")
    parser.add_argument("--region", default="eu-west-1")
    parser.add_argument("--endpoint-url", default=None, help="a DynamoDB API (DynamoDB Local, moto server)")
    parser.add_argument("--real", action="store_true", help="use AWS itself (no endpoint URL, no moto)")
    parser.add_argument("--moto-table-copy", action="store_true",
                        help="keep moto's whole-table copy per transaction")
    args = parser.parse_args()
    print_machine()
    if args.endpoint_url is not None or args.real:
        args.backend = args.endpoint_url or "AWS"
        return run(args)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": args.region}.items():
        os.environ[name] = value  # moto only: never real credentials
    from moto import mock_aws

    from tests.store.moto_server import item_level_rollback

    fast = args.threads == 1 and not args.moto_table_copy
    args.backend = "moto mock_aws (in process), " + (
        "item-level rollback" if fast else "moto's whole-table copy per transaction")
    with mock_aws(), item_level_rollback(enabled=fast):
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
