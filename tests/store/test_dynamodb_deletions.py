"""Deleting a sharded tier on DynamoDB: the shard items' counters are the condition, and they go too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eventflow.domain.errors import TierHasSales
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest
from tests.conftest import BUYER, make_service, publish_event


@pytest.fixture
def sharded() -> Iterator[Store]:
    from eventflow.store.dynamodb.store import DynamoStore
    from tests.store.moto_server import REGION, mocked_aws

    with mocked_aws():
        store = DynamoStore("eventflow-deletions", region_name=REGION, shard_capacity=1)
        store.create_table()
        try:
            yield store
        finally:
            store.close()


def test_a_sharded_tier_goes_with_its_shards(sharded: Store, clock) -> None:  # type: ignore[no-untyped-def]
    service = make_service(sharded, clock)
    event, tiers = publish_event(service, capacities=(4, 4), prices=(2500, 0))
    service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)  # one shard holds one
    with pytest.raises(TierHasSales):
        sharded.delete_tier(event.id, tiers[0].id)
    sharded.delete_tier(event.id, tiers[1].id)
    assert [t.id for t in sharded.get_tiers(event.id)] == [tiers[0].id]
    assert [[c.capacity for c in counts] for counts in sharded.tier_counts([event.id]).values()] == [[4]]
