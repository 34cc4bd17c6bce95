"""Ticket transfers through the JSON API (issue 17), on the running app: the holder hands a ticket on,
the old key then says "transferred" and its QR payload scans invalid, the mailed link opens the ticket
with its new code; bad input 422 naming the field, a wrong key 404, the organizer's forbid 409."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.test_api import BUYER, assert_error, organizer
from tests.api.test_api import EVENT as EVENT_FIELDS


@pytest.fixture
def api(app_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def free_tickets(api: httpx.Client, quantity: int = 2) -> tuple[str, dict[str, str], list[dict[str, str]]]:
    auth = organizer(api)
    event = api.post("/events", json=EVENT_FIELDS, headers=auth).json()
    tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                    json={"name": "Free", "price_minor": 0, "capacity": 50}).json()
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    held = api.post(f"/events/{event['id']}/reservations",
                    json={"lines": [{"tier_id": tier["id"], "quantity": quantity}], "buyer": BUYER}).json()
    paid = api.post(f"/reservations/{held['id']}/checkout")
    assert paid.status_code == 200, paid.text
    return event["id"], auth, paid.json()["tickets"]


def staff_scan(api: httpx.Client, event_id: str, auth: dict[str, str], payload: str) -> dict[str, Any]:
    staff = api.post(f"/events/{event_id}/staff", headers=auth, json={"label": "Door"}).json()
    answer = api.post(f"/events/{event_id}/checkin/scan", json={"code": payload, "device_id": "d1"},
                      headers={"Authorization": f"Bearer {staff['token']}"})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def mailed_link(tmp_path_factory: pytest.TempPathFactory, ticket_id: str) -> str:
    """The new holder's link from the .eml the server wrote (sent at once, in the transfer's request)."""
    for mail in Path(tmp_path_factory.getbasetemp()).glob("app*/mail/*.eml"):
        # Decoded: a line over 78 characters makes the mail quoted-printable ("k=" is then "k=3D").
        text = str(message_from_bytes(mail.read_bytes(), policy=default).get_body(("plain",)).get_content())  # type: ignore[union-attr]
        if "gave you a ticket" in text and ticket_id in text:
            match = re.search(rf"/t/{ticket_id}\?k=([\w-]+)", text)
            assert match
            return match.group(1)
    raise AssertionError("no transfer mail")


def test_a_transfer_retires_the_old_key_and_code_and_mails_the_new_holder(
        api: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> None:
    event_id, auth, tickets = free_tickets(api)
    ticket_id, old_key = tickets[0]["ticket_id"], tickets[0]["key"]
    old_payload = api.get(f"/tickets/{ticket_id}", params={"key": old_key}).json()["qr_payload"]
    done = api.post(f"/tickets/{ticket_id}/transfer", params={"key": old_key},
                    json={"name": "Bo Friend", "email": "bo@example.com"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "transferred" and set(done.json()) == {"status", "ticket_id", "transferred_at"}
    old = api.get(f"/tickets/{ticket_id}", params={"key": old_key})
    assert old.status_code == 200 and old.json()["status"] == "transferred" and old.json()["qr_payload"] == ""
    assert old.json()["holder"] == BUYER["name"]  # the old link does not learn who has it now
    refused = staff_scan(api, event_id, auth, old_payload)
    assert refused["result"] == "invalid" and refused["transferred_at"] == done.json()["transferred_at"]
    new_key = mailed_link(tmp_path_factory, ticket_id)
    new = api.get(f"/tickets/{ticket_id}", params={"key": new_key}).json()
    assert (new["status"], new["holder"]) == ("valid", "Bo Friend") and new["qr_payload"] != old_payload
    admitted = staff_scan(api, event_id, auth, new["qr_payload"])
    assert admitted["result"] == "admitted" and admitted["ticket"]["holder"] == "Bo Friend"
    assert admitted["transferred_at"] == done.json()["transferred_at"]  # "transferred N min ago" at the door
    again = api.post(f"/tickets/{ticket_id}/transfer", params={"key": new_key},
                     json={"name": "Cy", "email": "cy@example.com"})
    assert_error(again, 409, "ticket_checked_in")
    assert_error(api.post(f"/tickets/{ticket_id}/transfer", params={"key": old_key},
                          json={"name": "Cy", "email": "cy@example.com"}), 404, "not_found")


def test_bad_input_wrong_key_and_the_organizers_forbid(api: httpx.Client) -> None:
    event_id, auth, tickets = free_tickets(api)
    ticket_id, key = tickets[1]["ticket_id"], tickets[1]["key"]
    for body, field in (({"name": "", "email": "bo@example.com"}, "name"),
                        ({"name": "Bo", "email": "nope"}, "email"), ({"name": "Bo"}, "email")):
        bad = api.post(f"/tickets/{ticket_id}/transfer", params={"key": key}, json=body)
        assert_error(bad, 422, "validation_error")
        assert bad.json()["detail"][0]["field"] == field
    assert_error(api.post(f"/tickets/{ticket_id}/transfer", params={"key": "wrong"},
                          json={"name": "Bo", "email": "bo@example.com"}), 404, "not_found")
    assert_error(api.get(f"/tickets/{ticket_id}", params={"key": "wrong"}), 404, "not_found")
    assert api.get(f"/events/{event_id}/transfer-policy", headers=auth).json() == {"rule": "allow", "deadline": None}
    bad_policy = api.put(f"/events/{event_id}/transfer-policy", headers=auth, json={"rule": "deadline"})
    assert_error(bad_policy, 422, "validation_error")
    forbid = api.put(f"/events/{event_id}/transfer-policy", headers=auth, json={"rule": "forbid"})
    assert forbid.json() == {"rule": "forbid", "deadline": None}
    assert_error(api.post(f"/tickets/{ticket_id}/transfer", params={"key": key},
                          json={"name": "Bo", "email": "bo@example.com"}), 409, "transfer_not_allowed")
    assert api.get(f"/tickets/{ticket_id}", params={"key": key}).json()["status"] == "valid"
