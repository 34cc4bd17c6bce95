"""The door's defences over real HTTP, each test the attack it stops (issue 9: #6, #7, #8, #12, #13).

- A staff token (its manifest) cannot make a code that gets anyone in.
- An offline upload cannot backdate a scan outside the door window or before its manifest.
- A nonce used at one event or by one device does not answer for another.
- Full-width digits and other non-ASCII input get a JSON verdict, never a 500.
- An upload over the cap is a JSON 422 before any scan is looked at."""

from __future__ import annotations

import base64
import os
import secrets
from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import qrcode
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from eventflow.domain.checkin import MAX_SYNC_BATCH, WALLET_HOURS
from eventflow.domain.codes import step_of
from eventflow.domain.door_keys import signed_message
from tests.api import test_door_codes
from tests.api.test_door_codes import KEYS, Door

door_app = test_door_codes.door_app  # the same fixtures: a server of our own with a known secret key
api = test_door_codes.api


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_leaked_staff_link_cannot_mint_a_code(api: httpx.Client) -> None:
    """Before: the manifest held every ticket's TOTP secret, so a leaked staff link could make
    valid codes for any ticket. Now it holds the event's public key; every forgery is refused."""
    door = Door(api, tickets=2)
    manifest = door.manifest()
    assert all("secret" not in key for ticket in manifest["tickets"] for key in ticket)
    ticket_id = door.tickets[0]["ticket_id"]
    step = step_of(datetime.now(UTC))
    own_key = Ed25519PrivateKey.generate()
    forgeries = [
        f"EF2.{ticket_id}.{step}.{b64(os.urandom(64))}",
        f"EF2.{ticket_id}.{step}.{b64(own_key.sign(signed_message(ticket_id, step)))}",
        f"EF2.{ticket_id}.{step}.{manifest['public_key']}{manifest['public_key']}",
        f"EF1.{ticket_id}.{pyotp.TOTP(pyotp.random_base32(), digits=8).now()}",
    ]
    other = Door(api, tickets=1)  # staff of another event: its own manifest and codes
    forgeries.append(other.ticket(0)["qr_payload"].replace(other.tickets[0]["ticket_id"], ticket_id))
    for forged in forgeries:
        assert door.scan(forged)["result"] == "invalid", forged
    stamp = manifest["stamp"]
    assert door.sync(*({"ticket_id": ticket_id, "code": forged, "manifest_stamp": stamp} for forged in forgeries)) \
        == ["invalid"] * len(forgeries)
    assert all("checked_in_at" not in t for t in door.manifest()["tickets"])  # nobody got in
    assert door.scan(door.ticket(0)["qr_payload"])["result"] == "admitted"  # the wallet's real code does


def test_a_backdated_upload_of_an_old_code_is_refused(api: httpx.Client) -> None:
    """Before: a 30-day-old code synced with a `scanned_at` 30 days back was admitted."""
    door = Door(api, tickets=2)
    month_ago = datetime.now(UTC) - timedelta(days=30)
    stamp = door.manifest()["stamp"]
    results = door.sync_results(
        {"ticket_id": door.tickets[0]["ticket_id"], "code": door.signed(0, month_ago),
         "scanned_at": month_ago.isoformat(), "manifest_stamp": stamp},
        {"ticket_id": door.tickets[1]["ticket_id"], "code": door.signed(1, month_ago),
         "scanned_at": month_ago.isoformat()},  # no stamp: the staff link's age bounds it too
    )
    assert [(r["result"], r["reason"]) for r in results] == [("invalid", "outside_door_window")] * 2
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)  # in the door window, before the manifest
    before = door.sync_results({"ticket_id": door.tickets[0]["ticket_id"], "code": door.signed(0, an_hour_ago),
                                "scanned_at": an_hour_ago.isoformat(), "manifest_stamp": stamp})
    assert (before[0]["result"], before[0]["reason"]) == ("invalid", "scanned_before_manifest")
    forged_stamp = f"{int(month_ago.timestamp())}.{stamp.split('.')[1]}"
    forged = door.sync_results({"ticket_id": door.tickets[0]["ticket_id"], "code": door.signed(0, an_hour_ago),
                                "scanned_at": an_hour_ago.isoformat(), "manifest_stamp": forged_stamp})
    assert (forged[0]["result"], forged[0]["reason"]) == ("invalid", "unknown_manifest")
    assert all("checked_in_at" not in t for t in door.manifest()["tickets"])


def test_a_nonce_of_another_event_does_not_answer_for_this_one(api: httpx.Client) -> None:
    """Before: a device was told `invalid` (the other event's verdict on that nonce) while the
    server had checked its ticket in."""
    first, second = Door(api, tickets=1), Door(api, tickets=1)
    nonce = "scan_" + secrets.token_hex(4)
    assert first.sync({"ticket_id": first.tickets[0]["ticket_id"], "code": "EF1.x.00000000", "nonce": nonce}) \
        == ["invalid"]
    admitted = second.sync({"ticket_id": second.tickets[0]["ticket_id"], "code": second.ticket(0)["qr_payload"],
                            "nonce": nonce})
    assert admitted == ["admitted"]
    assert second.ticket(0)["checked_in_at"] is not None


def test_full_width_digits_and_other_unicode_get_a_verdict_not_a_500(api: httpx.Client) -> None:
    door = Door(api, tickets=1)
    ticket_id = door.tickets[0]["ticket_id"]
    junk = ["１２３４５６７８", f"EF1.{ticket_id}.１２３４５６７８", f"EF2.{ticket_id}.５.{'A' * 86}",
            "EF1.tïcket.12345678", "\u202e" * 10, "🎟️"]
    for code in junk:
        assert door.scan(code)["result"] == "invalid", code
    assert door.sync(*({"ticket_id": ticket_id, "code": code} for code in junk)) == ["invalid"] * len(junk)
    assert door.sync({"ticket_id": "tkt_ünïcode", "code": "12345678"}) == ["invalid"]


def test_an_upload_over_the_cap_is_a_json_422(api: httpx.Client) -> None:
    door = Door(api, tickets=1)
    now = datetime.now(UTC).isoformat()
    scans = [{"ticket_id": door.tickets[0]["ticket_id"], "code": "x", "scanned_at": now, "nonce": f"n{n}"}
             for n in range(MAX_SYNC_BATCH + 1)]
    response = api.post(door.path("sync"), headers=door.staff, json={"device_id": "gate", "scans": scans})
    assert response.status_code == 422 and response.json()["error"] == "validation_error"
    assert len(door.sync(*scans[:MAX_SYNC_BATCH])) == MAX_SYNC_BATCH  # the cap itself is fine


def test_a_wallet_gets_signed_codes_for_hours_and_only_with_its_key(api: httpx.Client) -> None:
    door = Door(api, tickets=1)
    ticket = door.tickets[0]
    path = f"/tickets/{ticket['ticket_id']}/door-codes"
    codes = api.get(path, params={"key": ticket["key"]}).json()
    now = datetime.now(UTC).timestamp()
    assert (codes["first_step"] + len(codes["signatures"])) * 30 - now >= WALLET_HOURS * 3600 - 30
    three_hours = step_of(datetime.now(UTC) + timedelta(hours=3))
    shown = f"EF2.{ticket['ticket_id']}.{three_hours}.{codes['signatures'][three_hours - codes['first_step']]}"
    assert shown == KEYS.payload(door.event["id"], ticket["ticket_id"], three_hours)  # good in three hours
    for key in ("nope", "ü"):
        refused = api.get(path, params={"key": key})
        assert refused.status_code == 404 and refused.json()["error"] == "not_found"


def test_a_signed_code_still_makes_a_small_qr(api: httpx.Client) -> None:
    """What docs/door.md states: ~120 characters, QR version 6 (41 x 41 modules) at level L."""
    payload = Door(api, tickets=1).ticket(0)["qr_payload"]
    assert len(payload) <= 125
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L)
    qr.add_data(payload)
    qr.make(fit=True)
    assert qr.version <= 6


def test_an_upload_keeps_the_devices_claim_beside_the_servers_receive_time(api: httpx.Client) -> None:
    """#6: `scanned_at` of an offline scan is the device's word; the server's own clock is kept beside it."""
    door = Door(api, tickets=1)
    stamp = door.manifest()["stamp"]
    claimed = datetime.now(UTC) - timedelta(seconds=40)  # scanned offline, uploaded 40 s later
    uploaded_from = datetime.now(UTC)
    assert door.sync({"ticket_id": door.tickets[0]["ticket_id"], "code": door.signed(0, claimed),
                      "scanned_at": claimed.isoformat(), "manifest_stamp": stamp}) == ["admitted"]
    [checkin] = api.get(door.path("checkins"), headers=door.organizer).json()
    assert datetime.fromisoformat(checkin["scanned_at"]) == claimed
    received = datetime.fromisoformat(checkin["received_at"])
    assert uploaded_from - timedelta(seconds=1) <= received <= datetime.now(UTC) + timedelta(seconds=1)
