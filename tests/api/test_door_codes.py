"""The door's contract over real HTTP: the code window and the event's public key travel in the
manifest, a ticket says when it was admitted, offline uploads take the whole QR payload, and one
code gets one verdict online and offline (the offline verdict is the scanner's own JavaScript,
eventflow/static/door.js, under node).

The server here runs with a known secret key, so a test can play the server's past self and make
the signed code a wallet showed hours ago (DoorKeys derives the same event keys)."""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from eventflow.domain.codes import (
    ACCEPTED_STEPS,
    CODE_DIGITS,
    STALE_LOOKBACK_STEPS,
    STEP_SECONDS,
    door_rules,
    step_of,
    ticket_code,
)
from eventflow.domain.door_keys import DoorKeys
from tests.server import running_app

DOOR_JS = Path(__file__).resolve().parents[2] / "eventflow" / "static" / "door.js"
SECRET_KEY = "door tests " + secrets.token_hex(8)
KEYS = DoorKeys(SECRET_KEY)


def door_event() -> dict[str, str]:
    """An event starting in an hour: its door is open, so offline uploads of scans made now count."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    ends = starts + timedelta(hours=4)
    return {"title": "Door Night", "starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
            "timezone": "Europe/Berlin", "venue": "Hall", "currency": "EUR", "fee_mode": "buyer_pays"}


class Door:
    """One published event with paid tickets, a staff token and the organizer's token."""

    def __init__(self, api: httpx.Client, tickets: int) -> None:
        self.api = api
        signup = api.post("/auth/signup", json={"email": f"door-{secrets.token_hex(4)}@example.com",
                                                "password": "long enough", "name": "Door"}).json()
        self.organizer = {"Authorization": f"Bearer {signup['token']}"}
        self.event = api.post("/events", json=door_event(), headers=self.organizer).json()
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

    def signed(self, n: int, at: datetime) -> str:
        """The EF2 code ticket `n`'s wallet showed at `at` (made with the server's key, as the server would)."""
        return KEYS.payload(self.event["id"], self.tickets[n]["ticket_id"], step_of(at))

    def ticket(self, n: int) -> dict[str, Any]:
        ticket = self.tickets[n]
        response = self.api.get(f"/tickets/{ticket['ticket_id']}", params={"key": ticket["key"]})
        assert response.status_code == 200, response.text
        return response.json()

    def scan(self, code: str) -> dict[str, Any]:
        response = self.api.post(self.path("scan"), headers=self.staff, json={"code": code, "device_id": "gate-1"})
        assert response.status_code == 200, response.text
        return response.json()

    def sync_results(self, *scans: dict[str, Any], device_id: str = "gate-2") -> list[dict[str, Any]]:
        response = self.api.post(self.path("sync"), headers=self.staff, json={"device_id": device_id, "scans": [
            {"scanned_at": datetime.now(UTC).isoformat(), "nonce": secrets.token_hex(6), **scan} for scan in scans]})
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def sync(self, *scans: dict[str, Any]) -> list[str]:
        return [result["result"] for result in self.sync_results(*scans)]


@pytest.fixture(scope="module")
def door_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A server of our own, with a secret key the tests know."""
    with running_app(tmp_path_factory.mktemp("door"), EVENTFLOW_SECRET_KEY=SECRET_KEY) as url:
        yield url


@pytest.fixture
def api(door_app: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{door_app}/api/v1", timeout=10) as client:
        yield client


def test_the_manifest_carries_the_code_window_of_domain_codes(api: httpx.Client) -> None:
    door = Door(api, tickets=1)
    manifest = door.manifest()
    assert manifest["step_seconds"] == STEP_SECONDS and manifest["digits"] == CODE_DIGITS
    assert manifest["accepted_steps"] == list(ACCEPTED_STEPS)
    assert manifest["stale_lookback_steps"] == STALE_LOOKBACK_STEPS
    assert manifest["public_key"] == KEYS.public_key(door.event["id"])  # verifies codes, cannot make them
    assert KEYS.stamp_time(door.event["id"], manifest["stamp"]) is not None
    assert all(set(t) <= {"id", "order", "tier", "holder", "status", "checked_in_at"} for t in manifest["tickets"])


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


def test_sync_takes_the_whole_qr_payload(api: httpx.Client) -> None:
    door = Door(api, tickets=3)
    ids = [t["ticket_id"] for t in door.tickets]
    payloads = [door.ticket(n)["qr_payload"] for n in range(3)]
    assert all(p.startswith("EF2.") for p in payloads)
    stamp = door.manifest()["stamp"]
    assert door.sync(
        {"ticket_id": ids[0], "code": payloads[0], "manifest_stamp": stamp},  # as the scanner uploads it
        {"ticket_id": ids[1], "code": payloads[1]},     # the whole payload, as /scan takes it
        {"ticket_id": ids[2], "code": payloads[1]},     # ticket 1's payload filed under ticket 2
        {"ticket_id": ids[2], "code": "EF1.nonsense"},  # not one of our payloads
    ) == ["admitted", "admitted", "invalid", "invalid"]
    checked_in = {t["id"]: t.get("checked_in_at") for t in door.manifest()["tickets"]}
    assert [checked_in[i] is not None for i in ids] == [True, True, False]


def offline_verdict(manifest: dict[str, Any], ticket_id: str, code: str, at: datetime) -> str:
    """What the scanner decides with no network: door.js's `verdict` on the cached manifest
    (`code` is the scanned text; Ed25519 is verified by node's WebCrypto, as by the browser's)."""
    script = f"""
        globalThis.window = globalThis;
        require({json.dumps(str(DOOR_JS))});
        let input = "";
        process.stdin.on("data", (chunk) => input += chunk).on("end", async () => {{
          const {{ manifest, ticketId, code, millis }} = JSON.parse(input);
          const ticket = manifest.tickets.find((t) => t.id === ticketId);
          const parsed = window.EventFlowDoor.parsePayload(code, manifest);
          process.stdout.write(parsed ? await window.EventFlowDoor.verdict(manifest, ticket, parsed, millis, false)
                                      : "invalid");
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
    code = door.signed(0, now - age)
    manifest = door.manifest()  # fetched before the online scan: the ticket is not in yet
    assert offline_verdict(manifest, ticket_id, code, now) == verdict
    assert door.scan(code)["result"] == verdict
    other = door.tickets[1]["ticket_id"]
    assert door.sync({"ticket_id": other, "code": door.signed(1, now - age), "manifest_stamp": manifest["stamp"]}) \
        == [verdict]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the scanner's JavaScript")
def test_offline_a_legacy_code_needs_the_secret_the_manifest_keeps_only_for_old_tickets() -> None:
    """EF1 offline: admitted for a ticket the manifest has an `ef1_secret` for (sold before signed
    codes), `invalid` for any other, and `invalid` once the door window has closed."""
    secret = base64.b32encode(os.urandom(20)).decode()
    now = datetime.now(UTC)
    code = f"EF1.tkt_old.{ticket_code(secret, now)}"
    closes = (now + timedelta(hours=1)).isoformat()
    old = {"id": "tkt_old", "status": "valid", "ef1_secret": secret}
    manifest = {**door_rules(), "public_key": KEYS.public_key("evt_x"), "closes_at": closes, "tickets": [old]}
    assert offline_verdict(manifest, "tkt_old", code, now) == "admitted"
    assert offline_verdict({**manifest, "tickets": [{**old, "ef1_secret": None}]}, "tkt_old", code, now) == "invalid"
    assert offline_verdict(manifest, "tkt_old", code, now + timedelta(hours=2)) == "invalid"
