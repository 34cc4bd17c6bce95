"""The `store` fixture runs each contract test on every store implementation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from eventflow.domain.ports import Store


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        from eventflow.store.sqlite.store import SqliteStore

        sqlite_store = SqliteStore(tmp_path / "contract.db")
        yield sqlite_store
        sqlite_store.close()
        return
    moto = pytest.importorskip("moto")
    monkeypatch = pytest.MonkeyPatch()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        from eventflow.store.dynamodb.store import DynamoStore

        dynamo_store = DynamoStore("eventflow-contract", region_name="eu-west-1")
        dynamo_store.create_table()
        yield dynamo_store
    monkeypatch.undo()
