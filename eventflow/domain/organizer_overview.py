"""The organizer's overview across their events (issue 18): revenue, tickets, the platform fees they paid next
to what Eventbrite would have charged for the same sales, the door's check-in rate and the top sources.

Everything comes from what the store keeps aggregated per event (`Queries.event_figures`: tiers, the sales
and door summaries; `Traffic.figures`: counts per source), a few reads per event, never the orders. Money
is summed per currency, never across currencies.

**Eventbrite's fees (an assumption, stated so it can be checked):** Eventbrite's published standard
("Essentials"/"Professional") ticketing fees as listed on its organizer pricing pages in 2024 —
eventbrite.com/organizer/pricing (US): 3.7% + US$1.79 per paid ticket, plus 2.9% payment processing of each
order's total; eventbrite.co.uk/organizer/pricing (UK): 6.95% + £0.59 per paid ticket, processing included;
the euro countries' pages (e.g. eventbrite.de, eventbrite.es): 6.95% + €0.59, processing included. Not
fetched from this machine; Eventbrite changes them and negotiates others. Other currencies are not compared
(None), rather than guessed. Free tickets cost nothing on either platform.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from eventflow.domain.models import Event, EventStatus
from eventflow.domain.sales_stats import EventFigures
from eventflow.domain.sales_week import EMPTY_WEEK, WeekHours, week_hours
from eventflow.domain.traffic import DIRECT, SourceFigures


@dataclass(frozen=True, slots=True)
class CompetitorFee:
    """A per-ticket percentage and fixed fee (minor units), and a processing percentage of order totals."""

    percent: Decimal
    fixed_minor: int
    processing_percent: Decimal = Decimal(0)


EVENTBRITE_FEES = {  # see the module docstring for where these come from
    "USD": CompetitorFee(Decimal("3.7"), 179, Decimal("2.9")),
    "GBP": CompetitorFee(Decimal("6.95"), 59),
    "EUR": CompetitorFee(Decimal("6.95"), 59),
}


def percent_of(amount_minor: int, percent: Decimal) -> int:
    return int((Decimal(amount_minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def eventbrite_fee_minor(currency: str, paid_tickets: int, paid_gross_minor: int, charged_minor: int) -> int | None:
    """What Eventbrite's standard fees come to for these sales (about: the percentage is taken on the sum, not
    rounded ticket by ticket); None for a currency without a known schedule."""
    fee = EVENTBRITE_FEES.get(currency)
    if fee is None:
        return None
    return (percent_of(paid_gross_minor, fee.percent) + fee.fixed_minor * paid_tickets
            + percent_of(charged_minor, fee.processing_percent))


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """Sales of the organizer's events in one currency."""

    currency: str
    events: int
    orders: int
    tickets: int  # valid tickets
    revenue_minor: int  # ticket prices of valid tickets (after discounts, before fees)
    fees_minor: int  # the platform fees taken on them
    eventbrite_minor: int | None  # what Eventbrite would have charged for the same sales (see above)


@dataclass(frozen=True, slots=True)
class Overview:
    currencies: tuple[CurrencyTotals, ...]
    admitted: int  # people admitted at the door of events that have started
    started_tickets: int  # valid tickets of those events
    top_sources: tuple[SourceFigures, ...]  # summed over events (event_id ""), most paid orders first
    sales_week: WeekHours = EMPTY_WEEK  # tickets per local weekday x hour across the events (domain/sales_week.py)

    @property
    def checkin_rate(self) -> float | None:
        return round(self.admitted / self.started_tickets, 4) if self.started_tickets else None


def overview_of(events: Sequence[tuple[Event, EventFigures, list[SourceFigures]]], now: datetime,
                top: int = 5) -> Overview:
    """The overview from each event's figures (drafts left out: nothing is sold before publishing)."""
    per_currency: dict[str, list[int]] = {}
    paid: dict[str, list[int]] = {}
    admitted = started = 0
    sources: dict[str, SourceFigures] = {}
    for event, figures, event_sources in events:
        if event.status is EventStatus.DRAFT:
            continue
        sales = figures.sales
        tickets = sum(t.tickets for t in sales.tiers)
        row = per_currency.setdefault(event.currency, [0, 0, 0, 0, 0])
        for i, value in enumerate((1, sales.orders, tickets, sum(t.gross_minor for t in sales.tiers),
                                   sum(t.fee_minor for t in sales.tiers))):
            row[i] += value
        money = paid.setdefault(event.currency, [0, 0, 0])
        money[0] += sum(t.tickets for t in sales.tiers if t.gross_minor > 0)  # tickets of paid tiers
        money[1] += sum(t.gross_minor for t in sales.tiers)
        money[2] += sales.charged_minor
        if event.starts_at <= now:
            admitted += sum(count for tier_id, count in figures.door.admitted if tier_id)
            started += tickets
        for s in event_sources:
            if s.source != DIRECT:
                before = sources.get(s.source)
                flat = SourceFigures("", s.source, s.views, s.visitors, s.holds, s.orders, s.tickets)
                sources[s.source] = before.plus(flat) if before else flat
    totals = tuple(CurrencyTotals(currency, row[0], row[1], row[2], row[3], row[4],
                                  eventbrite_fee_minor(currency, *paid[currency]))
                   for currency, row in sorted(per_currency.items()))
    ranked = sorted(sources.values(), key=lambda s: (-s.orders, -s.views, s.source))[:top]
    week = week_hours((e, f.sales) for e, f, _s in events if e.status is not EventStatus.DRAFT)
    return Overview(totals, admitted, started, tuple(ranked), week)


class OrganizerOverview:
    """Reads each of the organizer's events' aggregates and sums them (`overview_of`)."""

    def __init__(self, events: Callable[[str], list[Event]], figures: Callable[[str], EventFigures],
                 sources: Callable[[str], list[SourceFigures]], now: Callable[[], datetime]) -> None:
        self.events, self.figures, self.sources, self.now = events, figures, sources, now

    def of(self, organizer_id: str) -> Overview:
        return overview_of([(e, self.figures(e.id), self.sources(e.id)) for e in self.events(organizer_id)
                            if e.status is not EventStatus.DRAFT], self.now())
