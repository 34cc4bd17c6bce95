"""Access and promo codes through the JSON API (issue 12), on a running app.

The security bug first: a hidden tier's id alone buys nothing (409 code_required), its organizer sees
it, and a code that unlocks it makes it visible and buyable; then the codes' routes, their errors
(JSON 4xx for any input, never a 500) and a free ticket from a 100 % code without a payment step."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.api.test_api import BUYER, assert_error, organizer
from tests.api.test_api import EVENT as EVENT_FIELDS


@pytest.fixture
def api(app_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def event_with_hidden_tier(api: httpx.Client) -> tuple[dict[str, Any], dict[str, str], str, str]:
    """A published EUR event with a public tier (20.00) and a hidden VIP tier (80.00)."""
    auth = organizer(api)
    event = api.post("/events", json=EVENT_FIELDS, headers=auth).json()
    public = api.post(f"/events/{event['id']}/tiers", headers=auth,
                      json={"name": "General", "price_minor": 2000, "capacity": 100}).json()
    vip = api.post(f"/events/{event['id']}/tiers", headers=auth,
                   json={"name": "VIP", "price_minor": 8000, "capacity": 10, "hidden": True}).json()
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    return event, auth, public["id"], vip["id"]


def hold(api: httpx.Client, event_id: str, tier_id: str, quantity: int = 1, **extra: Any) -> httpx.Response:
    return api.post(f"/events/{event_id}/reservations",
                    json={"lines": [{"tier_id": tier_id, "quantity": quantity}], "buyer": BUYER, **extra})


def test_a_hidden_tier_is_sold_only_with_a_code_that_unlocks_it(api: httpx.Client) -> None:
    event, auth, public, vip = event_with_hidden_tier(api)
    assert_error(hold(api, event["id"], vip), 409, "code_required")  # the bug: was 201
    assert [t["id"] for t in api.get(f"/events/{event['id']}").json()["tiers"]] == [public]
    assert [t["id"] for t in api.get(f"/events/{event['id']}", headers=auth).json()["tiers"]] == [public, vip]
    stranger = organizer(api)
    assert [t["id"] for t in api.get(f"/events/{event['id']}", headers=stranger).json()["tiers"]] == [public]

    created = api.post(f"/events/{event['id']}/codes", headers=auth, json={"code": "vip-night", "max_uses": 5})
    assert created.status_code == 201, created.text
    code = created.json()
    assert (code["code"], code["unlocks_tiers"], code["uses"], code["state"]) == ("VIP-NIGHT", "all", 0, "active")
    assert code["url"].endswith("?code=VIP-NIGHT")
    shown = api.get(f"/events/{event['id']}", params={"code": "Vip-Night"}).json()
    assert [t["id"] for t in shown["tiers"]] == [public, vip] and shown["code"] == "VIP-NIGHT"
    reserved = hold(api, event["id"], vip, 2, code="vip-night")
    assert reserved.status_code == 201, reserved.text
    assert reserved.json()["code"] == "VIP-NIGHT" and reserved.json()["lines"][0]["unit_price_minor"] == 8000
    listed = api.get(f"/events/{event['id']}/codes", headers=auth).json()
    assert [(c["uses"], c["held_uses"]) for c in listed] == [(2, 2)]


def test_a_discount_code_prices_the_view_and_the_hold_alike(api: httpx.Client) -> None:
    event, auth, public, _ = event_with_hidden_tier(api)
    api.post(f"/events/{event['id']}/codes", headers=auth,
             json={"code": "EARLY25", "discount_percent": 25, "discount_tiers": [public]})
    tier = api.get(f"/events/{event['id']}", params={"code": "early25"}).json()["tiers"][0]
    assert (tier["list_price_minor"], tier["discount_minor"], tier["price_minor"]) == (2000, 500, 1500)
    assert tier["fee_minor"] == 68 and tier["total_minor"] == 1568  # 2.5 % of 15.00 (half up) + 0.30
    line = hold(api, event["id"], public, 2, code="EARLY25").json()["lines"][0]
    assert (line["unit_price_minor"], line["unit_discount_minor"], line["discount_minor"]) == (1500, 500, 1000)
    assert (line["unit_fee_minor"], line["total_minor"]) == (68, 2 * 1568)
    plain = hold(api, event["id"], public, 1).json()["lines"][0]
    assert (plain["unit_price_minor"], plain["unit_discount_minor"]) == (2000, 0)


def test_bad_used_up_and_inactive_codes_say_which(api: httpx.Client) -> None:
    event, auth, _, vip = event_with_hidden_tier(api)
    base = f"/events/{event['id']}/codes"
    single = api.post(base, headers=auth, json={"code": "ONCE", "max_uses": 1, "uses_count": "orders"}).json()
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    api.post(base, headers=auth, json={"code": "SOON", "valid_from": later})
    assert hold(api, event["id"], vip, 3, code="ONCE").status_code == 201
    assert_error(hold(api, event["id"], vip, 1, code="ONCE"), 409, "code_used_up")
    assert_error(api.get(f"/events/{event['id']}", params={"code": "ONCE"}), 409, "code_used_up")
    assert_error(hold(api, event["id"], vip, 1, code="SOON"), 409, "code_not_active")
    assert_error(hold(api, event["id"], vip, 1, code="NOPE"), 404, "code_invalid")
    patched = api.patch(f"{base}/{single['id']}", headers=auth, json={"max_uses": 2, "paused": True})
    assert patched.status_code == 200 and patched.json()["state"] == "paused"
    assert_error(hold(api, event["id"], vip, 1, code="ONCE"), 409, "code_not_active")
    assert api.patch(f"{base}/{single['id']}", headers=auth, json={"paused": False}).json()["state"] == "active"
    assert hold(api, event["id"], vip, 1, code="ONCE").status_code == 201
    assert_error(api.patch(f"{base}/{single['id']}", headers=auth, json={"max_uses": 1}), 409, "code_used_up")
    assert api.delete(f"{base}/{single['id']}", headers=auth).status_code == 204
    assert_error(hold(api, event["id"], vip, 1, code="ONCE"), 404, "code_invalid")
    assert_error(api.delete(f"{base}/{single['id']}", headers=auth), 404)


@pytest.mark.parametrize("odd", ["", " ", "%", "a'; DROP TABLE access_codes;--", "ÉTÉ2026", "x" * 64,
                                 "\u202eEDOC", "CODE\x00", "😀😀😀", "../../etc"])
def test_odd_codes_are_json_4xx_never_500(api: httpx.Client, odd: str) -> None:
    event, auth, _, vip = event_with_hidden_tier(api)
    for response in (hold(api, event["id"], vip, 1, code=odd),
                     api.get(f"/events/{event['id']}", params={"code": odd}),
                     api.post(f"/events/{event['id']}/codes", headers=auth, json={"code": odd})):
        assert 400 <= response.status_code < 500 or response.status_code in (200, 201), response.text
        assert response.status_code != 500
        if response.status_code >= 400:
            assert set(response.json()) == {"error", "detail"}
    assert hold(api, event["id"], vip, 1).status_code == 409  # still refused without a real code


def test_created_codes_are_validated_and_bulk_codes_come_as_csv(api: httpx.Client) -> None:
    event, auth, _, vip = event_with_hidden_tier(api)
    base = f"/events/{event['id']}/codes"
    for body in ({"discount_percent": 101}, {"discount_percent": 10, "discount_minor": 100},
                 {"unlocks_tiers": ["tier_of_nobody"]}, {"max_uses": 0}, {"uses_count": "hugs"},
                 {"valid_from": "2027-01-02T00:00:00Z", "valid_until": "2027-01-01T00:00:00Z"},
                 {"unlocks_tiers": []}):
        assert_error(api.post(base, headers=auth, json=body), 422)
    api.post(base, headers=auth, json={"code": "TAKEN"})
    assert_error(api.post(base, headers=auth, json={"code": "taken"}), 409, "code_taken")
    batch = api.post(f"{base}/batch", headers=auth, json={"count": 25, "label": "Sponsors"})
    assert batch.status_code == 201, batch.text
    codes = batch.json()
    assert len({c["code"] for c in codes}) == 25
    assert all(c["max_uses"] == 1 and c["uses_count"] == "orders" and c["unlocks_tiers"] == "all" for c in codes)
    assert all(not set(c["code"]) & set("0O1IL") for c in codes)
    exported = api.get(f"{base}.csv", headers=auth)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert {r["code"] for r in rows} >= {c["code"] for c in codes} and rows[0]["link"].endswith("?code=TAKEN")
    assert hold(api, event["id"], vip, 2, code=codes[0]["code"]).status_code == 201
    assert_error(hold(api, event["id"], vip, 1, code=codes[0]["code"]), 409, "code_used_up")


def test_a_full_discount_is_a_free_ticket_without_a_payment_step(api: httpx.Client) -> None:
    event, auth, _, vip = event_with_hidden_tier(api)
    api.post(f"/events/{event['id']}/codes", headers=auth, json={"code": "GUEST", "discount_percent": 100,
                                                                 "unlocks_tiers": "all"})
    reservation = hold(api, event["id"], vip, 2, code="GUEST").json()
    assert (reservation["total_minor"], reservation["fee_minor"], reservation["discount_minor"]) == (0, 0, 16000)
    paid = api.post(f"/reservations/{reservation['id']}/checkout")
    assert paid.status_code == 200 and paid.json()["status"] == "paid" and len(paid.json()["tickets"]) == 2
    code = api.get(f"/events/{event['id']}/codes", headers=auth).json()[0]
    assert (code["confirmed_uses"], code["tickets_sold"], code["revenue_minor"], code["discount_given_minor"]) == (
        2, 2, 0, 16000)
