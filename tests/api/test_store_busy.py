"""An overloaded DynamoDB over real HTTP: a reservation the store cannot take in time answers
503 `store_busy` with Retry-After and the error JSON, never 500, and holds nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from eventflow import api
from eventflow.app.wiring import build_services
from eventflow.config import Settings
from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Event, Tier
from eventflow.store.dynamodb.client import RETRY_BUDGET_SECONDS
from eventflow.store.dynamodb.store import DynamoStore
from tests.conftest import make_service, publish_event
from tests.server import free_port
from tests.store.moto_server import REGION, in_process_table
from tests.store.test_dynamodb_busy import Throttling

TABLE = "eventflow-busy-api"


@pytest.fixture
def table() -> Iterator[DynamoStore]:
    with in_process_table(TABLE) as store:
        yield store


@pytest.fixture
def on_sale(table: DynamoStore) -> tuple[Event, list[Tier]]:
    return publish_event(make_service(table, ManualClock()))


@pytest.fixture
def throttled_api(table: DynamoStore, tmp_path: Path) -> Iterator[str]:
    """The JSON API served over HTTP (as `serve` mounts it) on a DynamoDB store whose every
    transaction DynamoDB throttles; yields its base URL."""
    settings = Settings(data_dir=tmp_path, store=f"dynamodb://{TABLE}?region={REGION}",
                        secret_key="s" * 32)
    services = build_services(settings)
    store = services.ticketing.store
    assert isinstance(store, DynamoStore)
    store.client = Throttling(store.client)
    root = FastAPI()
    root.state.eventflow = services
    api.install_error_handlers(root)
    root.include_router(api.router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(root, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_throttled_reservation_answers_503_with_retry_after(
    throttled_api: str, table: DynamoStore, on_sale: tuple[Event, list[Tier]],
) -> None:
    event, tiers = on_sale
    started = time.monotonic()
    response = httpx.post(f"{throttled_api}/events/{event.id}/reservations", timeout=10, json={
        "lines": [{"tier_id": tiers[0].id, "quantity": 2}],
        "buyer": {"email": "buyer@example.com", "name": "Bea Buyer"},
    })
    assert time.monotonic() - started < RETRY_BUDGET_SECONDS + 1.5
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert response.json() == {"error": "store_busy", "detail": response.json()["detail"]}
    assert "try again" in response.json()["detail"]
    assert [tier.held for tier in table.get_tiers(event.id)] == [0] * len(tiers)
    assert [tier.sold for tier in table.get_tiers(event.id)] == [0] * len(tiers)
