"""Zero overselling on the DynamoDB store under real concurrency.

Many client threads share one DynamoStore (one thread-safe boto3 client) and talk HTTP to moto
behind a single-threaded server (tests/store/moto_server.py): every request is atomic, as on
DynamoDB, and the interleaving of requests is real. What is checked is therefore the store's
use of conditions and transactions, not moto's locking.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

pytest.importorskip("moto")
pytest.importorskip("werkzeug")

from eventflow.domain.clock import ManualClock, SystemClock
from eventflow.domain.errors import CapacityBelowSold, Conflict, ReservationClosed, SoldOut, StaleCatalog
from eventflow.domain.models import Buyer, ReservationStatus, Tier
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.store.dynamodb.store import DynamoStore
from tests.conftest import FAST_HASHER
from tests.store.moto_server import dynamodb_client, moto_server

THREADS = 32
ATTEMPTS = 1_056  # 32 threads x 33
BIG, SMALL = 500, 60
BUYER = Buyer("rush@example.com", "Rush Buyer")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


def _store(endpoint: str, table: str) -> DynamoStore:
    store = DynamoStore(table, client=dynamodb_client(endpoint, max_pool_connections=THREADS * 2))
    store.create_table()
    return store


def _published(service: Ticketing, capacities: tuple[int, ...]) -> tuple[str, list[Tier]]:
    organizer = service.sign_up(f"org-{random.getrandbits(32)}@example.com", "long enough", "Org")
    start = datetime.now(UTC) + timedelta(days=7)
    event = service.catalog.create_event(organizer.id, title="Rush", starts_at=start,
                                 ends_at=start + timedelta(hours=3), timezone="UTC", currency="EUR")
    tiers = [
        service.catalog.add_tier(organizer.id, event.id, name=f"T{n}", price_minor=1000, capacity=capacity)
        for n, capacity in enumerate(capacities)
    ]
    service.catalog.publish(organizer.id, event.id)
    return event.id, tiers


def _raw_tier(store: DynamoStore, event_id: str, tier_id: str) -> dict[str, int]:
    item = store.client.get_item(
        TableName=store.table_name, ConsistentRead=True,
        Key={"PK": {"S": f"EVENT#{event_id}"}, "SK": {"S": f"TIER#{tier_id}"}},
    )["Item"]
    return {name: int(item[name]["N"]) for name in ("capacity", "held", "sold", "available")}


@dataclass
class Ledger:
    """What the buyers saw, per tier: quantities still held, sold, and counts of outcomes."""

    held: Counter[str] = field(default_factory=Counter)
    sold: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: str, quantities: dict[str, int], into: Counter[str] | None) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            if into is not None:
                into.update(quantities)


@pytest.mark.slow
def test_a_thousand_racing_reserves_never_oversell(endpoint: str) -> None:
    store = _store(endpoint, "eventflow-rush")
    service = Ticketing(store, SystemClock(), secret_key="rush", password_hasher=FAST_HASHER)
    event_id, (big, small) = _published(service, (BIG, SMALL))
    ledger = Ledger()
    counter = iter(range(ATTEMPTS))
    counter_lock = threading.Lock()

    def buyer(seed: int) -> None:
        rng = random.Random(seed)
        while True:
            with counter_lock:
                if next(counter, None) is None:
                    return
            lines = [LineRequest(big.id, rng.randint(1, 4))]
            if rng.random() < 0.2:  # a multi-line cart across both tiers
                lines.append(LineRequest(small.id, rng.randint(1, 2)))
            quantities = {line.tier_id: line.quantity for line in lines}
            try:
                reservation = service.reserve(event_id, lines, BUYER)
            except SoldOut:
                ledger.add("sold_out", quantities, None)
                continue
            except BaseException as error:  # anything else fails the test
                ledger.errors.append(error)
                continue
            roll = rng.random()
            try:
                if roll < 0.25:
                    service.confirm(reservation.id, payment_ref="rush")
                    ledger.add("confirmed", quantities, ledger.sold)
                elif roll < 0.35:
                    service.cancel(reservation.id)
                    ledger.add("cancelled", quantities, None)
                else:
                    ledger.add("held", quantities, ledger.held)
            except BaseException as error:
                ledger.errors.append(error)

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        for future in [pool.submit(buyer, n) for n in range(THREADS)]:
            future.result()
    elapsed = time.perf_counter() - started

    assert ledger.errors == []
    outcomes = ledger.outcomes
    assert sum(outcomes.values()) == ATTEMPTS
    assert outcomes["sold_out"] > 0, "the tiers never sold out"
    for tier in (big, small):
        raw = _raw_tier(store, event_id, tier.id)
        assert raw["held"] == ledger.held[tier.id], tier.name
        assert raw["sold"] == ledger.sold[tier.id], tier.name
        assert raw["held"] + raw["sold"] <= raw["capacity"]
        assert raw["available"] == raw["capacity"] - raw["held"] - raw["sold"]
    assert [(t.held, t.sold) for t in store.get_tiers(event_id)] == [
        (ledger.held[big.id], ledger.sold[big.id]), (ledger.held[small.id], ledger.sold[small.id])
    ]
    big_raw = _raw_tier(store, event_id, big.id)
    assert big_raw["available"] <= 3, "a sold-out tier should be (almost) full"
    print(f"\n{ATTEMPTS} reserves from {THREADS} threads in {elapsed:.1f} s"
          f" ({ATTEMPTS / elapsed:.0f}/s incl. confirms and cancels): {dict(outcomes)}")


@pytest.mark.slow
def test_racing_confirms_and_cancels_settle_each_hold_once(endpoint: str) -> None:
    """Per hold, two payments and a cancel race: one order at most, counts exact."""
    store = _store(endpoint, "eventflow-settle")
    service = Ticketing(store, SystemClock(), secret_key="settle", password_hasher=FAST_HASHER)
    event_id, (tier,) = _published(service, (200,))
    holds = [service.reserve(event_id, [LineRequest(tier.id, 2)], BUYER) for _ in range(40)]

    def settle(args: tuple[str, str]) -> tuple[str, str, str]:
        reservation_id, action = args
        try:
            if action == "cancel":
                return reservation_id, action, service.cancel(reservation_id).status.value
            return reservation_id, action, service.confirm(reservation_id, payment_ref=action).id
        except (ReservationClosed, SoldOut) as error:
            return reservation_id, action, type(error).__name__

    jobs = [(hold.id, action) for hold in holds for action in ("pay-1", "cancel", "pay-2")]
    random.Random(7).shuffle(jobs)
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(settle, jobs))

    # A payment always wins in the end: before the cancel it confirms the hold (the cancel is
    # then refused), after it the late payment is honoured (capacity allows). Either way both
    # payments get the same single order.
    for hold in holds:
        stored = store.get_reservation(hold.id)
        assert stored is not None and stored.status is ReservationStatus.CONFIRMED
        mine = {action: outcome for rid, action, outcome in results if rid == hold.id}
        assert mine["pay-1"] == mine["pay-2"] == stored.order_id
        assert mine["cancel"] in {"cancelled", "ReservationClosed"}
        assert len(store.get_order(stored.order_id).tickets) == 2
    sold = 2 * len(holds)
    raw = _raw_tier(store, event_id, tier.id)
    assert (raw["held"], raw["sold"], raw["available"]) == (0, sold, 200 - sold)


@pytest.mark.slow
def test_reapers_on_many_instances_release_each_hold_once(endpoint: str) -> None:
    store = _store(endpoint, "eventflow-reap")
    clock = ManualClock(datetime.now(UTC))
    service = Ticketing(store, clock, secret_key="reap", password_hasher=FAST_HASHER)
    event_id, (tier,) = _published(service, (300,))
    holds = [service.reserve(event_id, [LineRequest(tier.id, 3)], BUYER) for _ in range(40)]
    clock.advance(minutes=16)
    instances = [
        Ticketing(store, clock, secret_key="reap", password_hasher=FAST_HASHER) for _ in range(8)
    ]
    with ThreadPoolExecutor(len(instances)) as pool:
        released = list(pool.map(lambda s: s.release_expired_holds(limit=1000), instances))
    assert sum(released) == len(holds)
    raw = _raw_tier(store, event_id, tier.id)
    assert (raw["held"], raw["sold"], raw["available"]) == (0, 0, 300)
    assert store.expired_reservation_ids(clock.now()) == []
    assert {store.get_reservation(h.id).status for h in holds} == {ReservationStatus.EXPIRED}


@pytest.mark.slow
def test_capacity_edits_racing_reserves_never_go_below_held_plus_sold(endpoint: str) -> None:
    """An organizer shrinks a tier while buyers reserve it: each edit is conditional on the
    version it read and on `available`, so capacity never drops below held + sold."""
    store = _store(endpoint, "eventflow-shrink")
    service = Ticketing(store, SystemClock(), secret_key="shrink", password_hasher=FAST_HASHER)
    event_id, (tier,) = _published(service, (400,))
    reserved: Counter[str] = Counter()
    edits: Counter[str] = Counter()
    errors: list[BaseException] = []
    stop = threading.Event()

    def buyer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(20):
            quantity = rng.randint(1, 3)
            try:
                service.reserve(event_id, [LineRequest(tier.id, quantity)], BUYER)
                reserved["held"] += quantity
            except SoldOut:
                reserved["sold_out"] += 1
            except Conflict:  # the tier kept changing under three re-reads
                reserved["gave_up"] += 1
            except BaseException as error:
                errors.append(error)

    def organizer() -> None:
        while not stop.is_set():
            current = store.get_tiers(event_id)[0]
            try:
                store.update_tier(replace(current, capacity=max(1, current.capacity - 7)))
                edits["saved"] += 1
            except StaleCatalog:
                edits["stale"] += 1
            except CapacityBelowSold:
                edits["below"] += 1
            except BaseException as error:
                errors.append(error)
                return
            stop.wait(0.05)

    editor = threading.Thread(target=organizer)
    editor.start()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(buyer, range(16)))
    stop.set()
    editor.join()

    assert errors == []
    assert edits["saved"] > 0 and reserved["held"] > 0
    raw = _raw_tier(store, event_id, tier.id)
    assert raw["held"] == reserved["held"] and raw["sold"] == 0
    assert raw["held"] <= raw["capacity"]
    assert raw["available"] == raw["capacity"] - raw["held"]
    print(f"\nbuyers: {dict(reserved)}; edits: {dict(edits)}; final {raw}")
