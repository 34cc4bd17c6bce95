"""The DynamoDB reaper's grouped transactions: reapers on many instances racing over the
single-threaded moto server (every request atomic, interleaving real), and a group whose holds
were closed between the read and the transaction."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip("moto")
pytest.importorskip("werkzeug")

from eventflow.domain.clock import ManualClock
from eventflow.domain.models import ReservationStatus
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.store.dynamodb.store import DynamoStore
from tests.conftest import BUYER, FAST_HASHER, publish_event
from tests.store.moto_server import dynamodb_client, in_process_table, moto_server


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with moto_server() as url:
        yield url


def _raw_tier(store: DynamoStore, event_id: str, tier_id: str) -> tuple[int, int, int]:
    item = store.client.get_item(
        TableName=store.table_name, Key={"PK": {"S": f"EVENT#{event_id}"}, "SK": {"S": f"TIER#{tier_id}"}},
        ConsistentRead=True,
    )["Item"]
    return int(item["held"]["N"]), int(item["sold"]["N"]), int(item["available"]["N"])


def test_reapers_on_four_instances_release_each_hold_once(endpoint: str) -> None:
    store = DynamoStore("eventflow-reaper", client=dynamodb_client(endpoint, max_pool_connections=16))
    store.create_table()
    clock = ManualClock(datetime.now(UTC))
    service = Ticketing(store, clock, secret_key="reap", password_hasher=FAST_HASHER)
    event, (first, second) = publish_event(service, capacities=(400, 400), prices=(0, 0))
    holds = [
        service.reserve(event.id, [LineRequest(first.id, 2), LineRequest(second.id, 1 + n % 2)], BUYER)
        for n in range(120)
    ]
    clock.advance(minutes=16)

    def reaper(_: int) -> list[str]:
        mine: list[str] = []
        while batch := store.release_expired(clock.now(), limit=40):
            mine.extend(r.id for r in batch)
        return mine

    with ThreadPoolExecutor(4) as pool:
        released = [rid for mine in pool.map(reaper, range(4)) for rid in mine]
    assert sorted(released) == sorted(h.id for h in holds)  # each exactly once
    assert _raw_tier(store, event.id, first.id) == (0, 0, 400)
    assert _raw_tier(store, event.id, second.id) == (0, 0, 400)
    assert {store.get_reservation(h.id).status for h in holds} == {ReservationStatus.EXPIRED}
    assert store.expired_reservation_ids(clock.now()) == []


def test_holds_closed_after_the_read_are_left_out_of_the_group(monkeypatch: pytest.MonkeyPatch) -> None:
    with in_process_table("eventflow-reaper-stale") as store:
        clock = ManualClock(datetime.now(UTC))
        service = Ticketing(store, clock, secret_key="reap", password_hasher=FAST_HASHER)
        event, (tier,) = publish_event(service, capacities=(50,), prices=(0,))
        holds = [service.reserve(event.id, [LineRequest(tier.id, 1)], BUYER) for _ in range(6)]
        clock.advance(minutes=16)
        read = store._batch_get
        raced: list[bool] = []

        def read_then_race(*args: Any, **kwargs: Any) -> Any:
            found = read(*args, **kwargs)
            if not raced:  # the reaper's first read; the racers' own reads (release reads waitlists) pass
                raced.append(True)
                # another instance's reaper and a late payment get there between the read and the write
                store.release(holds[1].id, ReservationStatus.EXPIRED, clock.now())
                service.confirm(holds[4].id, payment_ref="late")
            return found

        monkeypatch.setattr(store, "_batch_get", read_then_race)
        released = store.release_expired(clock.now())
        # same expiry for all: ordered by id
        assert [r.id for r in released] == sorted(h.id for i, h in enumerate(holds) if i not in (1, 4))
        assert _raw_tier(store, event.id, tier.id) == (0, 1, 49)
