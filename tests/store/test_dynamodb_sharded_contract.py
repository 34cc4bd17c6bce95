"""The store contract once more, on a DynamoDB store that shards every tier it can.

With `shard_capacity=1`, every tier of capacity >= 2 keeps its counters on min(16, capacity) shard
items of one or a few tickets each: nearly every hold finds its first shard short and is planned
again over several shards, every confirmation, release, expiry, refund and capacity edit goes
through the shard paths (store/dynamodb/shards.py). The contract's answers must not change.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eventflow.store.dynamodb.store import DynamoStore
from tests.store import (
    test_contract,
    test_contract_dates,
    test_contract_edges,
    test_contract_paging,
    test_contract_payments,
    test_contract_reaper,
    test_contract_sales_stats,
)
from tests.store.moto_server import REGION, mocked_aws

for _module in (test_contract, test_contract_dates, test_contract_edges, test_contract_paging,
                test_contract_payments, test_contract_reaper, test_contract_sales_stats):
    globals().update({name: value for name, value in vars(_module).items() if name.startswith("test_")})


@pytest.fixture(params=["dynamodb-sharded"])
def store() -> Iterator[DynamoStore]:
    with mocked_aws():
        sharded = DynamoStore("eventflow-sharded", region_name=REGION, shard_capacity=1)
        sharded.create_table()
        try:
            yield sharded
        finally:
            sharded.close()
