"""What the contract suite cannot see on the DynamoDB store: requests on the wire, index
membership, retries, idempotency tokens, slug moves and the create-table command."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("moto")

from botocore.exceptions import ClientError

from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import Conflict, SoldOut, StoreBusy
from eventflow.domain.models import EventStatus, ReservationStatus
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.store.dynamodb.store import HOLD_SHARDS, DynamoStore
from eventflow.store.dynamodb.table import main as create_table_command
from tests.conftest import BUYER, make_service, publish_event
from tests.store.moto_server import in_process_table, mocked_aws

TABLE = "eventflow-unit"


@pytest.fixture
def aws() -> Iterator[None]:
    with mocked_aws():
        yield


@pytest.fixture
def store() -> Iterator[DynamoStore]:
    with in_process_table(TABLE) as store:
        yield store


@pytest.fixture
def service(store: DynamoStore, clock: ManualClock) -> Ticketing:
    return make_service(store, clock)


class Requests:
    """Every request the client sends, by operation name."""

    def __init__(self, client: Any) -> None:
        self.seen: Counter[str] = Counter()
        client.meta.events.register("before-send.dynamodb.*", self._count)

    def _count(self, event_name: str, **_: Any) -> None:
        self.seen[event_name.rsplit(".", 1)[-1]] += 1

    def take(self) -> dict[str, int]:
        seen = dict(self.seen)
        self.seen.clear()
        return seen


def _item(store: DynamoStore, pk: str, sk: str) -> dict[str, Any] | None:
    return store.client.get_item(
        TableName=store.table_name, Key={"PK": {"S": pk}, "SK": {"S": sk}}, ConsistentRead=True
    ).get("Item")


# ------------------------------------------------------------------ requests on the wire
def test_a_reservation_is_one_request_and_so_is_a_refusal(service: Ticketing, store: DynamoStore) -> None:
    event, tiers = publish_event(service, capacities=(100, 50, 3))
    service.catalog.event_view(event.id)  # the service prices from its catalog cache
    requests = Requests(store.client)
    service.reserve(event.id, [LineRequest(tiers[0].id, 2), LineRequest(tiers[2].id, 3)], BUYER)
    assert requests.take() == {"TransactWriteItems": 1}
    with pytest.raises(SoldOut) as refused:
        service.reserve(event.id, [LineRequest(tiers[2].id, 1)], BUYER)
    assert refused.value.tier_ids == (tiers[2].id,)
    assert requests.take() == {"TransactWriteItems": 1}  # the reason carries the tier (ALL_OLD)
    first = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER, idempotency_key="k")
    requests.take()
    again = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER, idempotency_key="k")
    assert again == first
    assert requests.take() == {"TransactWriteItems": 1}


def test_tier_counts_of_many_events_take_two_requests(service: Ticketing, store: DynamoStore) -> None:
    events = [publish_event(service)[0] for _ in range(4)]
    requests = Requests(store.client)
    counts = store.tier_counts([e.id for e in events] + ["evt_missing"])
    assert requests.take() == {"BatchGetItem": 2}
    assert [[c.capacity for c in counts[e.id]] for e in events] == [[100, 50, 10]] * 4
    assert counts["evt_missing"] == []


def test_release_and_confirm_are_few_reads_and_one_transaction(service: Ticketing, store: DynamoStore,
                                                              clock: ManualClock) -> None:
    event, tiers = publish_event(service)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    requests = Requests(store.client)
    assert store.release(held.id, ReservationStatus.CANCELLED, clock.now()) is not None
    # the hold, then its tiers' waitlist queues (issue 13: tickets owed to a queue stay out of sale)
    assert requests.take() == {"GetItem": 1, "BatchGetItem": 1, "TransactWriteItems": 1}
    other = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    order = service._new_order(other, "pay")
    requests.take()
    store.confirm(other.id, order, clock.now())
    assert requests.take() == {"GetItem": 1, "TransactWriteItems": 1}



def test_holds_spread_over_the_index_shards_and_the_reaper_finds_the_earliest(
        service: Ticketing, store: DynamoStore, clock: ManualClock) -> None:
    event, tiers = publish_event(service)
    holds = []
    for _ in range(40):  # one every 10 s: each hold ends 10 s after the previous one
        holds.append(service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER))
        clock.advance(seconds=10)
    partitions = Counter(_item(store, f"RES#{h.id}", "RES")["GSI2PK"]["S"] for h in holds)
    assert set(partitions) <= {f"HOLD#{n}" for n in range(HOLD_SHARDS)}
    assert len(partitions) >= 5 and max(partitions.values()) < 20  # spread, not one hot partition
    clock.set(holds[9].expires_at + (holds[10].expires_at - holds[9].expires_at) / 2)  # ten have ended
    requests = Requests(store.client)
    assert store.expired_reservation_ids(clock.now()) == [h.id for h in holds[:10]]
    assert requests.take() == {"Query": HOLD_SHARDS}
    assert store.expired_reservation_ids(clock.now(), limit=3) == [h.id for h in holds[:3]]
    assert service.release_expired_holds() == 10
    assert store.expired_reservation_ids(clock.now()) == []

# ------------------------------------------------------------------ index membership
def test_holds_leave_the_expiry_index_when_closed(service: Ticketing, store: DynamoStore,
                                                 clock: ManualClock) -> None:
    event, tiers = publish_event(service)
    cancelled, confirmed, expired = (
        service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER) for _ in range(3)
    )
    assert "GSI2PK" in _item(store, f"RES#{cancelled.id}", "RES")
    service.cancel(cancelled.id)
    service.confirm(confirmed.id, payment_ref="pay")
    clock.advance(minutes=20)
    assert store.expired_reservation_ids(clock.now()) == [expired.id]
    assert service.release_expired_holds() == 1
    for reservation in (cancelled, confirmed, expired):
        item = _item(store, f"RES#{reservation.id}", "RES")
        assert "GSI2PK" not in item and "GSI2SK" not in item
    assert store.expired_reservation_ids(clock.now()) == []


def test_published_index_follows_the_event_status(service: Ticketing, store: DynamoStore) -> None:
    event, _ = publish_event(service)
    assert store.list_published_events() == [event]
    store.save_event(event.with_status(EventStatus.DRAFT))
    assert store.list_published_events() == []
    assert "GSI2PK" not in _item(store, f"EVENT#{event.id}", "EVENT")
    store.save_event(event)
    assert store.list_published_events() == [event]


def test_orders_are_listed_complete_even_when_the_index_lags(service: Ticketing, store: DynamoStore) -> None:
    event, tiers = publish_event(service)
    order = service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 3)], BUYER).id, "pay")
    # Take one ticket out of GSI1, as if its index entry had not propagated yet.
    store.client.update_item(
        TableName=store.table_name, Key={"PK": {"S": f"TICKET#{order.tickets[1].id}"}, "SK": {"S": "TICKET"}},
        UpdateExpression="REMOVE GSI1PK, GSI1SK",
    )
    assert store.list_orders(event.id) == [order]


# ------------------------------------------------------------------ events
def test_changing_the_slug_moves_its_uniqueness_item(service: Ticketing, store: DynamoStore) -> None:
    first, _ = publish_event(service)
    second, _ = publish_event(service)
    from dataclasses import replace

    renamed = replace(first, slug="spring-gala", title="Spring Gala")
    store.save_event(renamed)
    assert store.get_event(first.id) == renamed
    assert store.find_event_by_slug("spring-gala") == renamed
    assert store.find_event_by_slug(first.slug) is None
    with pytest.raises(Conflict):
        store.save_event(replace(second, slug="spring-gala"))
    assert store.get_event(second.id) == second
    store.save_event(replace(renamed, id="evt_missing", slug="nowhere"))  # no such event: nothing
    assert store.get_event("evt_missing") is None and store.find_event_by_slug("nowhere") is None


# ------------------------------------------------------------------ retries and tokens
class Flaky:
    """The real client, but TransactWriteItems is cancelled for a conflict `conflicts` times."""

    def __init__(self, client: Any, conflicts: int) -> None:
        self._client = client
        self.conflicts = conflicts
        self.tokens: list[str | None] = []
        self._lock = threading.Lock()

    def transact_write_items(self, **kwargs: Any) -> Any:
        with self._lock:
            self.tokens.append(kwargs.get("ClientRequestToken"))
            conflict = self.conflicts > 0
            self.conflicts -= conflict
        if conflict:
            reasons = [{"Code": "None"}] * (len(kwargs["TransactItems"]) - 1) + [{"Code": "TransactionConflict"}]
            raise ClientError(
                {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                 "CancellationReasons": reasons},
                "TransactWriteItems",
            )
        return self._client.transact_write_items(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_conflicts_are_retried_with_fresh_tokens(store: DynamoStore, clock: ManualClock) -> None:
    flaky = Flaky(store.client, conflicts=3)
    retrying = DynamoStore(TABLE, client=flaky)
    service = make_service(retrying, clock)
    event, tiers = publish_event(service)
    flaky.tokens.clear()
    flaky.conflicts = 3
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    assert len(flaky.tokens) == 4
    assert len(set(flaky.tokens)) == 4 and all(t and len(t) <= 36 for t in flaky.tokens)
    assert flaky.tokens[0][:30] == flaky.tokens[3][:30]  # same request, next attempt
    assert retrying.get_reservation(reservation.id) == reservation
    assert retrying.get_tiers(event.id)[0].held == 2


def test_endless_conflicts_give_up(store: DynamoStore, clock: ManualClock) -> None:
    service = make_service(store, clock)
    event, tiers = publish_event(service)
    flaky = Flaky(store.client, conflicts=100)
    giving_up = DynamoStore(TABLE, client=flaky, max_attempts=3)
    reservation = make_service(giving_up, clock)._price(
        service.catalog.event_view(event.id), {tiers[0].id: 1}, BUYER, "res_conflicted", None
    )
    with pytest.raises(StoreBusy):  # the API's 503 store_busy, not an unhandled ClientError
        giving_up.reserve(reservation)
    assert len(flaky.tokens) == 3
    assert store.get_reservation("res_conflicted") is None


# ------------------------------------------------------------------ the table
def test_create_table_command(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--table", "cli-table", "--region", "eu-west-1"]
    assert create_table_command(args) == 0
    assert create_table_command(args) == 0
    out = capsys.readouterr().out
    assert "cli-table: created" in out and "cli-table: already exists" in out
    import boto3

    table = boto3.client("dynamodb", region_name="eu-west-1").describe_table(TableName="cli-table")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {index["IndexName"]: index["Projection"]["ProjectionType"]
            for index in table["GlobalSecondaryIndexes"]} == {"GSI1": "ALL", "GSI2": "KEYS_ONLY"}


def test_open_store_understands_dynamodb_urls(aws: None, tmp_path: Any) -> None:
    from eventflow.store import open_store

    opened = open_store("dynamodb://url-table?region=eu-west-1", tmp_path)
    assert isinstance(opened, DynamoStore) and opened.table_name == "url-table"
    opened.create_table()
    opened.ping()
    opened.close()


def test_ping_fails_without_the_table(aws: None) -> None:
    with pytest.raises(ClientError):
        DynamoStore("no-such-table", region_name="eu-west-1").ping()


class HidesExistingReservation:
    """The real client, but a cancelled transaction reports nothing for its last item (the
    reservation), as if DynamoDB had stopped at the first failed condition."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def transact_write_items(self, **kwargs: Any) -> Any:
        try:
            return self._client.transact_write_items(**kwargs)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons")
            if reasons:
                reasons[-1] = {"Code": "None"}
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_a_keyed_retry_gets_its_reservation_even_when_sold_out(store: DynamoStore, clock: ManualClock) -> None:
    service = make_service(DynamoStore(TABLE, client=HidesExistingReservation(store.client)), clock)
    event, tiers = publish_event(service, capacities=(100, 50, 3))
    first = service.reserve(event.id, [LineRequest(tiers[2].id, 3)], BUYER, idempotency_key="last-seats")
    again = service.reserve(event.id, [LineRequest(tiers[2].id, 3)], BUYER, idempotency_key="last-seats")
    assert again == first
    with pytest.raises(SoldOut):
        service.reserve(event.id, [LineRequest(tiers[2].id, 1)], BUYER, idempotency_key="someone-else")
