"""The API's callers choose the language of the mails they cause (issue 15): a waitlist join with
`Accept-Language: es` gets its offer in Spanish; a transfer names the new holder's language (`language`)
or falls back to the caller's Accept-Language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from eventflow.domain.clock import ManualClock
from tests.api.test_waiting_room_api import Shop, free_event, open_shop


@pytest.fixture
def shop(tmp_path, clock: ManualClock) -> Iterator[Shop]:  # type: ignore[no-untyped-def]
    with open_shop(tmp_path, clock) as opened:
        yield opened


def test_waitlist_and_transfer_mails_in_the_callers_language(shop: Shop, clock: ManualClock) -> None:
    client, services, auth = shop
    event_id, tier_id = free_event(client, auth, capacity=1)
    hold = client.post(f"/api/v1/events/{event_id}/reservations", json={
        "lines": [{"tier_id": tier_id, "quantity": 1}], "buyer": {"email": "hold@example.com", "name": "Holder"}})
    assert hold.status_code == 201
    joined = client.post(f"/api/v1/events/{event_id}/tiers/{tier_id}/waitlist", headers={"Accept-Language": "es-ES"},
                         json={"email": "ada@example.com", "name": "Ada", "quantity": 1})
    assert services.waitlist.store.get_waitlist_entry(joined.json()["entry_id"]).language == "es"  # type: ignore
    clock.advance(minutes=16)
    services.ticketing.release_expired_holds()
    services.waitlist.process()
    offer = client.get(f"/api/v1/waitlist/{joined.json()['entry_id']}", params={"key": joined.json()["key"]}).json()
    reservation_id = offer["offer"]["reservation_id"]
    mail = services.ticketing.store.get_outbox_message(f"waitlist-offer:{reservation_id}").mail  # type: ignore
    assert mail.subject.startswith("Te guardamos entradas para")
    paid = client.post(f"/api/v1/reservations/{reservation_id}/checkout").json()
    ticket = paid["tickets"][0]
    moved = client.post(f"/api/v1/tickets/{ticket['ticket_id']}/transfer", params={"key": ticket["key"]},
                        headers={"Accept-Language": "es"}, json={"name": "Bo", "email": "bo@example.com",
                                                                 "language": "de"})
    assert moved.status_code == 200, moved.text
    (record,) = services.transfers.history(ticket["ticket_id"])
    handed = services.ticketing.store.get_outbox_message(f"transfer:{record.id}").mail  # type: ignore[union-attr]
    assert handed.subject.startswith("Dein Ticket für")  # the language named beats the caller's header
