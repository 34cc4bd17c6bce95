"""Dashboard figures: money per tier by fee mode, the sales curve, the CSV and attendee search, and the
same figures from the store's aggregates (what the live dashboard shows)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from eventflow.domain.analytics import (
    event_sales,
    orders_csv,
    sales_over_time,
    sales_series,
    search_attendees,
    summary_ledger,
    tier_sales,
)
from eventflow.domain.models import Buyer
from eventflow.domain.payments.ledger import event_ledger
from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event


def sell(service: Ticketing, event_id: str, tier_id: str, quantity: int, name: str) -> None:
    reservation = service.reserve(event_id, [LineRequest(tier_id, quantity)], Buyer(f"{name}@example.com", name))
    service.confirm(reservation.id, payment_ref="demo")


@pytest.mark.parametrize(("fee_mode", "net"), [("buyer_pays", 3 * 2500), ("organizer_absorbs", 3 * 2500 - 3 * 93)])
def test_money_per_tier_follows_the_fee_mode(service: Ticketing, fee_mode: str, net: int) -> None:
    event, tiers = publish_event(service, fee_mode=fee_mode)
    sell(service, event.id, tiers[0].id, 3, "ada")
    sell(service, event.id, tiers[1].id, 2, "bob")  # free tier
    service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("c@example.com", "Cy"))  # only held
    sales = event_sales(event, service.store.get_tiers(event.id), service.store.list_orders(event.id))
    first = sales.tiers[0]
    assert (first.sold, first.held, first.remaining) == (3, 1, 96)
    assert (first.gross_minor, first.fee_minor, first.net_minor) == (7500, 3 * 93, net)
    assert sales.tiers[1].gross_minor == sales.tiers[1].fee_minor == 0
    assert (sales.sold, sales.held, sales.orders) == (5, 1, 2)


def test_sales_curve_is_cumulative_per_tier(service: Ticketing, clock) -> None:
    event, tiers = publish_event(service)
    sell(service, event.id, tiers[0].id, 2, "ada")
    clock.advance(hours=1)
    sell(service, event.id, tiers[0].id, 1, "bob")
    sell(service, event.id, tiers[2].id, 4, "cy")
    frame = sales_over_time(service.store.list_orders(event.id), service.store.get_tiers(event.id),
                            "Europe/Berlin", since=event.created_at - timedelta(hours=1))
    assert list(frame["Tier 0"]) == [0, 2, 3]  # bob and cy bought in the same instant: one row
    assert list(frame["Tier 2"]) == [0, 0, 4]
    assert str(frame["time"].dt.tz) == "Europe/Berlin"


def test_csv_has_one_row_per_ticket_and_search_finds_buyers(service: Ticketing, clock) -> None:
    event, tiers = publish_event(service)
    sell(service, event.id, tiers[0].id, 2, "ada")
    clock.advance(minutes=1)
    sell(service, event.id, tiers[2].id, 1, "bob")
    orders = service.store.list_orders(event.id)
    rows = list(csv.DictReader(io.StringIO(orders_csv(orders, service.store.get_tiers(event.id)))))
    assert [(r["buyer_name"], r["tier"], r["price_minor"], r["currency"]) for r in rows] == [
        ("ada", "Tier 0", "2500", "EUR"), ("ada", "Tier 0", "2500", "EUR"), ("bob", "Tier 2", "9900", "EUR")]
    assert [o.buyer.name for o in search_attendees(orders, "BOB@")] == ["bob"]
    assert len(search_attendees(orders, "")) == 2
    assert search_attendees(orders, orders[0].tickets[1].id) == [orders[0]]


# ------------------------------------------------------------------ the same figures from the store's aggregates
@pytest.mark.parametrize("fee_mode", ["buyer_pays", "organizer_absorbs"])
def test_figures_from_the_summary_equal_the_figures_from_every_order(service: Ticketing, clock, fee_mode: str) -> None:
    event, tiers = publish_event(service, fee_mode=fee_mode)
    sell(service, event.id, tiers[0].id, 3, "ada")
    clock.advance(hours=2)
    sell(service, event.id, tiers[1].id, 2, "bob")
    sell(service, event.id, tiers[2].id, 1, "cy")
    service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("d@example.com", "Di"))  # only held
    store_tiers, orders = service.store.get_tiers(event.id), service.store.list_orders(event.id)
    summary = service.store.sales_summary(event.id)
    assert tier_sales(event, store_tiers, summary) == event_sales(event, store_tiers, orders)
    refunds = [Refund(id="rf_1", event_id=event.id, reservation_id="res_x", order_id=None, payment_intent_id="pi_x",
                      ticket_ids=(), tier_quantities=(), amount_minor=500, fee_minor=20, currency="EUR",
                      reason=RefundReason.EXTERNAL, restock=False, status=RefundStatus.PENDING,
                      created_at=clock.now())]
    assert summary_ledger(event, summary, refunds) == event_ledger(event, orders, refunds)
    frame = sales_over_time(orders, store_tiers, "Europe/Berlin", since=event.created_at)
    series = {name: totals for name, _, totals in sales_series(summary.buckets, store_tiers, since=event.created_at)}
    assert series == {"Tier 0": [0, 3, 3], "Tier 1": [0, 0, 2], "Tier 2": [0, 0, 1]}  # from zero, hour by hour
    assert {name: totals[-1] for name, totals in series.items()} == {t.name: int(frame[t.name].iloc[-1])
                                                                      for t in store_tiers}
