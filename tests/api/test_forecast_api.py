"""Issue 18, "what to do next", through the JSON API in process on a manual clock: `GET /events/{id}/analytics`
answers `velocity` per tier, a `forecast` with its range (`forecast_reason` null), the `backtest` ("no history
yet": no past events), and a pricing suggestion with its reasoning for a tier that sold out in its first hour
with someone on its waitlist; `POST .../suggestions/{key}/dismiss` hides it for good (organizer only, 404 for
a key the event has no suggestion for)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from eventflow.domain.clock import ManualClock
from tests.api.test_waiting_room_api import Shop, open_shop


@pytest.fixture
def shop(tmp_path, clock: ManualClock) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    with open_shop(tmp_path, clock) as opened:
        yield opened


def buy(shop: Shop, event_id: str, tier_id: str, quantity: int, n: int) -> None:
    client = shop[0]
    held = client.post(f"/api/v1/events/{event_id}/reservations", json={
        "lines": [{"tier_id": tier_id, "quantity": quantity}], "buyer": {"email": f"b{n}@example.com", "name": "B"}})
    assert held.status_code == 201, held.text
    paid = client.post(f"/api/v1/reservations/{held.json()['id']}/checkout")
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text


def test_analytics_answer_velocity_forecast_and_a_dismissable_suggestion(shop: Shop, clock: ManualClock) -> None:
    client, services, auth = shop
    starts = clock.now() + timedelta(days=10)
    event = client.post("/api/v1/events", headers=auth, json={
        "title": "Gig", "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "timezone": "Europe/Berlin", "currency": "EUR"}).json()
    general, vip = (client.post(f"/api/v1/events/{event['id']}/tiers", headers=auth, json={
        "name": name, "price_minor": 0, "capacity": capacity, "max_per_order": 4}).json()
        for name, capacity in (("General", 60), ("VIP", 4)))
    assert client.post(f"/api/v1/events/{event['id']}/publish", headers=auth).status_code == 200
    buy(shop, event["id"], vip["id"], 4, 99)  # VIP sold out in its first hour...
    joined = client.post(f"/api/v1/events/{event['id']}/tiers/{vip['id']}/waitlist",
                         json={"email": "late@example.com", "name": "Late", "quantity": 1})
    assert joined.status_code == 201  # ...and someone waits for it
    for hour in range(4):  # General: 4 an hour for four hours
        buy(shop, event["id"], general["id"], 4, hour)
        clock.advance(hours=1)
    url = f"/api/v1/events/{event['id']}/analytics"

    body = client.get(url, headers=auth).json()
    assert {"sources", "funnel", "velocity", "forecast", "arrivals", "suggestions"} <= set(body)
    rows = {row["name"]: row for row in body["velocity"]}
    assert (rows["General"]["sold"], rows["General"]["per_hour_overall"]) == (16, 4.0)
    assert rows["VIP"]["sold"] == 4
    forecast = body["forecast"]  # the event sells out with its last tier: General's 44 left at 4 an hour
    assert body["forecast_reason"] is None and set(forecast) >= {"sell_out_at", "low", "high"}
    assert forecast["low"] < forecast["sell_out_at"] < forecast["high"]
    assert forecast["sell_out_at"].startswith((clock.now() + timedelta(hours=11)).isoformat()[:13])
    assert (forecast["sold"], forecast["capacity"], forecast["per_hour"]) == (20, 64, 4.0)
    assert body["backtest"] == {"past_events": 0, "held_out": 0, "forecasts": 0, "mean_abs_error_hours": None,
                                "inside_range": 0, "events": []}
    per_tier = {row["tier_id"]: row for row in body["tier_forecasts"]}
    assert (per_tier[vip["id"]]["forecast"], per_tier[vip["id"]]["forecast_reason"]) == (None, "sold_out")
    general_forecast = per_tier[general["id"]]["forecast"]  # 44 left at 4 an hour: 11 hours
    assert general_forecast["sell_out_at"].startswith((clock.now() + timedelta(hours=11)).isoformat()[:13])
    [suggestion] = body["suggestions"]
    assert suggestion["key"] == f"raise_price_or_capacity:{vip['id']}" and suggestion["kind"] == \
        "raise_price_or_capacity"
    assert suggestion["reasoning"] == "VIP sold out (4 tickets) 1 h after its sales opened; waitlist sign-ups: 1."
    assert suggestion["advice"] == "Try 5 places."  # a free tier: more places, not a price

    dismiss = f"{url}/suggestions/{suggestion['key']}/dismiss"
    assert client.post(dismiss).status_code == 401
    other = services.ticketing.sign_up("other@example.com", "correct horse", "Otto")
    stranger = {"Authorization": f"Bearer {services.tokens.organizer_token(other)}"}
    assert client.post(dismiss, headers=stranger).status_code == 404
    unknown = client.post(f"{url}/suggestions/code_for_channel:{vip['id']}/dismiss", headers=auth)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    assert client.post(dismiss, headers=auth).json() == {"key": suggestion["key"], "dismissed": True}
    assert client.get(url, headers=auth).json()["suggestions"] == []
    assert client.post(dismiss, headers=auth).status_code == 200  # again: still fine, still dismissed
