"""Names per ticket through Stripe (issue 17): attendees saved before checkout reach the tickets the
webhook issues, on SQLite and DynamoDB, and cannot change once the order exists."""

from __future__ import annotations

import pytest

from eventflow.domain.attendees import Attendee
from eventflow.domain.errors import ReservationClosed
from tests.payments.conftest import Shop


def test_the_webhooks_tickets_carry_the_attendees(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event()
    reservation = shop.reserve(event, (tiers[0], 2))
    shop.client.put(f"/api/v1/reservations/{reservation.id}/attendees",
                    json=[{"name": "Bea Buyer"}, {"name": "Zoë Friend", "email": "zoe@example.com"}]).raise_for_status()
    session_id = shop.checkout(reservation)
    shop.fake.pay(session_id)
    assert shop.fake.deliver_all() == [200]
    order = shop.store.get_order(shop.store.get_reservation(reservation.id).order_id)
    assert [(t.holder_name, t.holder_email) for t in order.tickets] == [("Bea Buyer", ""),
                                                                      ("Zoë Friend", "zoe@example.com")]
    with pytest.raises(ReservationClosed):
        shop.services.attendees.put(reservation.id, [Attendee("A"), Attendee("B")])
