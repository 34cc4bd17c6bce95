"""The door's contract over real HTTP: the code window travels in the manifest, a ticket says when it
was admitted, offline uploads take the whole QR payload, and one code gets one verdict online and
offline (the offline verdict is the scanner's own JavaScript, eventflow/static/door.js, under node)."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from eventflow.domain.codes import ACCEPTED_STEPS, CODE_DIGITS, STALE_LOOKBACK_STEPS, STEP_SECONDS, ticket_code

DOOR_JS = Path(__file__).resolve().parents[2] / "eventflow" / "static" / "door.js"
EVENT = {
    "title": "Door Night", "starts_at": "2027-03-05T19:00:00+01:00", "ends_at": "2027-03-05T23:30:00+01:00",
    "timezone": "Europe/Berlin", "venue": "Hall", "currency": "EUR", "fee_mode": "buyer_pays",
}


class Door:
    """One published event with paid tickets, a staff token and the organizer's token."""

    def __init__(self, api: httpx.Client, tickets: int) -> None:
        self.api = api
        signup = api.post("/auth/signup", json={"email": f"door-{secrets.token_hex(4)}@example.com",
                                                "password": "long enough", "name": "Door"}).json()
        self.organizer = {"Authorization": f"Bearer {signup['token']}"}
        self.event = api.post("/events", json=EVENT, headers=self.organizer).json()
        tier = api.post(f"/events/{self.event['id']}/tiers", headers=self.organizer,
                        json={"name": "Entry", "price_minor": 1000, "capacity": 20, "max_per_order": 10}).json()
        assert api.post(f"/events/{self.event['id']}/publish", headers=self.organizer).status_code == 200
        reservation = api.post(f"/events/{self.event['id']}/reservations", json={
            "lines": [{"tier_id": tier["id"], "quantity": tickets}],
            "buyer": {"email": "guest@example.com", "name": "Gina Guest"}}).json()
        self.tickets = api.post(f"/demo-payments/{reservation['id']}/pay").json()["tickets"]
        staff = api.post(f"/events/{self.event['id']}/staff", headers=self.organizer, json={"label": "Gate"}).json()
        self.staff = {"Authorization": f"Bearer {staff['token']}"}

    def path(self, rest: str) -> str:
        return f"/events/{self.event['id']}/checkin/{rest}"

    def manifest(self) -> dict[str, Any]:
        response = self.api.get(self.path("manifest"), headers=self.staff)
        assert response.status_code == 200, response.text
        return response.json()

    def secret(self, n: int) -> str:
        return next(t["secret"] for t in self.manifest()["tickets"] if t["id"] == self.tickets[n]["ticket_id"])

    def ticket(self, n: int) -> dict[str, Any]:
        ticket = self.tickets[n]
        response = self.api.get(f"/tickets/{ticket['ticket_id']}", params={"key": ticket["key"]})
        assert response.status_code == 200, response.text
        return response.json()

    def scan(self, code: str) -> dict[str, Any]:
        response = self.api.post(self.path("scan"), headers=self.staff, json={"code": code, "device_id": "gate-1"})
        assert response.status_code == 200, response.text
        return response.json()

    def sync(self, *scans: dict[str, str]) -> list[str]:
        response = self.api.post(self.path("sync"), headers=self.staff, json={"device_id": "gate-2", "scans": [
            {"scanned_at": datetime.now(UTC).isoformat(), "nonce": secrets.token_hex(6), **scan} for scan in scans]})
        assert response.status_code == 200, response.text
        return [result["result"] for result in response.json()["results"]]


@pytest.fixture
def api(app_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def test_the_manifest_carries_the_code_window_of_domain_codes(api: httpx.Client) -> None:
    manifest = Door(api, tickets=1).manifest()
    assert manifest["step_seconds"] == STEP_SECONDS and manifest["digits"] == CODE_DIGITS
    assert manifest["accepted_steps"] == list(ACCEPTED_STEPS)
    assert manifest["stale_lookback_steps"] == STALE_LOOKBACK_STEPS


def test_a_ticket_says_when_it_was_checked_in(api: httpx.Client) -> None:
    door = Door(api, tickets=2)
    before = door.ticket(0)
    assert "checked_in_at" in before and before["checked_in_at"] is None
    admitted = door.scan(before["qr_payload"])
    assert admitted["result"] == "admitted"
    after = door.ticket(0)
    assert after["checked_in_at"] == admitted["ticket"]["checked_in_at"]
    assert datetime.fromisoformat(after["checked_in_at"]) <= datetime.now(UTC)
    assert door.ticket(1)["checked_in_at"] is None  # the other ticket of the order is not in
    bad_key = api.get(f"/tickets/{door.tickets[0]['ticket_id']}", params={"key": "nope"})
    assert bad_key.status_code == 404 and bad_key.json()["error"] == "not_found"


def test_sync_takes_the_digits_or_the_whole_qr_payload(api: httpx.Client) -> None:
    door = Door(api, tickets=3)
    ids = [t["ticket_id"] for t in door.tickets]
    payloads = [door.ticket(n)["qr_payload"] for n in range(3)]
    digits = payloads[0].rsplit(".", 1)[1]
    assert door.sync(
        {"ticket_id": ids[0], "code": digits},          # the rotating digits, as before
        {"ticket_id": ids[1], "code": payloads[1]},     # the whole payload, as /scan takes it
        {"ticket_id": ids[2], "code": payloads[1]},     # ticket 1's payload filed under ticket 2
        {"ticket_id": ids[2], "code": "EF1.nonsense"},  # not one of our payloads
    ) == ["admitted", "admitted", "invalid", "invalid"]
    checked_in = {t["id"]: t.get("checked_in_at") for t in door.manifest()["tickets"]}
    assert [checked_in[i] is not None for i in ids] == [True, True, False]


def offline_verdict(manifest: dict[str, Any], ticket_id: str, code: str, at: datetime) -> str:
    """What the scanner decides with no network: door.js's `verdict` on the cached manifest."""
    script = f"""
        globalThis.window = globalThis;
        require({json.dumps(str(DOOR_JS))});
        let input = "";
        process.stdin.on("data", (chunk) => input += chunk).on("end", async () => {{
          const {{ manifest, ticketId, code, millis }} = JSON.parse(input);
          const ticket = manifest.tickets.find((t) => t.id === ticketId);
          process.stdout.write(await window.EventFlowDoor.verdict(manifest, ticket, code, millis, false));
        }});"""
    node = shutil.which("node")
    assert node is not None
    question = {"manifest": manifest, "ticketId": ticket_id, "code": code, "millis": at.timestamp() * 1000}
    done = subprocess.run([node, "-e", script], input=json.dumps(question), capture_output=True, text=True,
                          timeout=30, check=True)
    return done.stdout


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the scanner's JavaScript")
@pytest.mark.parametrize(("age", "verdict"), [
    (timedelta(0), "admitted"), (timedelta(hours=3), "stale_code"), (timedelta(hours=7), "invalid"),
])
def test_one_code_one_verdict_online_and_offline(api: httpx.Client, age: timedelta, verdict: str) -> None:
    """A screenshot three hours old is `stale_code` on the server and on a scanner with no network
    (the look-back was six hours online and two hours offline: "stale" online, "invalid" offline)."""
    door = Door(api, tickets=2)
    ticket_id = door.tickets[0]["ticket_id"]
    now = datetime.now(UTC)
    code = ticket_code(door.secret(0), now - age)
    manifest = door.manifest()  # fetched before the online scan: the ticket is not in yet
    assert offline_verdict(manifest, ticket_id, code, now) == verdict
    assert door.scan(f"EF1.{ticket_id}.{code}")["result"] == verdict
    other = door.tickets[1]["ticket_id"]
    assert door.sync({"ticket_id": other, "code": ticket_code(door.secret(1), now - age)}) == [verdict]
