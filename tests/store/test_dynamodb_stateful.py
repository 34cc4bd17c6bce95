"""Inventory invariants under random sequences of buyer, payment, clock and reaper actions.

A hypothesis state machine drives the service layer (two instances sharing one store, as two
app servers would) with reserve / idempotent retry / confirm / cancel / time passing / a reaper
run on both instances, and keeps a model of what every reservation should be. After every step,
for every tier: held + sold <= capacity, held == the quantities of held reservations, sold ==
the quantities of confirmed ones, and no reservation has been released twice. The same machine
runs on SqliteStore and on DynamoStore (moto, in process).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import ReservationClosed, SoldOut
from eventflow.domain.models import Reservation, ReservationStatus
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest
from tests.conftest import BUYER, make_service, publish_event
from tests.store.moto_server import mocked_aws

CAPACITIES = (3, 2)  # tiny, so holds, expiries and late payments compete for the last seats
HELD, CONFIRMED = ReservationStatus.HELD, ReservationStatus.CONFIRMED
CANCELLED, EXPIRED = ReservationStatus.CANCELLED, ReservationStatus.EXPIRED

StoreFactory = Callable[[], tuple[Store, Callable[[], None], Callable[[str, str], dict[str, int]] | None]]


class CountingStore:
    """The real store, counting successful releases per reservation."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.releases: Counter[str] = Counter()

    def release(self, reservation_id: str, status: ReservationStatus, now: datetime) -> Reservation | None:
        released = self._store.release(reservation_id, status, now)
        if released is not None:
            self.releases[reservation_id] += 1
        return released

    def release_expired(self, now: datetime, limit: int = 500) -> list[Reservation]:
        released = self._store.release_expired(now, limit)
        self.releases.update(reservation.id for reservation in released)
        return released

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@dataclass
class Expected:
    quantities: dict[str, int]
    status: ReservationStatus
    expires_at: datetime
    order_id: str | None = None


class InventoryMachine(RuleBasedStateMachine):
    open_store: StoreFactory  # set by each test

    def __init__(self) -> None:
        super().__init__()
        store, self._close, self._raw_tier = self.open_store()
        self.store = CountingStore(store)
        self.clock = ManualClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
        self.instances = [make_service(self.store, self.clock) for _ in range(2)]  # type: ignore[arg-type]
        event, tiers = publish_event(self.instances[0], capacities=CAPACITIES, prices=(1500, 0))
        self.event_id = event.id
        self.tier_ids = [tier.id for tier in tiers]
        self.capacity = dict(zip(self.tier_ids, CAPACITIES, strict=True))
        self.expected: dict[str, Expected] = {}
        self.keys: dict[str, tuple[str, list[LineRequest]]] = {}  # idempotency key -> (id, lines)

    def teardown(self) -> None:
        self._close()

    # ---------------------------------------------------------------- the model
    def _total(self, tier_id: str, status: ReservationStatus) -> int:
        return sum(r.quantities.get(tier_id, 0) for r in self.expected.values() if r.status is status)

    def _fits(self, quantities: dict[str, int]) -> bool:
        return all(
            q <= self.capacity[t] - self._total(t, HELD) - self._total(t, CONFIRMED)
            for t, q in quantities.items()
        )

    # ---------------------------------------------------------------- rules
    @rule(first=st.integers(0, 2), second=st.integers(0, 2), instance=st.integers(0, 1))
    def reserve(self, first: int, second: int, instance: int) -> None:
        lines = [LineRequest(t, q) for t, q in zip(self.tier_ids, (first, second), strict=True) if q]
        if not lines:
            return
        quantities = {line.tier_id: line.quantity for line in lines}
        key = f"key-{len(self.keys)}"
        fits = self._fits(quantities)
        try:
            reservation = self.instances[instance].reserve(self.event_id, lines, BUYER, idempotency_key=key)
        except SoldOut:
            assert not fits, "refused a cart that fits"
            return
        assert fits, "held a cart that does not fit"
        assert reservation.id not in self.expected
        self.expected[reservation.id] = Expected(quantities, HELD, reservation.expires_at)
        self.keys[key] = (reservation.id, lines)

    @precondition(lambda self: self.keys)
    @rule(data=st.data(), instance=st.integers(0, 1))
    def retry_with_same_key(self, data: st.DataObject, instance: int) -> None:
        key = data.draw(st.sampled_from(list(self.keys)))
        reservation_id, lines = self.keys[key]
        again = self.instances[instance].reserve(self.event_id, lines, BUYER, idempotency_key=key)
        assert again.id == reservation_id
        assert again.status is self.expected[reservation_id].status

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), instance=st.integers(0, 1))
    def confirm(self, data: st.DataObject, instance: int) -> None:
        reservation_id = data.draw(st.sampled_from(list(self.expected)))
        expected = self.expected[reservation_id]
        honoured = expected.status in (HELD, CONFIRMED) or self._fits(expected.quantities)
        try:
            order = self.instances[instance].confirm(reservation_id, payment_ref="pay")
        except SoldOut:
            assert not honoured, f"late payment refused although it fits ({expected.status})"
            return
        assert honoured, f"late payment honoured beyond capacity ({expected.status})"
        if expected.status is CONFIRMED:
            assert order.id == expected.order_id, "a second order for one reservation"
        expected.status, expected.order_id = CONFIRMED, order.id
        assert len(order.tickets) == sum(expected.quantities.values())

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), instance=st.integers(0, 1))
    def cancel(self, data: st.DataObject, instance: int) -> None:
        reservation_id = data.draw(st.sampled_from(list(self.expected)))
        expected = self.expected[reservation_id]
        try:
            cancelled = self.instances[instance].cancel(reservation_id)
        except ReservationClosed:
            assert expected.status in (CONFIRMED, EXPIRED)
            return
        assert expected.status in (HELD, CANCELLED)
        assert cancelled.status is CANCELLED
        expected.status = CANCELLED

    @rule(minutes=st.sampled_from([1, 7, 16]))  # holds last 15 minutes
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule()
    def reapers_on_two_instances(self) -> None:
        """Both instances list the due holds, then both try to release every one of them."""
        now = self.clock.now()
        due = {rid for rid, r in self.expected.items() if r.status is HELD and r.expires_at <= now}
        listed = [self.store.expired_reservation_ids(now) for _ in self.instances]
        assert [set(ids) for ids in listed] == [due, due]
        released = sum(
            instance.expire(reservation_id)
            for reservation_id in sorted(due)
            for instance in self.instances
        )
        assert released == len(due)
        for reservation_id in due:
            self.expected[reservation_id].status = EXPIRED

    @rule(limit=st.sampled_from([1, 2, 50]))
    def batch_reaper(self, limit: int) -> None:
        """The reaper's batch: the earliest due holds, at most `limit`, each released once."""
        now = self.clock.now()
        due = sorted((r.expires_at, rid) for rid, r in self.expected.items()
                     if r.status is HELD and r.expires_at <= now)
        released = self.store.release_expired(now, limit)
        assert [r.id for r in released] == [rid for _, rid in due[:limit]]
        for reservation in released:
            self.expected[reservation.id].status = EXPIRED

    # ---------------------------------------------------------------- invariants
    @invariant()
    def counts_match_the_model(self) -> None:
        for tier in self.store.get_tiers(self.event_id):
            assert tier.held + tier.sold <= tier.capacity
            assert tier.held == self._total(tier.id, HELD), "held"
            assert tier.sold == self._total(tier.id, CONFIRMED), "sold"
            if self._raw_tier is not None:
                raw = self._raw_tier(self.event_id, tier.id)
                assert raw["available"] == tier.capacity - tier.held - tier.sold, "available"

    @invariant()
    def released_at_most_once(self) -> None:
        assert all(count == 1 for count in self.store.releases.values())

    @invariant()
    def statuses_match_the_model(self) -> None:
        for reservation_id, expected in self.expected.items():
            stored = self.store.get_reservation(reservation_id)
            assert stored is not None and stored.status is expected.status
            assert stored.order_id == expected.order_id


# SQLite runs a step in well under a millisecond, moto in a few (and a new table per example): the
# logic gets its 150 examples on SQLite; DynamoDB's 12 x 25 steps prove the same machine on its
# conditional writes and keep each DynamoDB run near 15 s (CI's budget).
SQLITE_EXAMPLES = 150
DYNAMODB_EXAMPLES = 12
SETTINGS = settings(
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _run(open_store: StoreFactory, max_examples: int) -> None:
    machine = type("Machine", (InventoryMachine,), {"open_store": staticmethod(open_store)})
    run_state_machine_as_test(machine, settings=settings(SETTINGS, max_examples=max_examples))


def test_sqlite_inventory_invariants() -> None:
    from eventflow.store.sqlite.store import SqliteStore

    def open_store() -> tuple[Store, Callable[[], None], None]:
        directory = Path(tempfile.mkdtemp(prefix="eventflow-stateful-"))
        store = SqliteStore(directory / "stateful.db")

        def close() -> None:
            store.close()
            shutil.rmtree(directory, ignore_errors=True)

        return store, close, None

    _run(open_store, SQLITE_EXAMPLES)


@pytest.fixture
def aws() -> Iterator[None]:
    with mocked_aws():
        yield


def test_dynamodb_inventory_invariants(aws: None) -> None:
    from eventflow.store.dynamodb.store import DynamoStore

    def open_store() -> tuple[Store, Callable[[], None], Callable[[str, str], dict[str, int]]]:
        store = DynamoStore(f"stateful-{uuid.uuid4().hex[:12]}", region_name="eu-west-1")
        store.create_table()

        def raw_tier(event_id: str, tier_id: str) -> dict[str, int]:
            item = store.client.get_item(
                TableName=store.table_name, ConsistentRead=True,
                Key={"PK": {"S": f"EVENT#{event_id}"}, "SK": {"S": f"TIER#{tier_id}"}},
            )["Item"]
            return {name: int(item[name]["N"]) for name in ("capacity", "held", "sold", "available")}

        def close() -> None:
            store.client.delete_table(TableName=store.table_name)
            store.close()

        return store, close, raw_tier

    _run(open_store, DYNAMODB_EXAMPLES)


@pytest.mark.slow
def test_dynamodb_sharded_inventory_invariants(aws: None) -> None:
    """The same machine on a store that shards every tier (`shard_capacity=1`: one or two tickets
    per shard): `available` is checked over the SUM of the shards, and every shard's counts stay
    non-negative."""
    from eventflow.store.dynamodb.store import DynamoStore

    def open_store() -> tuple[Store, Callable[[], None], Callable[[str, str], dict[str, int]]]:
        store = DynamoStore(f"stateful-{uuid.uuid4().hex[:12]}", region_name="eu-west-1", shard_capacity=1)
        store.create_table()

        def raw_tier(event_id: str, tier_id: str) -> dict[str, int]:
            items = store.client.query(
                TableName=store.table_name, ConsistentRead=True,
                KeyConditionExpression="PK = :pk AND begins_with(SK, :tier)",
                ExpressionAttributeValues={":pk": {"S": f"EVENT#{event_id}"}, ":tier": {"S": f"TIER#{tier_id}#SHARD#"}},
            )["Items"]
            assert len(items) > 1, "every tier is sharded"
            counts = [{name: int(item[name]["N"]) for name in ("held", "sold", "available")} for item in items]
            assert all(value >= 0 for shard in counts for value in shard.values()), counts
            return {name: sum(shard[name] for shard in counts) for name in ("held", "sold", "available")}

        def close() -> None:
            store.client.delete_table(TableName=store.table_name)
            store.close()

        return store, close, raw_tier

    _run(open_store, DYNAMODB_EXAMPLES)
