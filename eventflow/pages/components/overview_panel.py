"""The organizer's overview on /dashboard (issue 18): per currency, revenue, tickets, the platform fees paid
and what Eventbrite would have charged for the same sales; the door's check-in rate; the top sources.
Figures from each event's aggregates (domain/organizer_overview.py), read once when the page opens."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.models import Organizer
from eventflow.domain.organizer_overview import CurrencyTotals, OrganizerOverview, Overview
from eventflow.i18n import _
from eventflow.pages.components.formatting import money, percent
from eventflow.pages.components.sales_week_chart import sales_week_chart
from eventflow.services import Services


def tile(label: str, value: str, testid: str) -> None:
    with ui.column().classes("gap-0 min-w-[8rem]"):
        ui.label(label).classes("text-xs text-slate-500")
        ui.label(value).classes("text-lg font-semibold").props(f"data-testid={testid}")


def currency_row(row: CurrencyTotals) -> None:
    with ui.row().classes("w-full gap-4 flex-wrap").props(f"data-testid=overview-{row.currency}"):
        tile(_("Revenue"), money(row.revenue_minor, row.currency), f"overview-revenue-{row.currency}")
        tile(_("Tickets"), str(row.tickets), f"overview-tickets-{row.currency}")
        tile(_("Fees paid to EventFlow"), money(row.fees_minor, row.currency), f"overview-fees-{row.currency}")
        if row.eventbrite_minor is not None:
            tile(_("Eventbrite would have charged about"), money(row.eventbrite_minor, row.currency),
                 f"overview-eventbrite-{row.currency}")


def overview_card(overview: Overview) -> None:
    with ui.card().classes("w-full gap-2").props("data-testid=organizer-overview"):
        ui.label(_("Across your events")).classes("text-lg font-semibold")
        for row in overview.currencies:
            currency_row(row)
        rate = overview.checkin_rate
        with ui.row().classes("w-full gap-4 flex-wrap"):
            tile(_("Check-in rate"), percent(rate, 0), "overview-checkin-rate")
            if overview.top_sources:
                tile(_("Top sources"), ", ".join(f"{s.source} ({s.orders})" for s in overview.top_sources),
                     "overview-sources")
        sales_week_chart(overview.sales_week)  # tickets per weekday x local hour (issue 18)
        ui.label(_("Eventbrite's standard fees as published on its pricing pages in 2024 (US: 3.7% + $1.79 per "
                   "ticket plus 2.9% processing; UK and euro countries: 6.95% + 0.59 per ticket); other currencies "
                   "are not compared.")).classes("text-xs text-slate-500")


async def organizer_overview(services: Services, organizer: Organizer) -> None:
    """The dashboard's one-line hook: nothing shown before the first published event."""
    queries = services.queries
    reader = OrganizerOverview(queries.organizer_events, queries.event_figures, services.traffic.figures,
                               services.ticketing.clock.now)
    overview = await services.off_loop(reader.of, organizer.id)
    if overview.currencies:
        overview_card(overview)
