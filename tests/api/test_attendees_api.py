"""Names per ticket and checkout questions through the JSON API (issue 17), on the running app: the
organizer's questions, the buyer's attendees (422 naming the field, wrong count, 409 after checkout), the
tickets' holders after both the free and the paid (demo provider) path, and the CSV export's columns."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from tests.api.test_api import BUYER, assert_error, organizer
from tests.api.test_api import EVENT as EVENT_FIELDS

QUESTIONS = {"ask_names": True, "questions": [
    {"id": "size", "label": "T-shirt size", "kind": "choice", "options": ["S", "M", "L"], "required": True,
     "per_ticket": True},
    {"id": "heard", "label": "How did you hear about us?"},
    {"id": "rules", "label": "I accept the house rules", "kind": "checkbox", "required": True},
]}


@pytest.fixture
def api(app_url: str):  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def event_with_questions(api: httpx.Client, price_minor: int) -> tuple[str, dict[str, str], str]:
    auth = organizer(api)
    event = api.post("/events", json=EVENT_FIELDS, headers=auth).json()
    tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                    json={"name": "General", "price_minor": price_minor, "capacity": 50}).json()
    saved = api.put(f"/events/{event['id']}/questions", headers=auth, json=QUESTIONS)
    assert saved.status_code == 200, saved.text
    assert [q["id"] for q in saved.json()["questions"]] == ["size", "heard", "rules"]
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    return event["id"], auth, tier["id"]


def hold(api: httpx.Client, event_id: str, tier_id: str, quantity: int) -> str:
    held = api.post(f"/events/{event_id}/reservations",
                    json={"lines": [{"tier_id": tier_id, "quantity": quantity}], "buyer": BUYER})
    assert held.status_code == 201, held.text
    return str(held.json()["id"])


def field_of(response: httpx.Response) -> str:
    assert_error(response, 422, "validation_error")
    return str(response.json()["detail"][0]["field"])


NAMED = [
    {"name": "Bea Buyer", "email": "buyer@example.com", "answers": {"size": "M", "rules": True, "heard": "=zine"}},
    {"name": "Zoë O'Brien 🎟", "email": "zoe@example.com", "answers": {"size": "S"}},
    {"name": "Cy", "answers": {"size": "L"}},
]


def test_three_named_tickets_with_answers_through_the_paid_path(api: httpx.Client) -> None:
    event_id, auth, tier_id = event_with_questions(api, 2000)
    reservation = hold(api, event_id, tier_id, 3)
    first = api.get(f"/reservations/{reservation}/attendees").json()
    assert [(a["name"], a["email"], a["tier_id"]) for a in first] == [
        ("Bea Buyer", "buyer@example.com", tier_id), ("Bea Buyer", "", tier_id), ("Bea Buyer", "", tier_id)]
    asked = api.get(f"/reservations/{reservation}/questions").json()
    assert asked["order_questions"] == ["heard", "rules"]
    assert [t["questions"] for t in asked["tickets"]] == [["size"]] * 3
    unanswered = api.post(f"/reservations/{reservation}/checkout")  # required questions not answered yet
    assert_error(unanswered, 422, "validation_error")
    assert "required questions" in unanswered.json()["detail"]

    assert field_of(api.put(f"/reservations/{reservation}/attendees", json=NAMED[:2])) == "attendees"
    assert field_of(api.put(f"/reservations/{reservation}/attendees",
                            json=[NAMED[0], {**NAMED[1], "email": "zoe@"}, NAMED[2]])) == "attendees[1].email"
    assert field_of(api.put(f"/reservations/{reservation}/attendees",
                            json=[NAMED[0], NAMED[1], {"name": "Cy", "answers": {"size": "XL"}}])) \
        == "attendees[2].answers.size"
    assert field_of(api.put(f"/reservations/{reservation}/attendees",
                            json=[NAMED[0], {"name": " "}, NAMED[2]])) == "attendees[1].name"
    assert api.put(f"/reservations/{reservation}/attendees", json="nope").status_code == 422  # never a 500

    saved = api.put(f"/reservations/{reservation}/attendees", json=NAMED)
    assert saved.status_code == 200, saved.text
    assert saved.json()[0]["answers"] == {"heard": "=zine", "rules": "yes", "size": "M"}
    started = api.post(f"/reservations/{reservation}/checkout").json()
    assert started["status"] == "payment_required"
    paid = api.post(f"/demo-payments/{reservation}/pay").json()
    holders = [api.get(f"/tickets/{t['ticket_id']}", params={"key": t["key"]}).json()["holder"]
               for t in paid["tickets"]]
    assert holders == ["Bea Buyer", "Zoë O'Brien 🎟", "Cy"]
    assert_error(api.put(f"/reservations/{reservation}/attendees", json=NAMED), 409, "reservation_closed")

    rows = list(csv.DictReader(io.StringIO(api.get(f"/events/{event_id}/orders.csv", headers=auth).text,
                                           newline="")))
    assert [(r["attendee_name"], r["attendee_email"], r["T-shirt size"]) for r in rows] == [
        ("Bea Buyer", "buyer@example.com", "M"), ("Zoë O'Brien 🎟", "zoe@example.com", "S"), ("Cy", "", "L")]
    assert {r["How did you hear about us?"] for r in rows} == {"'=zine"}  # a typed formula stays text
    assert {r["I accept the house rules"] for r in rows} == {"yes"}


def test_the_free_path_names_the_tickets_too(api: httpx.Client) -> None:
    auth = organizer(api)
    event = api.post("/events", json=EVENT_FIELDS, headers=auth).json()
    tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                    json={"name": "Free", "price_minor": 0, "capacity": 50}).json()
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    reservation = hold(api, event["id"], tier["id"], 2)
    assert api.put(f"/reservations/{reservation}/attendees",
                   json=[{"name": "Ann"}, {"name": "Bo", "email": "Bo@Example.com"}]).status_code == 200
    paid = api.post(f"/reservations/{reservation}/checkout").json()
    assert paid["status"] == "paid"
    holders = [api.get(f"/tickets/{t['ticket_id']}", params={"key": t["key"]}).json()["holder"]
               for t in paid["tickets"]]
    assert holders == ["Ann", "Bo"]
    assert_error(api.put(f"/reservations/{reservation}/attendees", json=[{"name": "A"}, {"name": "B"}]),
                 409, "reservation_closed")


@pytest.mark.parametrize(("question", "field"), [
    ({"label": "Size", "kind": "choice", "options": ["S"]}, "questions[0].options"),
    ({"label": ""}, "questions[0].label"),
    ({"label": "Diet", "tier_ids": ["tier_nope"]}, "questions[0].tier_ids"),
])
def test_bad_questions_are_422_naming_the_question(api: httpx.Client, question: dict[str, Any], field: str) -> None:
    auth = organizer(api)
    event = api.post("/events", json=EVENT_FIELDS, headers=auth).json()
    assert field_of(api.put(f"/events/{event['id']}/questions", headers=auth,
                            json={"questions": [question]})) == field
    assert api.get(f"/events/{event['id']}/questions", headers=auth).json() == {"ask_names": True, "questions": []}


def test_unknown_reservations_are_404(api: httpx.Client) -> None:
    assert_error(api.get("/reservations/res_nope/attendees"), 404)
    assert_error(api.put("/reservations/res_nope/attendees", json=[{"name": "A"}]), 404)
