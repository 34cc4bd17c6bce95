"""The buyer's order page after a postponement (a "Request refund" button until the deadline) and a
cancellation (a notice), and the editor's cancel dialog (NiceGUI's simulated user)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventflow.domain.models import Buyer, TicketStatus
from eventflow.domain.reservations import LineRequest
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, log_in, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


def demo_order(site: Site, tier_price: int = 1500) -> tuple[object, object]:
    organizer = site.organizer()
    event, [tier] = site.event(organizer, [{"name": "Entry", "price_minor": tier_price, "capacity": 10}])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 2)], Buyer("b@example.com", "Bo"))
    site.services.checkout.payment_succeeded(reservation.id, payment_ref=f"demo_{reservation.id}")
    return organizer, site.store.get_order(site.store.get_reservation(reservation.id).order_id)


async def test_a_buyer_of_a_postponed_event_requests_a_refund_from_the_order_page(site: Site) -> None:
    organizer, order = demo_order(site)
    event = site.store.get_event(order.event_id)
    new_start = event.starts_at + timedelta(days=30)
    site.services.cancellations.postpone(organizer.id, event.id, starts_at=new_start,
                                         ends_at=new_start + timedelta(hours=4),
                                         refund_deadline=site.clock.now() + timedelta(days=7), message="Flu.")
    user = site.user
    await user.open(f"/r/{order.reservation_id}")
    await user.should_see("This event has a new date")
    by_testid(user, "request-refund").click()
    await until(lambda: all(t.status is TicketStatus.VOID for t in site.store.get_order(order.id).tickets))
    [refund] = site.store.list_refunds(event.id)
    assert refund.amount_minor == order.total_minor and refund.order_id == order.id


async def test_the_order_page_of_a_cancelled_event_says_so(site: Site) -> None:
    organizer, order = demo_order(site)
    site.services.cancellations.cancel(organizer.id, order.event_id, "Sorry")
    user = site.user
    await user.open(f"/r/{order.reservation_id}")
    await user.should_see("This event is cancelled")
    await user.should_not_see("Request refund")


async def test_the_editor_cancels_with_a_message_and_shows_the_batch(site: Site) -> None:
    organizer, order = demo_order(site)
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{order.event_id}/edit")
    by_testid(user, "cancel-event").click()
    by_testid(user, "cancel-message").type("Venue closed by the city.")
    by_testid(user, "confirm-cancel").click()
    await until(lambda: site.store.get_event_change(order.event_id) is not None)
    change = site.store.get_event_change(order.event_id)
    assert change.message == "Venue closed by the city." and change.total == 1
    await user.should_see("0 / 1 orders done")
    site.services.cancellations.run_due()
    await user.should_see("1 / 1 orders done", retries=200)
