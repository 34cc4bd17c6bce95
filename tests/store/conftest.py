"""The `store` fixture runs each contract test on every store implementation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from eventflow.domain.ports import Store
from tests.store.moto_server import in_process_table


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        from eventflow.store.sqlite.store import SqliteStore

        sqlite_store = SqliteStore(tmp_path / "contract.db")
        yield sqlite_store
        sqlite_store.close()
        return
    with in_process_table("eventflow-contract") as dynamo_store:
        yield dynamo_store
