"""Sales figures for the organizer's dashboard, as plain numbers and pandas frames.

The live dashboard computes its figures from the store's aggregates (`SalesSummary`, see
domain/sales_stats.py): `tier_sales`, `sales_series`, `summary_ledger`. The functions over lists of
orders remain for the CSV export, the API and as the specification the aggregates are tested against.
Money stays in integer minor units; only the chart axis divides by the currency's exponent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from eventflow.domain.attendees import AnswerSheet
from eventflow.domain.models import CheckIn, Event, Order, TicketStatus, Tier
from eventflow.domain.money import FeeMode, currency_exponent, platform_fee_minor
from eventflow.domain.payments.ledger import EventLedger
from eventflow.domain.payments.records import Refund, RefundStatus
from eventflow.domain.sales_stats import SalesBucket, SalesSummary, sale_hour
from eventflow.domain.traffic import Touch

HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TierSales:
    tier_id: str
    name: str
    capacity: int
    held: int
    sold: int
    remaining: int
    gross_minor: int  # ticket prices of sold tickets
    fee_minor: int  # platform fees on them
    net_minor: int  # what reaches the organizer


@dataclass(frozen=True, slots=True)
class EventSales:
    tiers: tuple[TierSales, ...]
    orders: int
    buyer_paid_minor: int  # everything buyers paid (prices, plus fees when buyers pay them)

    @property
    def sold(self) -> int:
        return sum(t.sold for t in self.tiers)

    @property
    def held(self) -> int:
        return sum(t.held for t in self.tiers)

    @property
    def gross_minor(self) -> int:
        return sum(t.gross_minor for t in self.tiers)

    @property
    def fee_minor(self) -> int:
        return sum(t.fee_minor for t in self.tiers)

    @property
    def net_minor(self) -> int:
        return sum(t.net_minor for t in self.tiers)


@dataclass(frozen=True, slots=True)
class CounterSales:
    """An event's headline figures from its tiers' live counters alone (no order is read), so
    the dashboard's cost does not grow with sales. `sold` is the tiers' counter: a refund that
    restocked lowered it; one that did not (the seat stays off sale) still counts. Revenue is
    sold x each tier's current price (less the platform fee when the organizer absorbs it), so a
    price edited after sales, or a refund without restock, makes it differ from what was paid."""

    sold: int
    capacity: int
    net_minor: int


def sales_from_counters(event: Event, tiers: Sequence[Tier]) -> CounterSales:
    absorbed = event.fee_mode is FeeMode.ORGANIZER_ABSORBS
    net = sum(
        tier.sold * (tier.price_minor - (platform_fee_minor(tier.price_minor, event.currency) if absorbed else 0))
        for tier in tiers
    )
    return CounterSales(sum(t.sold for t in tiers), sum(t.capacity for t in tiers), net)


def event_sales(event: Event, tiers: Sequence[Tier], orders: Sequence[Order]) -> EventSales:
    gross: dict[str, int] = {}
    fees: dict[str, int] = {}
    for order in orders:
        for ticket in order.tickets:
            if ticket.status is TicketStatus.VOID:
                continue
            gross[ticket.tier_id] = gross.get(ticket.tier_id, 0) + ticket.price_minor
            fees[ticket.tier_id] = fees.get(ticket.tier_id, 0) + ticket.fee_minor
    absorbed = event.fee_mode is FeeMode.ORGANIZER_ABSORBS
    rows = tuple(
        TierSales(
            tier_id=tier.id, name=tier.name, capacity=tier.capacity, held=tier.held, sold=tier.sold,
            remaining=tier.available, gross_minor=gross.get(tier.id, 0), fee_minor=fees.get(tier.id, 0),
            net_minor=gross.get(tier.id, 0) - (fees.get(tier.id, 0) if absorbed else 0),
        )
        for tier in tiers
    )
    return EventSales(rows, len(orders), sum(order.total_minor for order in orders))


def tier_sales(event: Event, tiers: Sequence[Tier], summary: SalesSummary) -> EventSales:
    """`event_sales` from the store's aggregates: the same figures, whatever the number of orders."""
    per_tier = summary.per_tier()
    absorbed = event.fee_mode is FeeMode.ORGANIZER_ABSORBS
    rows = []
    for tier in tiers:
        _, gross, fees = per_tier.get(tier.id, (0, 0, 0))
        rows.append(TierSales(
            tier_id=tier.id, name=tier.name, capacity=tier.capacity, held=tier.held, sold=tier.sold,
            remaining=tier.available, gross_minor=gross, fee_minor=fees, net_minor=gross - (fees if absorbed else 0)))
    return EventSales(tuple(rows), summary.orders, summary.charged_minor)


def sales_series(buckets: Iterable[SalesBucket], tiers: Sequence[Tier], since: datetime | None = None) -> list[
        tuple[str, list[datetime], list[int]]]:
    """Cumulative valid tickets per tier hour by hour: (tier name, hour starts, totals). Each hour with
    sales carries the total including its own sales at the hour's START, so a step drawn there ("hv")
    puts a sale made at 03:53 in the 03:00 hour, not at 04:00. Each curve starts from zero at the hour
    sales opened (`since`) or the first sale's hour (then two points share that start: the step up)."""
    sold: dict[tuple[str, datetime], int] = {}
    for bucket in buckets:
        sold[bucket.tier_id, bucket.hour] = sold.get((bucket.tier_id, bucket.hour), 0) + bucket.tickets
    hours = sorted({hour for _, hour in sold})
    if not hours:
        return []
    start = min(sale_hour(since), hours[0]) if since is not None else hours[0]
    selling = {tier_id for tier_id, _ in sold}
    return [(tier.name, [start, *hours], [0, *accumulate(sold.get((tier.id, hour), 0) for hour in hours)])
            for tier in tiers if tier.id in selling]


def sales_key(summary: SalesSummary) -> tuple[Any, ...]:
    """What changes with every sale and every refund that voids tickets (not with the chart's window)."""
    return summary.orders, summary.charged_minor, summary.order_fee_minor, summary.tiers


def summary_ledger(event: Event, summary: SalesSummary, refunds: Sequence[Refund]) -> EventLedger:
    """`event_ledger` from the aggregates: orders, charges and fees from the summary, refunds as listed."""
    live = [r for r in refunds if r.status is not RefundStatus.FAILED]
    orderless = [r for r in live if r.order_id is None]  # late or second payments, refunded whole
    return EventLedger(
        currency=event.currency, orders=summary.orders,
        charged_minor=summary.charged_minor + sum(r.amount_minor for r in orderless),
        platform_fee_minor=summary.order_fee_minor + sum(r.fee_minor for r in orderless),
        refunded_minor=sum(r.amount_minor for r in live),
        fee_refunded_minor=sum(r.fee_minor for r in live),
        pending_refunds=sum(1 for r in live if r.status is RefundStatus.PENDING),
    )


def sales_over_time(
    orders: Sequence[Order], tiers: Sequence[Tier], timezone: str, since: datetime | None = None
) -> pd.DataFrame:
    """Cumulative tickets sold per tier over time: one row per order, columns per tier name.

    With `since` (when sales opened) the curves start from zero there, so a first sale is a step."""
    names = {tier.id: tier.name for tier in tiers}
    records = [
        {"time": order.created_at, "tier": names.get(ticket.tier_id, "?"), "tickets": 1}
        for order in orders
        for ticket in order.tickets
        if ticket.status is not TicketStatus.VOID
    ]
    if not records:
        return pd.DataFrame(columns=["time", *names.values()])
    frame = pd.DataFrame.from_records(records)
    frame["time"] = pd.to_datetime(frame["time"], utc=True).dt.tz_convert(timezone)
    wide = frame.pivot_table(index="time", columns="tier", values="tickets", aggfunc="sum", fill_value=0)
    if since is not None:
        start = pd.Timestamp(since).tz_convert(timezone)
        if start < wide.index.min():
            wide.loc[start] = 0
    return wide.sort_index().cumsum().reset_index()


ORDER_COLUMNS = ["order_id", "created_at", "buyer_name", "buyer_email", "ticket_id", "tier", "status",
                 "price_minor", "fee_minor", "currency", "price", "fee", "checked_in", "checked_in_at"]
# Who each ticket is for (issue 17), then one column per checkout question (its label) when asked.
ATTENDEE_COLUMNS = ["attendee_name", "attendee_email"]
# Where the buyer came from (issue 18), as the analytics counts the order: last touch, then first touch.
SOURCE_COLUMNS = ["source", "first_touch_source"]


# A text cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`, `@SUM(...)`): OWASP's list for CSV injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str | int) -> str | int:
    """A text cell a spreadsheet shows as text: a leading formula character gets a single quote
    before it (OWASP's advice; spreadsheets hide the quote). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def major_units(amount_minor: int, currency: str) -> str:
    """`15000` SEK as `150.00`, JPY with no decimals, KWD with three (the currency's own exponent):
    a plain number a spreadsheet sums, next to the currency column."""
    exponent = currency_exponent(currency)
    return f"{Decimal(amount_minor).scaleb(-exponent):.{exponent}f}"


def local_time(instant: datetime, zone: ZoneInfo) -> str:
    """ISO 8601 in the event's timezone, to the second, with its offset (`2026-06-01T14:00:05+02:00`)."""
    return instant.astimezone(zone).replace(microsecond=0).isoformat()


def orders_csv(orders: Sequence[Order], tiers: Sequence[Tier], timezone: str = "UTC",
               checkins: Iterable[CheckIn] = (), answers: AnswerSheet | None = None,
               touches: Mapping[str, Touch] | None = None) -> str:
    """One row per ticket, so a spreadsheet counts heads. Amounts twice: in minor units (exact, for
    programs) and in major units (`price`, `fee`: what people read); times in the event's timezone;
    whether and when each ticket was admitted at the door.

    Buyers type their own names (and organizers their tier names): every text cell goes through
    `spreadsheet_safe`, so opening the export never runs a formula someone typed at checkout."""
    names = {tier.id: tier.name for tier in tiers}
    zone = ZoneInfo(timezone)
    admitted = {checkin.ticket_id: checkin.scanned_at for checkin in checkins}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*ORDER_COLUMNS, *ATTENDEE_COLUMNS, *SOURCE_COLUMNS, *(answers.columns() if answers else ())])
    for order in orders:
        touch = (touches or {}).get(order.id) or Touch()  # without a lookup (bare scripts): direct
        for ticket in order.tickets:
            scanned = admitted.get(ticket.id)
            writer.writerow([spreadsheet_safe(cell) for cell in (
                order.id, local_time(order.created_at, zone), order.buyer.name, order.buyer.email, ticket.id,
                names.get(ticket.tier_id, ticket.tier_id), str(ticket.status), ticket.price_minor,
                ticket.fee_minor, order.currency, major_units(ticket.price_minor, order.currency),
                major_units(ticket.fee_minor, order.currency), "yes" if scanned else "no",
                local_time(scanned, zone) if scanned else "", ticket.holder_name, ticket.holder_email,
                touch.last, touch.first, *(answers.cells(order, ticket) if answers else ()),
            )])
    return buffer.getvalue()


def search_attendees(orders: Sequence[Order], query: str) -> list[Order]:
    query = query.strip().lower()
    if not query:
        return list(orders)
    return [
        order for order in orders
        if query in order.buyer.name.lower() or query in order.buyer.email.lower()
        or query in order.id.lower() or any(query in t.id.lower() for t in order.tickets)
    ]
