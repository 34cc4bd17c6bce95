"""The event dashboard shows the event's disputed payments and lets the organizer choose whether
disputed tickets are refused at the door (the default) or let in, flagged."""

from __future__ import annotations

import pytest

from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest
from tests.pages.test_pages_user import by_testid, log_in, until
from tests.pages.test_payment_pages import anyio_backend, onboarded, stripe_site  # noqa: F401 (fixtures)
from tests.stripe_fake import FakeStripe

pytestmark = pytest.mark.anyio


def deliver(site, fake: FakeStripe) -> None:  # type: ignore[no-untyped-def]
    for event in fake.take():
        payload = fake.payload(event)
        site.services.payments.handle_webhook(payload, fake.sign(payload))


async def test_the_dashboard_lists_disputes_and_the_door_choice(stripe_site) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    site, fake = stripe_site
    organizer = onboarded(site, fake)
    event, tiers = site.event(organizer, [{"name": "Lantern", "price_minor": 1800, "capacity": 20}])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer("b@x.org", "Bo"))
    url = site.services.checkout.start(reservation.id).payment_url  # type: ignore[union-attr]
    fake.pay(url.rsplit("/", 1)[-1])
    deliver(site, fake)
    order_id = site.services.ticketing.store.get_reservation(reservation.id).order_id
    payment = site.services.payments.store.get_payment(reservation.id)
    fake.open_dispute(payment.payment_intent_id, reason="product_not_received")
    deliver(site, fake)
    await log_in(site, organizer)
    await site.user.open(f"/dashboard/events/{event.id}")
    await site.user.should_see("Disputed payments")
    await site.user.should_see(f"Order {order_id}")
    await site.user.should_see("Open: answer with evidence in Stripe")
    disputes = site.services.payments.disputes
    assert not disputes.admits_disputed_tickets(organizer.id)
    by_testid(site.user, "admit-disputed").click()
    await until(lambda: disputes.admits_disputed_tickets(organizer.id), timeout=5)
