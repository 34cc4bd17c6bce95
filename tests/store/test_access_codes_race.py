"""A code never exceeds its limit, however many buyers race for it (issue 12), on every store.

500 reservations race from 16 threads for a code limited to 20 uses, counted in tickets or in orders:
exactly 20 uses are held, never 21, and the tier holds exactly the winners' tickets. Then some are
paid, the rest expire through the reaper's batch: the confirmed uses stay, the expired ones come back
exactly once, and a second race takes exactly the uses left.

SQLite: threads sharing one file (every reserve a write transaction), and the HTTP edge's group
commit (`Ticketing.reserve_all`, one transaction with a savepoint per reserve). DynamoDB: threads over
HTTP to a single-threaded moto server (every request atomic, as on DynamoDB: tests/store/moto_server.py;
in-process moto is not atomic under threads). The fake: its one lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eventflow.domain.access_codes import AccessCodes, CodeSettings, CodeUsedUp
from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import DomainError
from eventflow.domain.models import ReservationStatus
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest, ReserveRequest, Ticketing
from tests.conftest import BUYER, make_service, publish_event
from tests.fakes.memory_store import InMemoryStore

RACERS = 500
THREADS = 16
LIMIT = 20


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    pytest.importorskip("moto")
    from tests.store.moto_server import moto_server

    with moto_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "sqlite-group-commit", "dynamodb", "fake"])
def racing_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Store]]:
    if request.param.startswith("sqlite"):
        from eventflow.store.sqlite.store import SqliteStore

        store = SqliteStore(tmp_path / "race.db")
        yield request.param, store
        store.close()
    elif request.param == "dynamodb":
        from eventflow.store.dynamodb.store import DynamoStore
        from tests.store.moto_server import dynamodb_client

        url = request.getfixturevalue("endpoint")
        dynamo = DynamoStore(f"codes-race-{request.node.callspec.id.replace('-', '')[:30]}",
                             client=dynamodb_client(url, max_pool_connections=THREADS * 2))
        dynamo.create_table()
        yield request.param, dynamo
    else:
        yield request.param, InMemoryStore()


def race(service: Ticketing, event_id: str, tier_id: str, code: str, quantity: int,
         group_commit: bool) -> tuple[list[str], Counter[str]]:
    """RACERS reserves with the code; the ids of the winners and the count of each refusal."""
    outcomes: Counter[str] = Counter()
    winners: list[str] = []
    request = ReserveRequest(event_id, [LineRequest(tier_id, quantity)], BUYER, code=code)

    def one(_: int) -> None:
        try:
            winners.append(service.reserve(event_id, request.lines, BUYER, code=code).id)
        except DomainError as refusal:
            outcomes[refusal.code] += 1

    def batch(n: int) -> None:  # what one event-loop iteration of the HTTP edge commits together
        for result in service.reserve_all([request] * (RACERS // THREADS + (n < RACERS % THREADS))):
            if isinstance(result, Exception):
                assert isinstance(result, DomainError), result
                outcomes[result.code] += 1
            else:
                winners.append(result.id)

    work: Callable[[int], None] = batch if group_commit else one
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS) if group_commit else range(RACERS)))
    return winners, outcomes


@pytest.mark.parametrize("counting", ["tickets", "orders"])
def test_500_buyers_racing_for_20_uses_get_exactly_20(racing_store: tuple[str, Store], counting: str) -> None:
    kind, store = racing_store
    clock = ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    service = make_service(store, clock)
    event, tiers = publish_event(service, capacities=(1500,), prices=(4000,))
    codes = AccessCodes(store, clock, service.catalog)
    code = codes.create(event.organizer_id, event.id, CodeSettings(
        code="RACE", discount_percent=50, max_uses=LIMIT, uses_count=counting))
    quantity = 1 if counting == "tickets" else 2  # "orders": each winner holds 2 tickets for 1 use

    winners, refused = race(service, event.id, tiers[0].id, "race", quantity, kind == "sqlite-group-commit")
    assert len(winners) == LIMIT and len(set(winners)) == LIMIT
    assert set(refused) <= {CodeUsedUp.code} and sum(refused.values()) == RACERS - LIMIT
    assert store.get_access_code(event.id, code.id).uses == LIMIT  # type: ignore[union-attr]
    assert store.get_tiers(event.id)[0].held == LIMIT * quantity

    paid = winners[:5]
    for reservation_id in paid:
        service.confirm(reservation_id, payment_ref=f"pay-{reservation_id}")
    clock.advance(minutes=16)
    while service.release_expired_holds(limit=7):  # the reaper's batches, drained
        pass
    assert service.release_expired_holds() == 0
    stored = store.get_access_code(event.id, code.id)
    assert stored is not None and (stored.uses, stored.confirmed_uses) == (5, 5)
    assert store.get_tiers(event.id)[0].held == 0 and store.get_tiers(event.id)[0].sold == 5 * quantity

    again, _ = race(service, event.id, tiers[0].id, "RACE", quantity, kind == "sqlite-group-commit")
    assert len(again) == LIMIT - 5
    assert store.get_access_code(event.id, code.id).uses == LIMIT  # type: ignore[union-attr]


@pytest.mark.parametrize("counting", ["tickets", "orders"])
def test_500_holds_priced_before_the_race_meet_the_stores_condition(racing_store: tuple[str, Store],
                                                                      counting: str) -> None:
    """The domain's early refusal (a fresh read showing the code used up) out of the way: 500 holds
    all priced while the code was unused reach `Store.reserve` at once; its conditional write alone
    lets exactly 20 uses through, and a refused hold keeps none of its tickets."""
    _, store = racing_store
    clock = ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    service = make_service(store, clock)
    event, tiers = publish_event(service, capacities=(1500,), prices=(4000,))
    code = AccessCodes(store, clock, service.catalog).create(event.organizer_id, event.id, CodeSettings(
        code="STORE-RACE", discount_minor=1000, max_uses=LIMIT, uses_count=counting))
    quantity = 1 if counting == "tickets" else 3
    template = service.reserve(event.id, [LineRequest(tiers[0].id, quantity)], BUYER, code=code.code)
    service.cancel(template.id)
    outcomes: Counter[str] = Counter()

    def one(n: int) -> None:
        try:
            store.reserve(replace(template, id=f"res_race_{n:03d}", status=ReservationStatus.HELD, closed_at=None))
            outcomes["held"] += 1
        except CodeUsedUp:
            outcomes["used_up"] += 1

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, range(RACERS)))
    assert outcomes == {"held": LIMIT, "used_up": RACERS - LIMIT}
    assert store.get_access_code(event.id, code.id).uses == LIMIT  # type: ignore[union-attr]
    assert store.get_tiers(event.id)[0].held == LIMIT * quantity
