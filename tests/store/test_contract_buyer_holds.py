"""Issue 13's fairness bug as tests, on SQLite, DynamoDB (moto) and the fake: one buyer cannot stack
holds (a new hold replaces the previous one), even when their holds race each other."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import Conflict
from eventflow.domain.models import Buyer, Reservation, ReservationStatus
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import FAST_HASHER, publish_event
from tests.fakes.memory_store import InMemoryStore
from tests.store.moto_server import dynamodb_client, in_process_table, moto_server


@pytest.fixture(params=["sqlite", "dynamodb", "fake"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    yield from open_store(request.param, tmp_path)


def open_store(kind: str, tmp_path: Path) -> Iterator[Store]:
    if kind == "fake":
        yield InMemoryStore()
    elif kind == "sqlite":
        from eventflow.store.sqlite.store import SqliteStore

        sqlite_store = SqliteStore(tmp_path / "buyers.db")
        yield sqlite_store
        sqlite_store.close()
    else:
        with in_process_table("eventflow-buyers") as dynamo_store:
            yield dynamo_store


@pytest.fixture(params=["sqlite", "dynamodb", "fake"])
def racing_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """As `any_store`, but DynamoDB over moto's single-threaded server: in process, moto is not
    thread-safe (tests/store/moto_server.py), and a race needs threads."""
    if request.param != "dynamodb":
        yield from open_store(request.param, tmp_path)
        return
    from eventflow.store.dynamodb.store import DynamoStore

    with moto_server() as url:
        dynamo_store = DynamoStore("eventflow-race", client=dynamodb_client(url, max_pool_connections=16))
        dynamo_store.create_table()
        yield dynamo_store


@pytest.fixture
def fair(any_store: Store, clock: ManualClock) -> Ticketing:
    return Ticketing(any_store, clock, secret_key="fair", password_hasher=FAST_HASHER, one_hold_per_buyer=True)


def held(store: Store, event_id: str, tier_id: str) -> int:
    return next(t.held for t in store.get_tiers(event_id) if t.id == tier_id)


def test_exchange_hands_back_the_hold_it_replaces(any_store: Store) -> None:
    assert any_store.buyer_hold("ev_1", "k") is None
    assert any_store.exchange_buyer_hold("ev_1", "k", "res_a") is None
    assert any_store.exchange_buyer_hold("ev_1", "k", "res_b") == "res_a"
    assert any_store.exchange_buyer_hold("ev_2", "k", "res_c") is None  # per event
    assert any_store.buyer_hold("ev_1", "k") == "res_b"


def test_seven_requests_by_one_buyer_hold_one_order_not_the_tier(fair: Ticketing, any_store: Store) -> None:
    event, tiers = publish_event(fair, capacities=(70,), prices=(1000,))
    tier = tiers[0]
    quantity = min(tier.max_per_order, 10)
    bot = Buyer(email="bot@example.com", name="Bot")
    holds = [fair.reserve(event.id, [LineRequest(tier.id, quantity)], bot) for _ in range(7)]
    assert held(any_store, event.id, tier.id) == quantity  # was 7 x quantity: the whole tier
    statuses = [any_store.get_reservation(h.id).status for h in holds]  # type: ignore[union-attr]
    assert statuses == [ReservationStatus.CANCELLED] * 6 + [ReservationStatus.HELD]


def test_the_browser_token_and_the_email_each_identify_the_buyer(fair: Ticketing, any_store: Store) -> None:
    event, tiers = publish_event(fair, capacities=(20,), prices=(1000,))
    line = [LineRequest(tiers[0].id, 2)]
    fair.reserve(event.id, line, Buyer(email="a@example.com", name="A"), buyer_token="browser-1")
    fair.reserve(event.id, line, Buyer(email="b@example.com", name="B"), buyer_token="browser-1")  # same browser
    fair.reserve(event.id, line, Buyer(email="b@example.com", name="B"), buyer_token="browser-2")  # same email
    assert held(any_store, event.id, tiers[0].id) == 2
    fair.reserve(event.id, line, Buyer(email="c@example.com", name="C"), buyer_token="browser-3")  # someone else
    assert held(any_store, event.id, tiers[0].id) == 4


def test_concurrent_holds_by_one_buyer_leave_at_most_one_standing(racing_store: Store, clock: ManualClock) -> None:
    any_store = racing_store
    fair = Ticketing(any_store, clock, secret_key="fair", password_hasher=FAST_HASHER, one_hold_per_buyer=True)
    event, tiers = publish_event(fair, capacities=(100,), prices=(1000,))
    buyer = Buyer(email="racer@example.com", name="Racer")

    def hold(_: int) -> Reservation | None:
        try:
            return fair.reserve(event.id, [LineRequest(tiers[0].id, 2)], buyer, buyer_token="tab")
        except Conflict:
            return None  # displaced by a concurrent hold of the same buyer while being written

    with ThreadPoolExecutor(max_workers=8) as pool:
        made = [r for r in pool.map(hold, range(16)) if r is not None]
    standing = [r for r in made if any_store.get_reservation(r.id).status is ReservationStatus.HELD]  # type: ignore[union-attr]
    assert len(standing) <= 1
    assert held(any_store, event.id, tiers[0].id) == 2 * len(standing)
