"""The reservation hijack over real HTTP: another client reusing a buyer's idempotency key gets a 409.

The reservation id derived from (event, key) and the store returned the existing reservation for
any body, so an attacker who sent a victim's key with their own name got the victim's reservation
id, checked it out and received the victim's tickets. Now, as with Stripe, the key remembers what
was asked: the same key with another body is `409 idempotency_key_reused` and names nothing of the
victim's; the same body (a true retry) gets the same reservation.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest

from tests.api.test_api import BUYER, assert_error, published_event

MALLORY = {"email": "mallory@example.com", "name": "Mallory"}


@pytest.fixture
def api(app_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def test_a_reused_key_with_another_body_is_409_and_discloses_nothing(api: httpx.Client) -> None:
    event, _ = published_event(api)
    url = f"/events/{event['id']}/reservations"
    key = f"checkout-{secrets.token_hex(4)}"
    lines = [{"tier_id": event["tiers"][0]["id"], "quantity": 2}]
    victim = api.post(url, json={"lines": lines, "buyer": BUYER, "idempotency_key": key})
    assert victim.status_code == 201, victim.text
    victim_id = victim.json()["id"]

    other_lines = [{"tier_id": event["tiers"][1]["id"], "quantity": 1}]
    for body in ({"lines": lines, "buyer": MALLORY}, {"lines": other_lines, "buyer": BUYER},
                 {"lines": [{**lines[0], "quantity": 1}], "buyer": BUYER}, {"lines": other_lines, "buyer": MALLORY}):
        attack = api.post(url, json={**body, "idempotency_key": key})
        assert_error(attack, 409, "idempotency_key_reused")
        assert victim_id not in attack.text and BUYER["email"] not in attack.text

    retry = api.post(url, json={"lines": lines, "buyer": BUYER, "idempotency_key": key})
    assert retry.status_code == 201 and retry.json() == victim.json()
    tiers = api.get(f"/events/{event['id']}").json()["tiers"]
    assert [t["available"] for t in tiers] == [98, 5]  # one hold of two, nothing for the attacker


def test_after_the_victim_paid_the_key_still_gives_the_attacker_nothing(api: httpx.Client) -> None:
    event, _ = published_event(api)
    url = f"/events/{event['id']}/reservations"
    key = f"checkout-{secrets.token_hex(4)}"
    lines = [{"tier_id": event["tiers"][0]["id"], "quantity": 1}]
    victim = api.post(url, json={"lines": lines, "buyer": BUYER, "idempotency_key": key}).json()
    paid = api.post(f"/demo-payments/{victim['id']}/pay")
    assert paid.status_code == 200, paid.text
    ticket_key = paid.json()["tickets"][0]["key"]

    attack = api.post(url, json={"lines": lines, "buyer": MALLORY, "idempotency_key": key})
    assert_error(attack, 409, "idempotency_key_reused")
    assert victim["id"] not in attack.text and ticket_key not in attack.text
    retry = api.post(url, json={"lines": lines, "buyer": BUYER, "idempotency_key": key})
    assert retry.status_code == 201 and retry.json()["id"] == victim["id"]
    assert retry.json()["status"] == "confirmed"
