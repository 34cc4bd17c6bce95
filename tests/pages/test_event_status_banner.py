"""The public event page says when an event cannot happen as sold: a cancelled event shows "This
event was cancelled — all tickets refunded" and no buy form; a postponed one shows the new date in
the event's timezone and until when ticket holders may ask for a refund (NiceGUI's simulated user)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest
from eventflow.pages.components.event_status_banner import banner_html
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


def has_testid(site: Site, value: str) -> bool:
    try:
        by_testid(site.user, value)
    except AssertionError:
        return False
    return True


async def test_a_cancelled_event_says_every_ticket_is_refunded_and_sells_nothing(site: Site) -> None:
    organizer = site.organizer()
    event, [tier] = site.event(organizer, [{"name": "Entry", "price_minor": 1500, "capacity": 10}])
    await site.user.open(f"/e/{event.slug}")
    assert has_testid(site, "reserve") and not has_testid(site, "event-cancelled")

    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 1)], Buyer("b@example.com", "Bo"))
    site.services.checkout.payment_succeeded(reservation.id, payment_ref=f"demo_{reservation.id}")
    site.services.cancellations.cancel(organizer.id, event.id, "The hall flooded.")
    await site.user.open(f"/e/{event.slug}")
    await site.user.should_see("This event was cancelled — all tickets refunded")
    await site.user.should_see("being refunded in full")  # the batch has not run yet
    assert not has_testid(site, "reserve") and not has_testid(site, f"plus-{tier.id}")
    assert not has_testid(site, f"tier-{tier.id}")  # no "9 left" under a cancelled event
    site.services.cancellations.run_due()
    await site.user.open(f"/e/{event.slug}")
    await site.user.should_see("every order was refunded in full")


async def test_a_postponed_event_shows_the_new_date_in_its_timezone(site: Site) -> None:
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Entry", "price_minor": 1500, "capacity": 10}])
    new_start = datetime(2026, 8, 14, 17, 30, tzinfo=UTC)  # 19:30 in Berlin (summer time)
    site.services.cancellations.postpone(organizer.id, event.id, starts_at=new_start,
                                         ends_at=new_start + timedelta(hours=3),
                                         refund_deadline=datetime(2026, 7, 1, 21, 59, tzinfo=UTC))
    await site.user.open(f"/e/{event.slug}")
    await site.user.should_see("Postponed to Fri 14 Aug 2026, 19:30–22:30 (Europe/Berlin)")
    await site.user.should_see("until Wed 1 Jul 2026, 23:59 (Europe/Berlin)")
    assert has_testid(site, "reserve")  # still on sale for the new date
    site.clock.advance(days=40)  # past the deadline: the offer is no longer mentioned
    await site.user.open(f"/e/{event.slug}")
    await site.user.should_see("Tickets stay valid for the new date.")
    await site.user.should_not_see("ask for a full refund")


def test_an_event_going_ahead_has_no_banner() -> None:
    from tests.app.test_ticket_mail import sample

    _, event = sample()
    assert banner_html(event, None, datetime(2026, 1, 1, tzinfo=UTC)) == ""
