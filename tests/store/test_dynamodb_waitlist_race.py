"""Waitlist races on DynamoDB (issue 13): the contract's race bodies over the single-threaded moto server
(every request atomic, interleaving real; moto in process is not thread-safe): reapers and offer jobs on
three instances make one offer per released ticket; concurrent joins take unique queue numbers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

pytest.importorskip("moto")
pytest.importorskip("werkzeug")

from eventflow.domain.clock import ManualClock
from eventflow.domain.outbox import Outbox
from eventflow.domain.reservations import Ticketing
from eventflow.domain.waitlist import Waitlist
from eventflow.store.dynamodb.store import DynamoStore
from tests.conftest import FAST_HASHER
from tests.store.moto_server import dynamodb_client, moto_server
from tests.store.test_contract_waitlist import concurrent_joins, racing_reapers

Setup = tuple[DynamoStore, Ticketing, Waitlist, ManualClock]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


def setup(endpoint: str, table: str) -> Setup:
    store = DynamoStore(table, client=dynamodb_client(endpoint, max_pool_connections=16))
    store.create_table()
    clock = ManualClock(datetime.now(UTC))
    service = Ticketing(store, clock, secret_key="wait", password_hasher=FAST_HASHER)
    return store, service, Waitlist(store, service, Outbox(store, clock), "https://tickets.example"), clock


def test_racing_reapers_make_one_offer_per_released_ticket(endpoint: str) -> None:
    racing_reapers(*setup(endpoint, "eventflow-waitlist-reapers"), tickets=4, workers=3)


def test_concurrent_joins_take_unique_queue_numbers(endpoint: str) -> None:
    store, service, waitlist, _ = setup(endpoint, "eventflow-waitlist-joins")
    concurrent_joins(store, service, waitlist, joiners=4)
