"""moto for every test that needs DynamoDB: in process (`mocked_aws`, `in_process_table`) or over
real HTTP (`moto_server`). Tests and benchmarks start moto through here, nowhere else.

In process: moto's `mock_aws` patches boto3 inside this process, with fake credentials in the
environment; requests never leave the process, and moto handles them on the calling thread.

Over HTTP, one request at a time: moto's server mode is not thread-safe for conditional writes (two
requests can interleave inside one TransactWriteItems), so the concurrency tests serve it with a
single-threaded werkzeug server: requests are handled strictly one after another, each atomic, as
DynamoDB guarantees for each request. Clients can be as concurrent as they like; they queue on the
socket.

moto rolls a cancelled TransactWriteItems back by deep-copying the *whole table* before every
transaction, which makes each transaction O(table size): 15 ms on an empty table, 70 ms after
300 reservations. While the server runs, `item_level_rollback` snapshots only the items the
transaction names instead (same outcome: a cancelled transaction leaves every item as it was),
so a load test measures the store rather than moto's copying.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eventflow.store.dynamodb.store import DynamoStore

REGION = "eu-west-1"
FAKE_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "region_name": REGION,
}
# The same, as the environment variables boto3 reads when nothing is passed (e.g. `open_store`).
FAKE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": FAKE_CREDENTIALS["aws_access_key_id"],
    "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIALS["aws_secret_access_key"],
    "AWS_DEFAULT_REGION": REGION,
}


@contextmanager
def mocked_aws() -> Iterator[None]:
    """moto's in-process AWS (`mock_aws`) with fake credentials in the environment, both undone on
    exit. Skips the calling test when moto is not installed."""
    import pytest

    moto = pytest.importorskip("moto")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name, value in FAKE_ENVIRONMENT.items():
            monkeypatch.setenv(name, value)
        with moto.mock_aws():
            yield


@contextmanager
def in_process_table(table_name: str) -> Iterator[DynamoStore]:
    """`mocked_aws()` with the EventFlow table created: yields a DynamoStore on it."""
    with mocked_aws():
        from eventflow.store.dynamodb.store import DynamoStore

        store = DynamoStore(table_name, region_name=REGION)
        store.create_table()
        try:
            yield store
        finally:
            store.close()


@contextmanager
def moto_server(fast_rollback: bool = True, operations: list[str] | None = None) -> Iterator[str]:
    """Serve moto on 127.0.0.1 (a free port) in a background thread; yields the endpoint URL.

    With `operations`, the DynamoDB operation of every request (e.g. "BatchGetItem") is appended."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if operations is not None:
            operations.append(environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")[2])
        return moto_app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    with item_level_rollback(enabled=fast_rollback):
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


class _CopyWithoutTables:
    """Stands in for the `copy` module inside moto.dynamodb.models: deep copies of a Table are
    the table itself (its whole-table rollback becomes a no-op), everything else is copied."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, self._table_type):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


@contextmanager
def item_level_rollback(enabled: bool = True) -> Iterator[None]:
    """Patch moto (process-wide, until exit) to roll transactions back item by item.

    Only valid while requests are served one at a time, which the server above guarantees."""
    if not enabled:
        yield
        return
    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    backend_type = models.DynamoDBBackend
    original = backend_type.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshot = []
        for entry in transact_items:
            operation, request = next(iter(entry.items()))
            table = self.tables.get(request.get("TableName"))
            attributes = request.get("Item" if operation == "Put" else "Key") or {}
            if table is None or table.hash_key_attr not in attributes:
                continue  # moto rejects the request before writing anything
            hash_key = DynamoType(attributes[table.hash_key_attr])
            range_key = None
            if table.range_key_attr is not None:
                if table.range_key_attr not in attributes:
                    continue
                range_key = DynamoType(attributes[table.range_key_attr])
            before = copy.deepcopy(table.get_item(hash_key, range_key))
            snapshot.append((table, hash_key, range_key, before))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, before in reversed(snapshot):
                if before is None:
                    table.delete_item(hash_key, range_key)
                elif range_key is None:
                    table.items[hash_key] = before
                else:
                    table.items[hash_key][range_key] = before
            raise

    real_copy = models.copy
    models.copy = _CopyWithoutTables(Table)  # type: ignore[assignment]
    backend_type.transact_write_items = transact_write_items  # type: ignore[method-assign]
    try:
        yield
    finally:
        backend_type.transact_write_items = original  # type: ignore[method-assign]
        models.copy = real_copy


def dynamodb_client(endpoint_url: str, max_pool_connections: int = 64) -> Any:
    """A thread-safe low-level client for the moto server (fake credentials, generous retries)."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint_url,
        config=Config(
            max_pool_connections=max_pool_connections,
            retries={"mode": "standard", "max_attempts": 10},
            connect_timeout=10,
            read_timeout=60,
        ),
        **FAKE_CREDENTIALS,
    )
