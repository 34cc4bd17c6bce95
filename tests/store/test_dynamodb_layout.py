"""The DynamoDB item layout of issue 10, request by request (in-process moto): holds that name no
event item, the event's status copied to the tier counters (and the order of those writes),
tables written before that layout, sharded tiers edited, orders spread over index partitions,
conflicting shards swapped, and retries that never sleep."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest

pytest.importorskip("moto")

from botocore.exceptions import ClientError

from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import CapacityBelowSold, NotOnSale, StoreBusy
from eventflow.domain.models import EventStatus
from eventflow.domain.reservations import LineRequest
from eventflow.store.dynamodb.items import ORDER_SHARDS
from eventflow.store.dynamodb.store import DynamoStore
from tests.conftest import BUYER, make_service, publish_event
from tests.store.moto_server import REGION, mocked_aws

TABLE = "eventflow-layout"


class Recording:
    """The real client; every write request's item keys recorded in order."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.writes: list[tuple[str, list[str]]] = []
        self.conflict_on: set[str] = set()  # SKs whose next TransactWriteItems is a conflict

    def transact_write_items(self, **kwargs: Any) -> Any:
        names = [next(iter(entry.values())) for entry in kwargs["TransactItems"]]
        sks = [(n.get("Key") or n["Item"])["SK"]["S"] for n in names]
        self.writes.append(("transact", sks))
        hit = [sk for sk in sks if sk in self.conflict_on]
        if hit:
            self.conflict_on -= set(hit)
            reasons = [{"Code": "TransactionConflict" if sk in hit else "None"} for sk in sks]
            raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                               "CancellationReasons": reasons}, "TransactWriteItems")
        return self._client.transact_write_items(**kwargs)

    def put_item(self, **kwargs: Any) -> Any:
        self.writes.append(("put", [kwargs["Item"]["SK"]["S"]]))
        return self._client.put_item(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def recording() -> Iterator[Recording]:
    with mocked_aws():
        import boto3

        client = Recording(boto3.client("dynamodb", region_name=REGION))
        DynamoStore(TABLE, client=client).create_table()
        yield client


def _store(recording: Recording, shard_capacity: int = 1_000) -> DynamoStore:
    return DynamoStore(TABLE, client=recording, shard_capacity=shard_capacity)


def _item(store: DynamoStore, pk: str, sk: str) -> dict[str, Any]:
    return dict(store.client.get_item(TableName=TABLE, Key={"PK": {"S": pk}, "SK": {"S": sk}})["Item"])


def test_a_hold_names_its_tier_counter_and_its_reservation_only(recording: Recording, clock: ManualClock) -> None:
    service = make_service(_store(recording), clock)
    event, tiers = publish_event(service)
    recording.writes.clear()
    service.reserve(event.id, [LineRequest(tiers[0].id, 2), LineRequest(tiers[1].id, 1)], BUYER)
    [(kind, sks)] = recording.writes
    assert kind == "transact" and sks[:2] == [f"TIER#{tiers[0].id}", f"TIER#{tiers[1].id}"] and sks[2] == "RES"
    assert "EVENT" not in sks


def test_the_event_status_reaches_its_tiers_closing_first(recording: Recording, clock: ManualClock) -> None:
    store = _store(recording, shard_capacity=40)
    service = make_service(store, clock)
    event, tiers = publish_event(service)  # tier 0 of capacity 100: two shards
    statuses = {i["SK"]["S"]: i["event_status"]["S"] for i in _tier_items(store, event.id)}
    assert len(statuses) == 5 and set(statuses.values()) == {"published"}
    pending = service._price(service.catalog.event_view(event.id), {tiers[0].id: 1}, BUYER, "res_late", None)
    recording.writes.clear()
    store.save_event(event.with_status(EventStatus.CANCELLED))
    order = [sk for _, sks in recording.writes for sk in sks]
    assert order.index("EVENT") > max(order.index(sk) for sk in statuses)  # sales stop first
    assert {i["event_status"]["S"] for i in _tier_items(store, event.id)} == {"cancelled"}
    with pytest.raises(NotOnSale):
        store.reserve(pending)
    store.save_event(event)  # published again: the event first, then its tiers
    assert {i["event_status"]["S"] for i in _tier_items(store, event.id)} == {"published"}
    assert store.reserve(pending)[1]


def _tier_items(store: DynamoStore, event_id: str) -> list[dict[str, Any]]:
    return list(store._partition_items(f"EVENT#{event_id}", "TIER#"))


def test_tiers_from_before_the_layout_open_on_a_hold(recording: Recording, clock: ManualClock) -> None:
    store = _store(recording)
    service = make_service(store, clock)
    event, tiers = publish_event(service)
    draft, draft_tiers = publish_event(service)
    store.save_event(draft.with_status(EventStatus.DRAFT))
    for e, ts in ((event, tiers), (draft, draft_tiers)):  # as an old table has them: no event_status
        for tier in ts:
            tier_key = {"PK": {"S": f"EVENT#{e.id}"}, "SK": {"S": f"TIER#{tier.id}"}}
            store.client.update_item(TableName=TABLE, Key=tier_key, UpdateExpression="REMOVE event_status")
    service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    assert {i.get("event_status", {}).get("S") for i in _tier_items(store, event.id)} == {"published"}
    assert store.get_tiers(event.id)[0].held == 2
    held = service.reserve(event.id, [LineRequest(tiers[1].id, 1)], BUYER)
    line = replace(held.lines[0], tier_id=draft_tiers[0].id, tier_version=draft_tiers[0].version)
    with pytest.raises(NotOnSale):  # an old tier of an event that is not published stays closed
        store.reserve(replace(held, id="res_draft", event_id=draft.id, lines=(line,), idempotency_key=None))
    assert all("event_status" not in i for i in _tier_items(store, draft.id))


def test_a_sharded_tier_spreads_its_capacity_and_edits(recording: Recording, clock: ManualClock) -> None:
    store = _store(recording, shard_capacity=25)
    service = make_service(store, clock)
    event, tiers = publish_event(service, capacities=(100, 10), prices=(2500, 0))
    def shards() -> list[tuple[str, int]]:
        items = _tier_items(store, event.id)
        return sorted((i["SK"]["S"], int(i["available"]["N"])) for i in items if i["kind"]["S"] == "tier_shard")

    assert [a for _, a in shards()] == [25, 25, 25, 25] and len(shards()) == 4  # tier 1 (10) unsharded
    service.reserve(event.id, [LineRequest(tiers[0].id, 10)], BUYER)  # more than one shard has: split
    stored = store.get_tiers(event.id)[0]
    assert (stored.held, sum(a for _, a in shards())) == (10, 90)
    grown = store.update_tier(replace(stored, capacity=110))
    assert (grown.capacity, grown.held, grown.version) == (110, 10, stored.version + 1)
    assert sum(a for _, a in shards()) == 100
    shrunk = store.update_tier(replace(grown, capacity=11))
    assert (shrunk.capacity, sum(a for _, a in shards())) == (11, 1)
    with pytest.raises(CapacityBelowSold):
        store.update_tier(replace(shrunk, capacity=9))
    service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)  # the new version, on a shard
    assert store.tier_counts([event.id])[event.id][0].held == 11


def test_a_conflicting_shard_is_swapped_for_another_at_once(recording: Recording, clock: ManualClock) -> None:
    store = _store(recording, shard_capacity=25)
    service = make_service(store, clock)
    event, tiers = publish_event(service, capacities=(100,), prices=(2500,))
    recording.conflict_on = {f"TIER#{tiers[0].id}#SHARD#{k:02d}" for k in range(4)}
    recording.writes.clear()
    started = time.monotonic()
    service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
    tried = [sks[0] for _, sks in recording.writes]
    assert 2 <= len(tried) <= 5 and all(a != b for a, b in pairwise(tried))  # never resent
    assert store.get_tiers(event.id)[0].held == 1
    assert time.monotonic() - started < 0.5


def test_orders_spread_over_index_partitions_old_ones_listed(recording: Recording, clock: ManualClock) -> None:
    store = _store(recording)
    service = make_service(store, clock)
    event, tiers = publish_event(service)
    orders = []
    for _ in range(24):
        orders.append(service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER).id, "pay"))
        clock.advance(seconds=1)
    partitions = {_item(store, f"ORDER#{o.id}", "ORDER")["GSI1PK"]["S"] for o in orders}
    assert len(partitions) > 1 and partitions <= {f"ORDERS#{event.id}#{k}" for k in range(ORDER_SHARDS)}
    old = orders[5]  # as written before the spread: in the event's one partition
    for pk, sk in [(f"ORDER#{old.id}", "ORDER")] + [(f"TICKET#{t.id}", "TICKET") for t in old.tickets]:
        store.client.update_item(TableName=TABLE, Key={"PK": {"S": pk}, "SK": {"S": sk}},
                                 UpdateExpression="SET GSI1PK = :pk",
                                 ExpressionAttributeValues={":pk": {"S": f"ORDERS#{event.id}"}})
    assert store.list_orders(event.id) == orders
    assert store.orders_page(event.id, None, 30) == orders[::-1]
    page = store.orders_page(event.id, (orders[10].created_at, orders[10].id), 3)
    assert page == orders[9:6:-1]


def test_a_throttled_hold_never_sleeps(
    recording: Recording, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = make_service(_store(recording), clock)
    event, tiers = publish_event(service)

    def refuse(**kwargs: Any) -> Any:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems")

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"a worker thread slept {seconds} s")

    monkeypatch.setattr(recording, "transact_write_items", refuse)
    monkeypatch.setattr(time, "sleep", no_sleep)
    with pytest.raises(StoreBusy):
        service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
