"""Waitlists over the API (issue 13), in process on a manual clock: join a sold-out tier (409 not_sold_out
before), bad input -> 422 with the field, the entry's place and offer by its key, leave, the organizer's
list; a hold that expires becomes the first entry's offer, and its checkout buys the ticket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eventflow.domain.clock import ManualClock
from tests.api.test_waiting_room_api import Shop, free_event, open_shop


@pytest.fixture
def shop(tmp_path, clock: ManualClock) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    with open_shop(tmp_path, clock) as opened:
        yield opened


def test_join_offer_claim_and_leave(shop: Shop, clock: ManualClock) -> None:
    client, services, auth = shop
    event_id, tier_id = free_event(client, auth, capacity=1)
    url = f"/api/v1/events/{event_id}/tiers/{tier_id}/waitlist"
    refused = client.post(url, json={"email": "ada@example.com", "name": "Ada", "quantity": 1})
    assert (refused.status_code, refused.json()["error"]) == (409, "not_sold_out")
    hold = client.post(f"/api/v1/events/{event_id}/reservations",
                       json={"lines": [{"tier_id": tier_id, "quantity": 1}],
                             "buyer": {"email": "hold@example.com", "name": "Holder"}})
    assert hold.status_code == 201
    bad = client.post(url, json={"email": "ada@example.com", "name": "Ada", "quantity": 9})
    assert bad.status_code == 422 and "quantity" in bad.text
    assert client.post(url, json={"email": "ada@example.com", "quantity": 1}).status_code == 422
    ada = client.post(url, json={"email": "ada@example.com", "name": "Ada", "quantity": 1})
    bob = client.post(url, json={"email": "bob@example.com", "name": "Bob", "quantity": 1})
    assert ada.status_code == 201 and set(ada.json()) == {"entry_id", "key", "position", "status"}
    assert (ada.json()["position"], bob.json()["position"], bob.json()["status"]) == (1, 2, "waiting")
    entry = f"/api/v1/waitlist/{bob.json()['entry_id']}"
    assert client.get(entry, params={"key": "wrong"}).status_code == 404
    assert client.get(entry, params={"key": bob.json()["key"]}).json()["position"] == 2

    clock.advance(minutes=16)
    services.ticketing.release_expired_holds()
    services.waitlist.process()
    mine = client.get(f"/api/v1/waitlist/{ada.json()['entry_id']}", params={"key": ada.json()["key"]}).json()
    assert mine["status"] == "offered" and mine["position"] == 0
    assert client.get(f"/api/v1/events/{event_id}").json()["tiers"][0]["available"] == 0
    assert client.get(entry, params={"key": bob.json()["key"]}).json()["position"] == 1
    paid = client.post(f"/api/v1/reservations/{mine['offer']['reservation_id']}/checkout").json()
    assert paid["status"] == "paid" and len(paid["tickets"]) == 1
    claimed = client.get(f"/api/v1/waitlist/{ada.json()['entry_id']}", params={"key": ada.json()["key"]}).json()
    assert claimed["status"] == "claimed"

    left = client.delete(entry, params={"key": bob.json()["key"]})
    assert left.json()["status"] == "left"
    listed = client.get(f"/api/v1/events/{event_id}/waitlist", headers=auth).json()
    assert [(e["name"], e["status"]) for e in listed] == [("Ada", "claimed"), ("Bob", "left")]
    assert client.get(f"/api/v1/events/{event_id}/waitlist").status_code == 401
