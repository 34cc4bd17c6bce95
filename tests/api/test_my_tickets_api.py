"""My tickets through the JSON API and the page's HTTP answer (issue 17), on the running app: the link is
asked for with the same 202 whatever the address, the mailed token opens a session once, the list has the
person's tickets; the installed app's manifest starts there and the service worker keeps its offline copy."""

from __future__ import annotations

import re
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest

from tests.api.test_api import EVENT, assert_error, organizer


@pytest.fixture
def api(app_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def free_tickets(api: httpx.Client, quantity: int, email: str) -> tuple[str, dict[str, str], list[dict[str, str]]]:
    auth = organizer(api)
    event = api.post("/events", json=EVENT, headers=auth).json()
    tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                    json={"name": "Free", "price_minor": 0, "capacity": 50}).json()
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    held = api.post(f"/events/{event['id']}/reservations", json={
        "lines": [{"tier_id": tier["id"], "quantity": quantity}], "buyer": {"email": email, "name": "Mo Tickets"}})
    paid = api.post(f"/reservations/{held.json()['id']}/checkout")
    assert paid.status_code == 200, paid.text
    return event["id"], auth, paid.json()["tickets"]


def mailed_token(tmp_path_factory: pytest.TempPathFactory, email: str) -> str:
    """The sign-in token from the .eml the server wrote (sent right after the 202, so it may take a moment)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return _written_token(tmp_path_factory, email)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _written_token(tmp_path_factory: pytest.TempPathFactory, email: str) -> str:
    for mail in sorted(Path(tmp_path_factory.getbasetemp()).glob("app*/mail/*.eml"), key=lambda p: p.stat().st_mtime,
                       reverse=True):
        message = message_from_bytes(mail.read_bytes(), policy=default)
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        found = re.search(r"/my-tickets\?token=(\S+)", text)
        if message["To"] == email and found:
            return unquote(found.group(1))
    raise AssertionError("no sign-in mail")


def test_a_mailed_link_opens_the_list_once(api: httpx.Client, tmp_path_factory: pytest.TempPathFactory) -> None:
    email = "mt-buyer@example.com"
    event_id, _auth, tickets = free_tickets(api, 2, email)
    for address in (email, "nobody-here@example.com"):
        asked = api.post("/my-tickets/link", json={"email": address})
        assert asked.status_code == 202 and asked.json() == {"status": "accepted"}
    assert_error(api.post("/my-tickets/link", json={"email": "not an address"}), 422, "validation_error")
    token = mailed_token(tmp_path_factory, email)
    opened = api.post("/my-tickets/session", json={"token": token})
    assert opened.status_code == 200 and opened.json()["email"] == email
    assert_error(api.post("/my-tickets/session", json={"token": token}), 401, "unauthorized")  # used once
    session = {"Authorization": f"Bearer {opened.json()['session']}"}
    listed = api.get("/my-tickets", headers=session)
    assert listed.status_code == 200
    assert sorted(t["ticket_id"] for t in listed.json()) == sorted(t["ticket_id"] for t in tickets)
    assert all(t["state"] == "valid" and t["event_id"] == event_id and "/t/" in t["url"] for t in listed.json())
    assert_error(api.get("/my-tickets"), 401, "unauthorized")
    assert_error(api.get("/my-tickets", headers={"Authorization": "Bearer forged.123.abc"}), 401, "unauthorized")


def test_the_installed_app_opens_my_tickets_and_it_has_an_offline_copy(app_url: str) -> None:
    assert httpx.get(f"{app_url}/door/app.webmanifest").json()["start_url"] == "/my-tickets"
    worker = httpx.get(f"{app_url}/door-sw.js").text
    assert "/door/offline-my-tickets.html" in worker and "/door/my_tickets.js" in worker
    for path in ("/door/offline-my-tickets.html", "/door/my_tickets.js"):
        assert httpx.get(f"{app_url}{path}").status_code == 200
    page = httpx.get(f"{app_url}/my-tickets")
    assert page.status_code == 200 and "/door/my_tickets.js" in page.text and "app.webmanifest" in page.text
    assert "my-tickets-email" in page.text  # no session: the form
    refused = httpx.get(f"{app_url}/my-tickets", params={"token": "bWVAZXhhbXBsZS5jb20.9999999999.n.forged"})
    assert refused.status_code == 200 and "my-tickets-invalid" in refused.text and "my-ticket-open" not in refused.text


def test_wallet_passes_without_a_certificate_and_the_organizers_switch(api: httpx.Client) -> None:
    event_id, owner, tickets = free_tickets(api, 1, "mt-pass@example.com")
    ticket = tickets[0]
    assert_error(api.get(f"/tickets/{ticket['ticket_id']}/pass.pkpass", params={"key": ticket["key"]}),
                 409, "passes_not_available")  # this server has no pass certificate
    assert_error(api.get(f"/tickets/{ticket['ticket_id']}/pass.pkpass", params={"key": "wrong"}), 404, "not_found")
    assert_error(api.put(f"/events/{event_id}/wallet-passes", json={"forbidden": True}, headers=organizer(api)), 404)
    switched = api.put(f"/events/{event_id}/wallet-passes", json={"forbidden": True}, headers=owner)
    assert switched.status_code == 200 and switched.json() == {"forbidden": True, "configured": False}
    assert api.get(f"/events/{event_id}/wallet-passes", headers=owner).json()["forbidden"] is True
    assert_error(api.put(f"/events/{event_id}/wallet-passes", json={"forbidden": "maybe"}, headers=owner), 422)
