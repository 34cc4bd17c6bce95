"""The organizer's waitlist controls over the API (issue 13), as the panel has them: the CSV export, the offer
length, and the pause whose tickets go on public sale instead of to the queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from eventflow.domain.clock import ManualClock
from tests.api.test_waiting_room_api import Shop, free_event, open_shop


@pytest.fixture
def shop(tmp_path: Path, clock: ManualClock) -> Iterator[Shop]:
    with open_shop(tmp_path, clock) as opened:
        yield opened


def test_export_and_pause_the_waitlist_over_the_api(shop: Shop, clock: ManualClock) -> None:
    client, services, auth = shop
    event_id, tier_id = free_event(client, auth, capacity=1)
    assert client.post(f"/api/v1/events/{event_id}/reservations", json={
        "lines": [{"tier_id": tier_id, "quantity": 1}],
        "buyer": {"email": "hold@example.com", "name": "Holder"}}).status_code == 201
    url = f"/api/v1/events/{event_id}/tiers/{tier_id}/waitlist"
    for name in ("Ada", "=Bob"):  # a formula-looking name comes out as text
        assert client.post(url, json={"email": f"{name[-3:].lower()}@example.com", "name": name}).status_code == 201

    sheet = client.get(f"/api/v1/events/{event_id}/waitlist.csv", headers=auth)
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    rows = sheet.text.strip().splitlines()
    assert rows[0].startswith("position,tier_id,name,email") and len(rows) == 3
    assert "ada@example.com" in rows[1] and "'=Bob" in rows[2]

    settings = f"/api/v1/events/{event_id}/waitlist/settings"
    assert client.get(settings, headers=auth).json() == {"event_id": event_id, "offer_minutes": 30,
                                                         "partial": True, "paused": False}
    assert client.put(settings, headers=auth, json={"offer_minutes": 0}).status_code == 422
    assert client.put(settings, headers=auth, json={"paused": "yes"}).status_code == 422
    paused = client.put(settings, headers=auth, json={"paused": True, "offer_minutes": 45})
    assert paused.json() == {"event_id": event_id, "offer_minutes": 45, "partial": True, "paused": True}

    clock.advance(timedelta(minutes=16))  # the hold ends: paused, its ticket goes on sale, not to Ada
    services.ticketing.release_expired_holds()
    services.waitlist.process()
    assert client.get(f"/api/v1/events/{event_id}").json()["tiers"][0]["available"] == 1
    assert client.get(settings).status_code == 401
