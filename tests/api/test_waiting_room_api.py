"""Fair sales over the API (issue 13), in process on a manual clock: the product's default limits stop the
seven-requests attack, and a waiting-room on-sale goes join -> random draw at the opening -> admission in
the drawn order -> a signed pass that `reserve` requires."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from eventflow import api
from eventflow.app.wiring import build_services
from eventflow.config import Settings
from eventflow.domain.clock import ManualClock
from eventflow.services import Services
from tests.fair_off import FAIR_OFF

Shop = tuple[TestClient, Services, dict[str, str]]


@contextmanager
def open_shop(tmp_path: Path, clock: ManualClock) -> Iterator[Shop]:
    """The API in process on a fresh SQLite file, with the settings the environment gives."""
    services = build_services(Settings(_env_file=None, data_dir=tmp_path, demo_data=False), clock=clock)
    app = FastAPI()
    api.install_error_handlers(app)
    app.include_router(api.router)
    app.state.eventflow = services
    with TestClient(app) as client:
        organizer = services.ticketing.sign_up("fair@example.com", "correct horse", "Fay")
        yield client, services, {"Authorization": f"Bearer {services.tokens.organizer_token(organizer)}"}
    services.ticketing.store.close()


@pytest.fixture
def shop(tmp_path: Path, clock: ManualClock) -> Iterator[Shop]:
    with open_shop(tmp_path, clock) as opened:
        yield opened


def free_event(client: TestClient, auth: dict[str, str], capacity: int) -> tuple[str, str]:
    event = client.post("/api/v1/events", headers=auth, json={
        "title": "Drop", "starts_at": "2027-05-01T19:00:00+00:00", "ends_at": "2027-05-01T22:00:00+00:00",
        "timezone": "UTC", "currency": "EUR"}).json()
    tier = client.post(f"/api/v1/events/{event['id']}/tiers", headers=auth,
                       json={"name": "Entry", "price_minor": 0, "capacity": capacity, "max_per_order": 4}).json()
    assert client.post(f"/api/v1/events/{event['id']}/publish", headers=auth).status_code == 200
    return event["id"], tier["id"]


def hold(client: TestClient, event_id: str, tier_id: str, email: str, **extra: Any) -> Any:
    return client.post(f"/api/v1/events/{event_id}/reservations", json={
        "lines": [{"tier_id": tier_id, "quantity": 4}], "buyer": {"email": email, "name": "Bot"}, **extra})


def test_the_seven_requests_attack_fails_with_the_product_defaults(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clock: ManualClock) -> None:
    for name in FAIR_OFF:  # the product's defaults, not the test fixtures' opt-out
        monkeypatch.delenv(name, raising=False)
    with open_shop(tmp_path, clock) as (client, _, auth):
        seven_requests(client, auth)


def seven_requests(client: TestClient, auth: dict[str, str]) -> None:
    event_id, tier_id = free_event(client, auth, capacity=200)
    answers = [hold(client, event_id, tier_id, "bot@example.com") for _ in range(7)]
    assert [a.status_code for a in answers] == [201] * 7
    left = client.get(f"/api/v1/events/{event_id}").json()["tiers"][0]["available"]
    assert left == 200 - 4  # each hold replaced the previous: one buyer holds one order's worth
    # New addresses from one client: the reserve rate limit (20/minute) answers 429 with Retry-After.
    rotated = [hold(client, event_id, tier_id, f"bot{n}@example.com") for n in range(20)]
    assert rotated[-1].status_code == 429 and int(rotated[-1].headers["Retry-After"]) >= 1
    assert sum(a.status_code == 201 for a in rotated) == 20 - 7  # 7 of the minute's 20 went to the first bot


def test_a_waiting_room_on_sale_admits_in_the_drawn_order_with_signed_passes(
        shop: Shop, clock: ManualClock) -> None:
    client, _, auth = shop
    event_id, tier_id = free_event(client, auth, capacity=40)
    opens = clock.now() + timedelta(minutes=10)
    saved = client.put(f"/api/v1/events/{event_id}/sale-settings", headers=auth, json={
        "waiting_room": True, "opens_at": opens.isoformat(), "admissions_per_minute": 6})
    assert saved.status_code == 200 and saved.json()["waiting_room"] is True
    refused = hold(client, event_id, tier_id, "early@example.com")
    assert refused.status_code == 403
    assert refused.json()["error"] == "waiting_room"
    assert refused.json()["queue"] == f"/api/v1/events/{event_id}/waiting-room"

    joined = [client.post(f"/api/v1/events/{event_id}/waiting-room", json={}) for _ in range(5)]
    assert {j.status_code for j in joined} == {201}
    visitors = [j.json()["visitor_id"] for j in joined]
    assert {j.json()["state"] for j in joined} == {"before_opening"}
    clock.advance(timedelta(minutes=10))
    late = client.post(f"/api/v1/events/{event_id}/waiting-room", json={}).json()
    status = {v: client.get(f"/api/v1/events/{event_id}/waiting-room/{v}").json() for v in visitors}
    assert sorted(s["position"] for s in status.values()) == [1, 2, 3, 4, 5]  # the draw: a permutation
    assert late["position"] == 6  # later arrivals after every early one
    first = next(s for s in status.values() if s["position"] == 1)
    assert first["state"] == "admitted" and first["room_pass"]
    assert {s["state"] for s in status.values() if s["position"] > 1} == {"waiting"}
    assert hold(client, event_id, tier_id, "a@example.com", room_pass=first["room_pass"]).status_code == 201
    forged = first["room_pass"][:-2] + ("AA" if not first["room_pass"].endswith("AA") else "BB")
    assert hold(client, event_id, tier_id, "b@example.com", room_pass=forged).status_code == 403

    clock.advance(timedelta(seconds=40))  # 6 a minute: positions up to 5 are in now, the late one not yet
    later = {v: client.get(f"/api/v1/events/{event_id}/waiting-room/{v}").json() for v in visitors}
    assert {s["state"] for s in later.values()} == {"admitted"}
    again = client.get(f"/api/v1/events/{event_id}/waiting-room/{late['visitor_id']}").json()
    assert (again["state"], again["ahead"], again["wait_seconds"]) == ("waiting", 0, 10)
    clock.advance(timedelta(minutes=31))  # a pass lasts 30 minutes from its admission
    assert hold(client, event_id, tier_id, "c@example.com", room_pass=first["room_pass"]).status_code == 403
