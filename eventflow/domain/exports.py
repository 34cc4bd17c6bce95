"""The organizer's exports (issue 18): orders, attendees (with checkout answers), check-ins and sources, as
sheets of typed cells that adapters/spreadsheets.py writes as CSV or XLSX.

- **Types.** Cells are `str`, `int`, `bool`, `Decimal` (money in MAJOR units, next to a `currency` column
  and the exact `*_minor` integers), aware `datetime` in the event's timezone (XLSX gets real date cells
  in local time, CSV ISO 8601 with the offset) or None.
- **Safety.** Every text cell goes through `analytics.spreadsheet_safe` (the one rule against formula
  injection) when written, whatever the format.
- **Memory.** Orders are read page by page through the store's keyset `orders_page` (newest first), so an
  export never holds every order at once; what is kept whole is one small entry per check-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice
from zoneinfo import ZoneInfo

from eventflow.domain.analytics import SOURCE_COLUMNS
from eventflow.domain.attendees import AnswerSheet
from eventflow.domain.models import CheckIn, Event, Order, Ticket, TicketStatus, Tier
from eventflow.domain.money import currency_exponent
from eventflow.domain.queries import Queries
from eventflow.domain.traffic import Funnel, SourceFigures, Touch

Cell = str | int | bool | Decimal | datetime | None
EXPORT_PAGE = 500  # orders per store read
OrdersPage = Callable[[str, tuple[datetime, str] | None, int], list[Order]]


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table: a name (the XLSX sheet, the file name's tail), its columns and its rows (a generator:
    rows are made while they are written)."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    decimals: dict[str, int] = field(default_factory=dict)  # money columns: their decimals (XLSX format)


def money(amount_minor: int, currency: str) -> Decimal:
    """Minor units as major units, exactly (JPY 0 decimals, EUR 2, KWD 3)."""
    return Decimal(amount_minor).scaleb(-currency_exponent(currency))


def all_orders(orders_page: OrdersPage, event_id: str, page: int = EXPORT_PAGE) -> Iterator[Order]:
    """Every order of the event, newest first, one store page at a time."""
    after: tuple[datetime, str] | None = None
    while True:
        batch = orders_page(event_id, after, page)
        yield from batch
        if len(batch) < page:
            return
        after = (batch[-1].created_at, batch[-1].id)


ORDER_SHEET_COLUMNS = ["order_id", "created_at", "buyer_name", "buyer_email", "ticket_id", "tier", "status",
                       "price_minor", "fee_minor", "currency", "price", "fee", "checked_in", "checked_in_at",
                       "attendee_name", "attendee_email", *SOURCE_COLUMNS]
TouchReader = Callable[[Sequence[Order]], Mapping[str, Touch]]  # `Queries.order_touches`


def with_touches(orders: Iterable[Order], touches: TouchReader | None) -> Iterator[tuple[Order, Touch]]:
    """Each order with its sources, looked up a page of orders at a time (`direct` without a lookup)."""
    iterator = iter(orders)
    while page := list(islice(iterator, EXPORT_PAGE)):
        found = touches(page) if touches else {}
        yield from ((order, found.get(order.id) or Touch()) for order in page)


def orders_sheet(orders: Iterable[Order], tiers: Sequence[Tier], timezone: str, checkins: Iterable[CheckIn],
                 answers: AnswerSheet | None, currency: str, touches: TouchReader | None = None) -> Sheet:
    """One row per ticket (the CSV export's columns, then the attendee, the order's last- and first-touch
    source as the analytics counts it, and one column per checkout question)."""
    names = {tier.id: tier.name for tier in tiers}
    zone = ZoneInfo(timezone)
    admitted = {c.ticket_id: c.scanned_at for c in checkins}

    def rows() -> Iterator[list[Cell]]:
        for order, touch in with_touches(orders, touches):
            for ticket in order.tickets:
                scanned = admitted.get(ticket.id)
                yield [order.id, order.created_at.astimezone(zone), order.buyer.name, order.buyer.email, ticket.id,
                       names.get(ticket.tier_id, ticket.tier_id), str(ticket.status), ticket.price_minor,
                       ticket.fee_minor, order.currency, money(ticket.price_minor, order.currency),
                       money(ticket.fee_minor, order.currency), scanned is not None,
                       scanned.astimezone(zone) if scanned else None, ticket.holder_name, ticket.holder_email,
                       touch.last, touch.first, *answer_cells(answers, order, ticket)]

    decimals = currency_exponent(currency)
    return Sheet("orders", [*ORDER_SHEET_COLUMNS, *question_columns(answers)], rows(),
                 {"price": decimals, "fee": decimals})


ATTENDEE_SHEET_COLUMNS = ["ticket_id", "attendee_name", "attendee_email", "tier", "status", "order_id",
                          "buyer_name", "buyer_email", "checked_in", "checked_in_at"]


def attendees_sheet(orders: Iterable[Order], tiers: Sequence[Tier], timezone: str, checkins: Iterable[CheckIn],
                    answers: AnswerSheet | None) -> Sheet:
    """One row per ticket still valid (who comes), with their answers to the checkout questions."""
    names = {tier.id: tier.name for tier in tiers}
    zone = ZoneInfo(timezone)
    admitted = {c.ticket_id: c.scanned_at for c in checkins}

    def rows() -> Iterator[list[Cell]]:
        for order in orders:
            for ticket in order.tickets:
                if ticket.status is TicketStatus.VOID:
                    continue
                scanned = admitted.get(ticket.id)
                yield [ticket.id, ticket.holder_name, ticket.holder_email, names.get(ticket.tier_id, ticket.tier_id),
                       str(ticket.status), order.id, order.buyer.name, order.buyer.email, scanned is not None,
                       scanned.astimezone(zone) if scanned else None, *answer_cells(answers, order, ticket)]

    return Sheet("attendees", [*ATTENDEE_SHEET_COLUMNS, *question_columns(answers)], rows())


def question_columns(answers: AnswerSheet | None) -> list[str]:
    return list(answers.columns()) if answers else []


def answer_cells(answers: AnswerSheet | None, order: Order, ticket: Ticket) -> list[Cell]:
    return list(answers.cells(order, ticket)) if answers else []


CHECKIN_SHEET_COLUMNS = ["ticket_id", "attendee_name", "tier", "scanned_at", "device_id", "offline", "received_at"]


def checkins_sheet(checkins: Sequence[CheckIn], orders: Iterable[Order], tiers: Sequence[Tier],
                   timezone: str) -> Sheet:
    """One row per admission, in scan order; the attendee and tier from the orders (read page by page)."""
    names = {tier.id: tier.name for tier in tiers}
    zone = ZoneInfo(timezone)

    def rows() -> Iterator[list[Cell]]:
        wanted = {c.ticket_id for c in checkins}
        who: dict[str, tuple[str, str]] = {}
        for order in orders:
            for ticket in order.tickets:
                if ticket.id in wanted:
                    who[ticket.id] = (ticket.holder_name, names.get(ticket.tier_id, ticket.tier_id))
        for c in sorted(checkins, key=lambda c: (c.scanned_at, c.ticket_id)):
            name, tier = who.get(c.ticket_id, ("", ""))
            yield [c.ticket_id, name, tier, c.scanned_at.astimezone(zone), c.device_id, c.offline,
                   c.received_at.astimezone(zone) if c.received_at else None]

    return Sheet("checkins", CHECKIN_SHEET_COLUMNS, rows())


SOURCE_SHEET_COLUMNS = ["source", "views", "visitors", "holds", "orders", "tickets", "revenue_minor", "revenue",
                        "currency", "conversion", "first_touch_orders", "first_touch_revenue_minor"]


def sources_sheet(figures: Sequence[SourceFigures], currency: str) -> Sheet:
    """One row per source: the funnel's counts, revenue (ticket prices, before fees) and conversion."""
    rows: list[list[Cell]] = []
    for f in figures:
        conversion = Funnel.of([f]).conversion
        rows.append([f.source, f.views, f.visitors, f.holds, f.orders, f.tickets, f.revenue_minor,
                     money(f.revenue_minor, currency), currency,
                     Decimal(str(conversion)) if conversion is not None else None, f.first_orders,
                     f.first_revenue_minor])
    return Sheet("sources", SOURCE_SHEET_COLUMNS, rows, {"revenue": currency_exponent(currency), "conversion": 4})


KINDS = ("orders", "attendees", "checkins", "sources")


class Exports:
    """The sheets of one event, read through the screens' read model (`Queries`), the checkout answers
    (`Attendees.answer_sheet`, one read) and the counts per source (`Traffic.figures`)."""

    def __init__(self, queries: Queries, answer_sheet: Callable[[str], AnswerSheet],
                 source_figures: Callable[[str], list[SourceFigures]]) -> None:
        self.queries, self.answer_sheet, self.source_figures = queries, answer_sheet, source_figures

    def sheet(self, event: Event, kind: str) -> Sheet:
        """`kind` one of KINDS (ValueError otherwise); rows are read while the sheet is written."""
        queries = self.queries
        if kind == "sources":
            return sources_sheet(self.source_figures(event.id), event.currency)
        tiers = queries.tiers(event.id)
        orders = all_orders(queries.orders_page, event.id)
        if kind == "orders":
            return orders_sheet(orders, tiers, event.timezone, queries.checkins(event.id),
                                self.answer_sheet(event.id), event.currency, queries.order_touches)
        if kind == "attendees":
            return attendees_sheet(orders, tiers, event.timezone, queries.checkins(event.id),
                                   self.answer_sheet(event.id))
        if kind == "checkins":
            return checkins_sheet(queries.checkins(event.id), orders, tiers, event.timezone)
        raise ValueError(kind)
