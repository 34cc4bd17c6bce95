"""The dashboard as a first-time organizer reads it: money tiles that say how they add up (fee paid
by buyers on top, or taken from sales), the money panel in test mode (TEST MODE, a refund of one
ticket recorded, the would-be payout), and the door's arrivals in clean 5-minute local-time bins."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from eventflow.domain.event_analytics import TierVelocity
from eventflow.domain.models import Buyer, Event, EventStatus, TicketStatus, Tier
from eventflow.domain.money import FeeMode
from eventflow.domain.reservations import LineRequest
from eventflow.domain.sales_stats import SalesBucket
from eventflow.pages.components.event_panels import arrivals_bins, arrivals_figure, money_tiles, sales_figure
from eventflow.pages.components.forecast_panel import pace_words
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, log_in, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio
BERLIN = ZoneInfo("Europe/Berlin")
SLOT = datetime(2026, 6, 20, 17, 5, tzinfo=UTC)  # 19:05 in Berlin


def card_orders(user: Any) -> dict[str, dict[str, Any]]:
    """The money panel's card-order rows by order id, newest first (dicts keep the table's order)."""
    return {row["id"]: row for row in element(user, "card-orders").rows}


def ask_refund(user: Any, order_id: str) -> None:
    """What the row's Refund… button does in the browser (the table's slot emits `refund_order`)."""
    assert card_orders(user)[order_id]["refundable"], card_orders(user)
    by_testid(user, "card-orders").trigger("refund_order", order_id)


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

    ask_refund(user, order.id)
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


def test_a_sale_shows_in_the_hour_it_was_made() -> None:
    """A sale at 03:53 is in the 03:00 bucket: the step rises at 03:00 (not 04:00) and the axis runs to 04:00."""
    opened = datetime(2026, 12, 1, 1, 20, tzinfo=UTC)
    event = Event("evt_1", "org_1", "fair", "Fair", opened, opened, "UTC", "", "EUR", "", FeeMode.BUYER_PAYS,
                  EventStatus.PUBLISHED, opened)
    tier = Tier("tier_1", "evt_1", "Deck", 1000, 40)
    hour = datetime(2026, 12, 1, 3, tzinfo=UTC)
    (trace,) = sales_figure(event, [tier], [SalesBucket(hour, "tier_1", 5, 5000, 0)])["data"]
    assert (trace["x"], trace["y"], trace["line"]["shape"]) == (
        ("2026-12-01 01:00", "2026-12-01 03:00", "2026-12-01 04:00"), (0, 5, 5), "hv")  # on to the hour's end
    assert trace["text"][1:] == ("2026-12-01 03:00–04:00",) * 2
    only = sales_figure(replace(event, created_at=hour), [tier], [SalesBucket(hour, "tier_1", 5, 5000, 0)])
    assert only["layout"]["xaxis"]["range"] == ("2026-12-01 02:45", "2026-12-01 04:00")  # an hour wide, not a sliver


def test_the_pace_says_24_hours_only_after_24_hours_of_sales() -> None:
    early = TierVelocity("tier_1", "Deck", 6, 40, 5, 0.208, 5.0, valid_tickets=5, open_hours=1.0)
    assert pace_words(early) == "Deck: 5 of 40 sold · 5 an hour since sales opened"  # valid tickets: one refunded
    later = TierVelocity("tier_1", "Deck", 30, 40, 24, 1.0, 1.2, valid_tickets=30, open_hours=25.0)
    assert pace_words(later) == "Deck: 30 of 40 sold · 1 an hour over the last 24 hours · 1.2 an hour since the " \
        "first sale"
    assert pace_words(TierVelocity("tier_1", "Deck", 0, 40, 0, 0.0, None)) == "Deck: 0 of 40 sold · no sales yet"


async def test_a_new_sale_adds_one_row_on_top_under_an_open_refund_dialog(site: Site) -> None:
    organizer = site.organizer()
    event, (deck,) = site.event(organizer, [{"name": "Deck", "price_minor": 2000, "capacity": 10}])
    nina = site.sell(event, deck, "Nina").id
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")
    table = element(user, "card-orders")
    ask_refund(user, nina)
    await user.should_see("Refund Nina's order")

    otis = site.sell(event, deck, "Otis").id  # the dashboard hears of it while the dialog is open
    await until(lambda: otis in card_orders(user))
    assert list(card_orders(user)) == [otis, nina]  # newest first
    assert element(user, "card-orders") is table  # the rows are data: one table, updated in place
    by_testid(user, "refund-confirm").click()  # the dialog still works
    await user.should_see("Refunded €20.80")
    await until(lambda: "0/1 valid" in card_orders(user)[nina]["text"])
    assert not card_orders(user)[nina]["refundable"] and card_orders(user)[otis]["refundable"]  # no button left

