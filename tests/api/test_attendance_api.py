"""Issue 18, "when they arrive", through the JSON API of a running app: two door devices upload their scans
(offline sync, so the test sets each scan's own timestamp), and `GET /events/{id}/analytics` answers each
5-minute slot's admissions per device, the peak minute with the doors it needed at the devices' measured pace,
and the no-shows per tier "so far" (the event has not ended). Times are relative to the server's clock, on a
minute boundary a few minutes back: nothing here depends on the hour of day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.api.test_api import EVENT, organizer


@pytest.fixture
def api(app_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=20) as client:
        yield client


def buy(api: httpx.Client, event_id: str, tier_id: str, quantity: int, n: int) -> list[str]:
    held = api.post(f"/events/{event_id}/reservations", json={
        "lines": [{"tier_id": tier_id, "quantity": quantity}], "buyer": {"email": f"b{n}@example.com", "name": "B"}})
    assert held.status_code == 201, held.text
    paid = api.post(f"/demo-payments/{held.json()['id']}/pay")
    assert paid.status_code == 200, paid.text
    return [ticket["ticket_id"] for ticket in paid.json()["tickets"]]


def test_analytics_carry_devices_peak_doors_and_no_shows(api: httpx.Client) -> None:
    auth = organizer(api)
    now = datetime.now(UTC)
    starts = now + timedelta(hours=1)
    event = api.post("/events", headers=auth, json=EVENT | {
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=4)).isoformat()}).json()
    general, vip = (api.post(f"/events/{event['id']}/tiers", headers=auth, json={
        "name": name, "price_minor": price, "capacity": 50}).json() for name, price in (("General", 0), ("VIP", 500)))
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    tickets = [t for n in range(3) for t in buy(api, event["id"], general["id"], 6, n)]
    buy(api, event["id"], vip["id"], 2, 9)
    # one minute-aligned start three minutes back: the front door admits every 10 s for two minutes (12),
    # the side door every 20 s (4): 6 + 3 in the first minute
    first = now.replace(second=0, microsecond=0) - timedelta(minutes=3)
    for label, device, gap, guests in (("Front", "device-aaa", 10, tickets[:12]), ("Side", "device-bbb", 20,
                                                                                    tickets[12:16])):
        staff = api.post(f"/events/{event['id']}/staff", json={"label": label}, headers=auth).json()
        synced = api.post(f"/events/{event['id']}/checkin/sync", headers={"Authorization": f"Bearer {staff['token']}"},
                          json={"device_id": device, "scans": [
                              {"ticket_id": t, "code": "", "id_checked": True, "nonce": f"n{i}",
                               "scanned_at": (first + timedelta(seconds=gap * i)).isoformat()}
                              for i, t in enumerate(guests)]})
        assert synced.status_code == 200, synced.text
        assert {r["result"] for r in synced.json()["results"]} == {"admitted"}, synced.text

    body = api.get(f"/events/{event['id']}/analytics", headers=auth).json()
    front, side = "Front · device-aaa", "Side · device-bbb"
    devices = {row["slot"]: row["devices"] for row in body["arrivals"]}
    assert sum(row["admitted"] for row in body["arrivals"]) == 16
    assert all(sum(row["devices"].values()) == row["admitted"] for row in body["arrivals"])
    assert sum(d.get(front, 0) for d in devices.values()) == 12 and sum(d.get(side, 0) for d in devices.values()) == 4
    attendance = body["attendance"]
    assert [(d["device_id"], d["scans"], d["median_gap_seconds"], d["scans_per_minute"])
            for d in attendance["devices"]] == [(front, 12, 10.0, 6.0), (side, 4, 20.0, 3.0)]
    assert datetime.fromisoformat(attendance["peak"]["minute"]) == first
    assert {k: attendance["peak"][k] for k in ("arrivals", "doors_open", "scans_per_minute_per_door",
                                               "doors_needed")} == {
        "arrivals": 9, "doors_open": 2, "scans_per_minute_per_door": 6.0, "doors_needed": 2}
    assert attendance["no_shows_final"] is False
    assert [(n["name"], n["sold"], n["admitted"], n["no_show"]) for n in attendance["no_shows"]] == [
        ("General", 18, 16, 2), ("VIP", 2, 0, 2)]
    assert body["forecast"] is None or isinstance(body["forecast"], dict)  # the other fields are still there
