"""Overload on DynamoDB: throttling and endless conflicts end in `StoreBusy` within the retry
budget (never an unhandled ClientError, never a thread held for long), and change nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import StoreBusy
from eventflow.domain.reservations import LineRequest
from eventflow.store.dynamodb.client import RETRY_BUDGET_SECONDS
from eventflow.store.dynamodb.store import DynamoStore
from tests.conftest import BUYER, make_service, publish_event
from tests.store.moto_server import in_process_table

TABLE = "eventflow-busy"
# The budget plus the last attempt's own time and a margin for a shared, slow machine.
WITHIN_BUDGET = RETRY_BUDGET_SECONDS + 0.75


class Throttling:
    """The real client, but the chosen operations are always throttled by DynamoDB: a whole
    request refused (ProvisionedThroughputExceeded) or a transaction cancelled for throttling."""

    def __init__(self, client: Any, operations: tuple[str, ...] = ("transact_write_items",)) -> None:
        self._client = client
        self._operations = operations
        self.calls = 0
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self._client, name)
        if name not in self._operations:
            return operation
        return lambda **kwargs: self._refuse(name, kwargs)

    def _refuse(self, name: str, kwargs: dict[str, Any]) -> Any:
        with self._lock:
            self.calls += 1
        if name == "transact_write_items":
            reasons = [{"Code": "ThrottlingError"}] + [{"Code": "None"}] * (len(kwargs["TransactItems"]) - 1)
            cancelled: Any = {"Error": {"Code": "TransactionCanceledException", "Message": "throttled"},
                              "CancellationReasons": reasons}
            raise ClientError(cancelled, "TransactWriteItems")
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                     "Message": "slow down"}}, name)


@pytest.fixture
def store() -> Iterator[DynamoStore]:
    with in_process_table(TABLE) as store:
        yield store


def test_a_throttled_reserve_gives_up_busy_within_the_budget(store: DynamoStore, clock: ManualClock) -> None:
    event, tiers = publish_event(make_service(store, clock))
    throttled = Throttling(store.client)
    busy = make_service(DynamoStore(TABLE, client=throttled), clock)
    started = time.monotonic()
    with pytest.raises(StoreBusy) as raised:
        busy.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    assert time.monotonic() - started < WITHIN_BUDGET
    assert raised.value.status == 503 and raised.value.code == "store_busy" and raised.value.retry_after >= 1
    assert 1 < throttled.calls <= 8  # retried, but within the attempt bound too
    assert [tier.held for tier in store.get_tiers(event.id)] == [0] * len(tiers)


def test_throttled_reads_give_up_busy_within_the_budget(store: DynamoStore, clock: ManualClock) -> None:
    event, _ = publish_event(make_service(store, clock))
    throttled = Throttling(store.client, operations=("get_item", "batch_get_item", "query"))
    busy = DynamoStore(TABLE, client=throttled)
    started = time.monotonic()
    with pytest.raises(StoreBusy):
        busy.get_event(event.id)
    with pytest.raises(StoreBusy):
        busy.get_tiers(event.id)
    assert time.monotonic() - started < 2 * WITHIN_BUDGET


def test_the_time_budget_bounds_even_a_generous_attempt_budget(store: DynamoStore, clock: ManualClock) -> None:
    event, tiers = publish_event(make_service(store, clock))
    throttled = Throttling(store.client)
    patient = DynamoStore(TABLE, client=throttled, max_attempts=1000)
    started = time.monotonic()
    with pytest.raises(StoreBusy):
        make_service(patient, clock).reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
    assert time.monotonic() - started < WITHIN_BUDGET
    assert throttled.calls < 1000


class DropsFirstConnection:
    """The real client, but the first TransactWriteItems never gets an answer."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.tokens: list[str | None] = []

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.tokens.append(kwargs.get("ClientRequestToken"))
        if len(self.tokens) == 1:
            raise EndpointConnectionError(endpoint_url="http://dynamodb")
        return self._client.transact_write_items(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_a_dropped_connection_is_resent_as_the_same_request(store: DynamoStore, clock: ManualClock) -> None:
    event, tiers = publish_event(make_service(store, clock))
    dropping = DropsFirstConnection(store.client)
    service = make_service(DynamoStore(TABLE, client=dropping), clock)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, idempotency_key="k1")
    assert len(dropping.tokens) == 2 and dropping.tokens[0] == dropping.tokens[1] is not None
    assert store.get_reservation(reservation.id) == reservation
    assert store.get_tiers(event.id)[0].held == 2
