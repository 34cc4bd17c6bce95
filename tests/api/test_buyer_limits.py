"""Limits against bots over real HTTP (issue 13): one standing hold per buyer, and a rate limit on
reserving that answers 429 `rate_limited` with Retry-After. The shared test server runs without
them (its tests reuse one buyer and one IP); this one starts a server with them on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.test_api import published_event
from tests.server import running_app


@pytest.fixture(scope="module")
def limited_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    data_dir: Path = tmp_path_factory.mktemp("limits")
    with running_app(data_dir, EVENTFLOW_ONE_HOLD_PER_BUYER="true", EVENTFLOW_RESERVE_RATE_LIMIT="4/minute",
                     EVENTFLOW_DROP_HOLD_MINUTES="5") as url, \
            httpx.Client(base_url=f"{url}/api/v1", timeout=10) as client:
        yield client


def test_seven_anonymous_requests_no_longer_hold_a_whole_tier(limited_api: httpx.Client) -> None:
    event, _ = published_event(limited_api, capacities=(12,))  # max_per_order 4
    tier = event["tiers"][0]
    body = {"lines": [{"tier_id": tier["id"], "quantity": 4}], "buyer": {"email": "bot@example.com", "name": "Bot"},
            "buyer_token": "one-browser"}
    answers = [limited_api.post(f"/events/{event['id']}/reservations", json=body) for _ in range(7)]
    assert [a.status_code for a in answers] == [201] * 4 + [429] * 3
    limited = answers[-1]
    assert limited.json()["error"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    held = [limited_api.get(f"/reservations/{a.json()['id']}").json()["status"] for a in answers[:4]]
    assert held == ["cancelled"] * 3 + ["held"]  # each hold replaced the previous one
    left = limited_api.get(f"/events/{event['id']}").json()["tiers"][0]
    assert left["available"] == 12 - 4
