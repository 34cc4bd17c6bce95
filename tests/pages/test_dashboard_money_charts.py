"""The dashboard as a first-time organizer reads it: money tiles that say how they add up (fee paid
by buyers on top, or taken from sales), the money panel in test mode (TEST MODE, a refund of one
ticket recorded, the would-be payout), and the door's arrivals in clean 5-minute local-time bins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from eventflow.domain.models import Buyer, TicketStatus
from eventflow.domain.money import FeeMode
from eventflow.domain.reservations import LineRequest
from eventflow.pages.components.event_panels import arrivals_bins, arrivals_figure, money_tiles
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, log_in, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio
BERLIN = ZoneInfo("Europe/Berlin")
SLOT = datetime(2026, 6, 20, 17, 5, tzinfo=UTC)  # 19:05 in Berlin


def test_arrivals_are_five_minute_bins_with_local_labels() -> None:
    labels, counts = arrivals_bins({SLOT: 2, SLOT + timedelta(minutes=15): 1}, BERLIN)
    assert labels[-4:] == ("19:05", "19:10", "19:15", "19:20") and counts[-4:] == (2, 0, 0, 1)  # quiet slots stay
    assert (len(labels), labels[0], sum(counts)) == (12, "18:25", 3)  # at least the hour up to the last
    single = arrivals_figure({SLOT: 3}, BERLIN)  # one bar: no fractions of a second on the axis
    assert single["data"][0]["x"][-1] == "19:05" and single["layout"]["xaxis"]["type"] == "category"
    labels, _ = arrivals_bins({SLOT: 1, SLOT + timedelta(hours=5): 1}, BERLIN)  # past midnight
    assert (labels[0], labels[-1], len(labels)) == ("20 Jun 19:05", "21 Jun 00:05", 61)
    assert arrivals_bins({}, BERLIN) == ((), ())


def test_the_tiles_say_who_paid_the_platform_fee() -> None:
    notes = {testid: note for _, testid, note in money_tiles(FeeMode.BUYER_PAYS)}
    assert (notes["fees"], notes["net"]) == ("paid by buyers on top", "= ticket sales")
    notes = {testid: note for _, testid, note in money_tiles(FeeMode.ORGANIZER_ABSORBS)}
    assert (notes["fees"], notes["net"]) == ("taken from your ticket sales", "= ticket sales − platform fee")


async def test_a_test_mode_refund_from_the_money_panel(site: Site) -> None:
    organizer = site.organizer()
    event, (deck,) = site.event(organizer, [{"name": "Deck", "price_minor": 2000, "capacity": 10}])
    ticketing = site.services.ticketing
    held = ticketing.reserve(event.id, [LineRequest(deck.id, 2)], Buyer("nina@example.com", "Nina"))
    order = ticketing.confirm(held.id, payment_ref=f"demo_{held.id}")
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")
    await user.should_see("TEST MODE")
    await user.should_see("paid by buyers on top")
    assert [element(user, t).text for t in ("gross", "fees", "net")] == ["€40.00", "€1.60", "€40.00"]
    assert element(user, "ledger-charged").text == "€41.60" and element(user, "ledger-net").text == "€40.00"
    await user.should_see("Payout (test mode): €40.00 would be paid")

    by_testid(user, f"refund-{order.id}").click()
    await user.should_see("Test mode: recorded, no money moves.")
    by_testid(user, f"refund-ticket-{order.tickets[1].id}").click()  # keep the second ticket
    by_testid(user, "refund-confirm").click()
    await user.should_see("Refunded €20.80")  # the ticket and its share of the fee
    await until(lambda: element(user, "ledger-refunded").text == "€20.80")
    assert element(user, "ledger-net").text == "€20.00"
    assert [t.status for t in site.store.get_order(order.id).tickets] == [TicketStatus.VOID, TicketStatus.VALID]
    assert site.tier(deck.id, event.id).sold == 1  # back on sale (the default)
    await user.should_see("Payout (test mode): €20.00 would be paid")
    await user.should_see("requested by the organizer · succeeded")  # words, not the API's `requested_by_organizer`
