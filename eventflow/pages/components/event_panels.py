"""The event dashboard's sales and door panels, each built once and then updated in place from the
`EventFigures` the dashboard reads per change (the store's aggregates: their size follows tiers and
hours of sales, never the number of orders), and the attendee table, paged and searched on the server.

Charts are plotly figures written as plain dicts: building `plotly.graph_objects` validates every
property and cost more CPU per change than everything else the dashboard does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from eventflow.domain.analytics import sales_series, tier_sales
from eventflow.domain.models import Event, Order, Tier
from eventflow.domain.sales_stats import ATTENDEES_PAGE, EventFigures, SalesSummary
from eventflow.pages.components.formatting import money
from eventflow.services import Services

TIER_COLUMNS = [
    {"name": "name", "label": "Tier", "field": "name", "align": "left"},
    {"name": "sold", "label": "Sold", "field": "sold"},
    {"name": "held", "label": "Held", "field": "held"},
    {"name": "remaining", "label": "Remaining", "field": "remaining"},
    {"name": "gross", "label": "Gross", "field": "gross"},
    {"name": "fees", "label": "Fees", "field": "fees"},
    {"name": "net", "label": "Net", "field": "net"},
]
ATTENDEE_COLUMNS = [{"name": key, "label": label, "field": key, "align": "left"} for key, label in (
    ("name", "Name"), ("email", "Email"), ("tickets", "Tickets"), ("tiers", "Tiers"),
    ("total", "Paid"), ("time", "When"), ("id", "Order"))]


def _local(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def sales_figure(event: Event, tiers: Sequence[Tier], summary: SalesSummary) -> dict[str, Any]:
    """Cumulative tickets sold per tier, hour by hour (local time), from sales opening."""
    zone = ZoneInfo(event.timezone)
    series = sales_series(summary, tiers, since=event.created_at)
    layout: dict[str, Any] = {
        "margin": {"l": 40, "r": 10, "t": 10, "b": 40}, "height": 280, "legend": {"orientation": "h"},
        "yaxis": {"title": {"text": "tickets sold"}}, "xaxis": {"title": {"text": f"time ({event.timezone})"}},
    }
    if not series:
        layout["annotations"] = [{"text": "No sales yet", "showarrow": False, "font": {"size": 16, "color": "#64748b"}}]
        layout["xaxis"], layout["yaxis"] = {"visible": False}, {"visible": False}
    data = [{"type": "scatter", "x": [_local(h, zone) for h in hours], "y": totals, "mode": "lines+markers",
             "name": name, "line": {"shape": "hv"}} for name, hours, totals in series]
    return {"data": data, "layout": layout}


class SalesFigures:
    """The headline figures and the tier table; `show` fills them on every change."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.metrics: dict[str, ui.label] = {}
        with ui.row().classes("w-full gap-3"):
            for label, testid in (("Tickets sold", "total-sold"), ("Held right now", "total-held"),
                                  ("Gross", "gross"), ("Platform fees", "fees"), ("Your net", "net")):
                with ui.card().classes("grow min-w-[9rem] gap-0"):
                    ui.label(label).classes("text-xs uppercase text-slate-500")
                    self.metrics[testid] = ui.label().classes("text-xl font-semibold").props(f"data-testid={testid}")
        self.table = ui.table(columns=TIER_COLUMNS, rows=[], row_key="id").classes("w-full").props(
            "flat bordered dense data-testid=tier-table")

    def show(self, tiers: Sequence[Tier], summary: SalesSummary) -> None:
        sales = tier_sales(self.event, tiers, summary)
        currency = self.event.currency
        for testid, text in (("total-sold", str(sales.sold)), ("total-held", str(sales.held)),
                             ("gross", money(sales.gross_minor, currency)),
                             ("fees", money(sales.fee_minor, currency)),
                             ("net", money(sales.net_minor, currency))):
            self.metrics[testid].set_text(text)
        rows = [
            {"name": t.name, "sold": t.sold, "held": t.held, "remaining": t.remaining,
             "gross": money(t.gross_minor, currency), "fees": money(t.fee_minor, currency),
             "net": money(t.net_minor, currency), "id": t.tier_id}
            for t in sales.tiers
        ]
        if rows != self.table.rows:  # only holds may have moved, or nothing: send nothing then
            self.table.rows = rows


class SalesChart:
    def __init__(self, event: Event, tiers: Sequence[Tier], summary: SalesSummary) -> None:
        self.event = event
        with ui.card().classes("w-full"):
            ui.label("Sales over time").classes("text-lg font-semibold")
            self.chart = ui.plotly(sales_figure(event, tiers, summary)).classes("w-full") \
                .props("data-testid=sales-chart")

    def show(self, tiers: Sequence[Tier], summary: SalesSummary) -> None:
        self.chart.figure = sales_figure(self.event, tiers, summary)
        self.chart.update()


class DoorPanel:
    """Who is inside per tier, arrivals, tickets admitted twice, the latest scans."""

    def __init__(self, event: Event, figures: EventFigures) -> None:
        self.event = event
        self.zone = ZoneInfo(event.timezone)
        self.panel(figures)

    @ui.refreshable_method
    def panel(self, figures: EventFigures) -> None:
        with ui.card().classes("w-full gap-2").props("data-testid=door-panel"):
            ui.label("Door").classes("text-lg font-semibold")
            with ui.row().classes("gap-6"):
                for tier in figures.tiers:
                    ui.label(f"{tier.name}: {figures.door.admitted_in(tier.id)} / {tier.sold} in") \
                        .props("data-testid=door-tier")
            self.arrivals_chart(figures)
            self.doubles(figures)
            self.recent_scans(figures)

    def arrivals_chart(self, figures: EventFigures) -> None:
        if figures.door.arrivals:
            slots = [_local(slot, self.zone) for slot, _ in figures.door.arrivals]
            counts = [count for _, count in figures.door.arrivals]
            ui.plotly({"data": [{"type": "bar", "x": slots, "y": counts, "name": "arrivals"}],
                       "layout": {"height": 200, "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
                                  "yaxis": {"title": {"text": "per 5 min"}}}}).classes("w-full")

    def doubles(self, figures: EventFigures) -> None:
        if not figures.doubles:
            return
        ui.label(f"Admitted twice ({len(figures.doubles)})").classes("font-semibold text-red-700")
        for double in figures.doubles:
            first, second = double.first, double.second
            ui.label(
                f"{figures.double_holders.get(double.ticket_id, double.ticket_id)}: first {first.device_id} at "
                f"{first.scanned_at.astimezone(self.zone):%H:%M:%S}, again {second.device_id} "
                f"at {second.scanned_at.astimezone(self.zone):%H:%M:%S}"
            ).classes("text-sm text-red-800").props("data-testid=admitted-twice")

    def recent_scans(self, figures: EventFigures) -> None:
        if not figures.door.recent:
            ui.label("Nobody checked in yet.").classes("text-sm text-slate-500")
            return
        ui.label("Recent scans").classes("font-medium")
        for admission in figures.door.recent:
            checkin = admission.checkin
            ui.label(f"{checkin.scanned_at.astimezone(self.zone):%H:%M:%S} · "
                     f"{admission.holder_name or checkin.ticket_id} · {checkin.device_id}"
                     + (" (offline)" if checkin.offline else "")).classes("text-sm text-slate-600")


PageRequest = tuple[str, tuple[datetime, str] | None, int, str]  # (event id, cursor, limit, search)


class Attendees:
    """The attendee table, newest first, one page of ATTENDEES_PAGE orders at a time, read from the store
    by keyset (never every order); the search runs in the store too. On a sale the dashboard re-reads
    only the page on screen (`request` / `show`), so an organizer paging back stays where they are."""

    def __init__(self, services: Services, event: Event, tiers: Sequence[Tier], page: list[Order]) -> None:
        self.services, self.event, self.query = services, event, ""
        self.names = {t.id: t.name for t in tiers}
        self.zone = ZoneInfo(event.timezone)
        self.starts: list[tuple[datetime, str] | None] = [None]  # where each page so far began
        self.last: tuple[datetime, str] | None = None
        with ui.card().classes("w-full"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label("Attendees").classes("text-lg font-semibold")
                ui.input("Search name, email, order", on_change=lambda e: self.search(e.value or "")).props(
                    "dense outlined clearable debounce=250 data-testid=attendee-search").classes("w-72")
            self.table = ui.table(columns=ATTENDEE_COLUMNS, rows=[], row_key="id", pagination={"rowsPerPage": 0}) \
                .classes("w-full").props("flat dense hide-bottom data-testid=attendees")
            with ui.row().classes("w-full items-center justify-end gap-2"):
                self.newer = ui.button("Newer", icon="chevron_left", on_click=self.newer_page) \
                    .props("flat dense data-testid=attendees-newer")
                self.where = ui.label().classes("text-sm text-slate-500").props("data-testid=attendees-page")
                self.older = ui.button("Older", icon="chevron_right", on_click=self.older_page) \
                    .props("flat dense data-testid=attendees-older")
        self.show(self.request(), page)

    def request(self) -> PageRequest:
        """What to read for the page on screen (one more than shown: is there an older page?)."""
        return self.event.id, self.starts[-1], ATTENDEES_PAGE + 1, self.query

    def show(self, request: PageRequest, page: list[Order]) -> None:
        if request != self.request():  # the organizer paged or searched while this was read
            return
        shown = page[:ATTENDEES_PAGE]
        self.last = (shown[-1].created_at, shown[-1].id) if shown else None
        rows = [
            {"id": o.id, "name": o.buyer.name, "email": o.buyer.email, "tickets": len(o.tickets),
             "tiers": ", ".join(sorted({self.names.get(t.tier_id, "?") for t in o.tickets})),
             "total": money(o.total_minor, o.currency),
             "time": o.created_at.astimezone(self.zone).strftime("%d %b %H:%M")}
            for o in shown
        ]
        if rows != self.table.rows:
            self.table.rows = rows
        self.newer.set_enabled(len(self.starts) > 1)
        self.older.set_enabled(len(page) > ATTENDEES_PAGE)
        self.where.set_text(f"page {len(self.starts)}" + (f" · matching “{self.query}”" if self.query else ""))

    def names_changed(self, tiers: Sequence[Tier]) -> bool:
        names = {t.id: t.name for t in tiers}
        changed, self.names = names != self.names, names
        return changed

    async def load(self) -> None:
        request = self.request()
        self.show(request, await self.services.off_loop(self.services.queries.orders_page, *request))

    async def search(self, query: str) -> None:
        self.query, self.starts = query.strip(), [None]
        await self.load()

    async def older_page(self) -> None:
        if self.last is not None:
            self.starts.append(self.last)
            await self.load()

    async def newer_page(self) -> None:
        if len(self.starts) > 1:
            self.starts.pop()
            await self.load()
