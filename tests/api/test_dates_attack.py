"""The year-154 attack over real HTTP: no date an organizer can send takes a page down.

An event start `0154-06-01T20:00` once made `GET /` answer 500 for every visitor, for good, and a
tier `sales_start: "0154-06-20T17:49:37Z"` (201 at the time) broke its event's page, reservations,
tier creation and export. Every date is now checked at the edge and in the catalogue (2000..2100,
with a timezone; sales within the event): each of these answers a JSON 4xx naming the field, and
every page and route of the event keeps working.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from tests.api.test_api import BUYER, EVENT, assert_error, organizer, published_event

BAD_DATES = [
    "0154-06-01T20:00:00Z", "0154-06-20T17:49:37Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:45",
    "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-09:30", "1999-12-31T23:59:59.999999Z", "2101-01-01T00:00:00Z",
    "2026-07-01T20:00:00",  # no timezone
    "2026-13-01T20:00:00Z", "2026-02-30T20:00:00Z", "2026-07-01T25:00:00Z", "2026-07-01T20:00:00+24:00",
    "+10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z", "garbage", "", "0", 0, -62135596800, 253402300799, None,
]


@pytest.fixture
def api(app_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def fields_named(response: httpx.Response) -> set[str]:
    detail = response.json()["detail"]
    return {item["field"] for item in detail} if isinstance(detail, list) else set()


def the_site_still_answers(app_url: str) -> None:
    assert httpx.get(f"{app_url}/", timeout=10).status_code == 200


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_an_event_date_out_of_range_is_a_422_naming_the_field(api: httpx.Client, app_url: str, field: str) -> None:
    auth = organizer(api)
    for value in BAD_DATES:
        response = api.post("/events", json={**EVENT, field: value}, headers=auth)
        assert_error(response, 422, "validation_error")
        assert field in fields_named(response), (value, response.text)
    the_site_still_answers(app_url)


@pytest.mark.parametrize("field", ["sales_start", "sales_end"])
def test_a_tier_sales_date_out_of_range_is_a_422_and_the_event_keeps_working(
    api: httpx.Client, app_url: str, field: str
) -> None:
    event, auth = published_event(api)
    for value in BAD_DATES:
        tier = {"name": "Attack", "price_minor": 0, "capacity": 10, field: value}
        response = api.post(f"/events/{event['id']}/tiers", json=tier, headers=auth)
        if value is None:  # no window at all is a valid tier
            assert response.status_code == 201, response.text
            continue
        assert_error(response, 422, "validation_error")
        assert field in fields_named(response), (value, response.text)
    # The event's API and public page, a reservation, another tier and the export all still work.
    assert api.get(f"/events/{event['id']}").status_code == 200
    reservation = api.post(f"/events/{event['id']}/reservations",
                           json={"lines": [{"tier_id": event["tiers"][0]["id"], "quantity": 1}], "buyer": BUYER})
    assert reservation.status_code == 201, reservation.text
    another = api.post(f"/events/{event['id']}/tiers", json={"name": "Fine", "price_minor": 0, "capacity": 5},
                       headers=auth)
    assert another.status_code == 201, another.text
    assert api.get(f"/events/{event['id']}/orders.csv", headers=auth).status_code == 200
    assert httpx.get(f"{app_url}/e/{event['slug']}", timeout=10).status_code == 200
    the_site_still_answers(app_url)


def test_sales_after_the_event_ends_are_refused_by_name(api: httpx.Client) -> None:
    event, auth = published_event(api)
    after = "2026-12-13T06:00:00+01:00"  # the event ends at 05:00
    for field in ("sales_start", "sales_end"):
        response = api.post(f"/events/{event['id']}/tiers", headers=auth,
                            json={"name": "Afterparty", "price_minor": 0, "capacity": 5, field: after})
        assert_error(response, 422, "validation_error")
        assert field in response.json()["detail"]
    up_to_the_end = {"name": "Door", "price_minor": 0, "capacity": 5, "sales_start": "2026-12-12T23:00:00+01:00",
                     "sales_end": "2026-12-13T05:00:00+01:00"}
    assert api.post(f"/events/{event['id']}/tiers", headers=auth, json=up_to_the_end).status_code == 201


@pytest.mark.parametrize(("starts_at", "ends_at"), [
    ("2000-01-01T00:00:00Z", "2000-01-01T05:45:00.000001+05:45"),
    ("2100-12-31T13:00:00-09:30", "2100-12-31T23:59:59.999999Z"),
    ("2026-06-01T20:00:00.123456+14:00", "2026-06-01T20:00:00.123456-12:00"),
])
def test_the_edges_of_the_range_are_accepted_and_read_back(api: httpx.Client, app_url: str, starts_at: str,
                                                          ends_at: str) -> None:
    auth = organizer(api)
    created = api.post("/events", json={**EVENT, "starts_at": starts_at, "ends_at": ends_at}, headers=auth)
    assert created.status_code == 201, created.text
    read = api.get(f"/events/{created.json()['id']}", headers=auth)
    assert read.status_code == 200
    assert datetime.fromisoformat(read.json()["starts_at"]) == datetime.fromisoformat(starts_at)
    assert datetime.fromisoformat(read.json()["ends_at"]) == datetime.fromisoformat(ends_at)
    the_site_still_answers(app_url)
