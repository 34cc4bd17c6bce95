"""CSV injection: names a buyer types at checkout reach the organizer's export as text, never as
a formula their spreadsheet runs (OWASP: a leading `= + - @`, tab or CR gets a single quote)."""

from __future__ import annotations

import csv
import io
import secrets

import httpx
import pytest

from eventflow.domain.analytics import spreadsheet_safe

# (A leading tab or CR never reaches the export through checkout, names are stripped; the unit test covers them.)
ATTACKS = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
EVENT = {
    "title": "Formula Night", "starts_at": "2026-12-12T23:00:00+01:00", "ends_at": "2026-12-13T05:00:00+01:00",
    "timezone": "Europe/Berlin", "venue": "Basement", "currency": "EUR", "description": "", "fee_mode": "buyer_pays",
}


@pytest.fixture
def api(app_url: str):
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def test_the_export_writes_typed_formulas_as_text(api: httpx.Client) -> None:
    signup = api.post("/auth/signup", json={
        "email": f"csv-{secrets.token_hex(4)}@example.com", "password": "long enough", "name": "Org"})
    auth = {"Authorization": f"Bearer {signup.json()['token']}"}
    event = api.post("/events", json=EVENT, headers=auth).json()
    tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                    json={"name": "=1+1", "price_minor": 0, "capacity": 50})
    assert tier.status_code == 201, tier.text
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    for n, name in enumerate(ATTACKS):
        held = api.post(f"/events/{event['id']}/reservations", json={
            "lines": [{"tier_id": tier.json()["id"], "quantity": 1}],
            "buyer": {"email": f"buyer{n}@example.com", "name": name}})
        assert held.status_code == 201, held.text
        assert api.post(f"/reservations/{held.json()['id']}/checkout").json()["status"] == "paid"

    export = api.get(f"/events/{event['id']}/orders.csv", headers=auth)
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text, newline="")))
    assert sorted(row["buyer_name"] for row in rows) == sorted("'" + name for name in ATTACKS)
    assert {row["tier"] for row in rows} == {"'=1+1"}
    # What stays untouched: amounts are numbers, ordinary text keeps its first character.
    assert {row["price_minor"] for row in rows} == {"0"} and {row["currency"] for row in rows} == {"EUR"}
    assert all(row["order_id"][0].isalnum() and row["buyer_email"][0].isalnum() for row in rows)


@pytest.mark.parametrize(("cell", "expected"), [
    ("Bea Buyer", "Bea Buyer"), ("a=b", "a=b"), ("", ""), (" =1", " =1"), (-5, -5), (1500, 1500),
    ("=1", "'=1"), ("-", "'-"), ("@", "'@"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("+1", "'+1"),
])
def test_only_a_leading_formula_character_is_escaped(cell: str | int, expected: str | int) -> None:
    assert spreadsheet_safe(cell) == expected
