"""`GET /api/v1/events/{id}` says whether the sale has a waiting room or runs as a drop, when it opens, and the
queue's length once the room has drawn (issue 13): a client knows to queue before it tries to reserve."""

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


def test_the_event_tells_its_waiting_room_opening_and_queue(shop: Shop, clock: ManualClock) -> None:
    client, _, auth = shop
    event_id, _ = free_event(client, auth, capacity=40)
    plain = client.get(f"/api/v1/events/{event_id}").json()["room"]
    assert plain == {"waiting_room": False, "opens_at": None, "open": True, "drop_mode": False,
                     "queue_length": None}

    opens = clock.now() + timedelta(minutes=10)
    assert client.put(f"/api/v1/events/{event_id}/sale-settings", headers=auth, json={
        "waiting_room": True, "opens_at": opens.isoformat(), "drop_mode": True}).status_code == 200
    joined = [client.post(f"/api/v1/events/{event_id}/waiting-room", json={}).json() for _ in range(3)]
    before = client.get(f"/api/v1/events/{event_id}").json()["room"]
    assert (before["waiting_room"], before["open"], before["drop_mode"], before["queue_length"]) == (
        True, False, True, None)  # early arrivals are not counted before the draw (no item every join touches)
    assert before["opens_at"].startswith(opens.strftime("%Y-%m-%dT%H:%M"))

    clock.advance(timedelta(minutes=10))
    client.get(f"/api/v1/events/{event_id}/waiting-room/{joined[0]['visitor_id']}")  # the first poll draws
    client.post(f"/api/v1/events/{event_id}/waiting-room", json={})  # a late arrival
    after = client.get(f"/api/v1/events/{event_id}").json()["room"]
    assert (after["open"], after["queue_length"]) == (True, 4)
    assert client.get("/api/v1/events/evt_nope").status_code == 404
