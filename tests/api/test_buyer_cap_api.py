"""The organizer's tickets-per-buyer cap over the API (issue 13): set in the sale settings, it refuses a buyer whose
bought tickets plus the new ones exceed it, in a 409 `buyer_limit_reached` that says how many they have."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventflow.domain.clock import ManualClock
from tests.api.test_waiting_room_api import Shop, free_event, open_shop


@pytest.fixture
def shop(tmp_path: Path, clock: ManualClock) -> Iterator[Shop]:
    with open_shop(tmp_path, clock) as opened:
        yield opened


def test_bought_tickets_count_against_the_organizers_cap(shop: Shop) -> None:
    client, services, auth = shop
    event_id, tier_id = free_event(client, auth, capacity=40)
    saved = client.put(f"/api/v1/events/{event_id}/sale-settings", headers=auth, json={"max_tickets_per_buyer": 3})
    assert saved.status_code == 200 and saved.json()["max_tickets_per_buyer"] == 3
    assert client.put(f"/api/v1/events/{event_id}/sale-settings", headers=auth,
                      json={"max_tickets_per_buyer": 0}).status_code == 422

    def reserve(quantity: int) -> Any:
        return client.post(f"/api/v1/events/{event_id}/reservations", json={
            "lines": [{"tier_id": tier_id, "quantity": quantity}],
            "buyer": {"email": "fan@example.com", "name": "Fan"}})

    first = reserve(2)
    assert first.status_code == 201
    services.ticketing.confirm(first.json()["id"], "free")
    refused = reserve(2)
    assert refused.status_code == 409
    assert refused.json()["error"] == "buyer_limit_reached"
    assert "at most 3" in refused.json()["detail"] and "you have 2" in refused.json()["detail"]
    assert reserve(1).status_code == 201
