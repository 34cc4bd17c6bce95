"""The event dashboard's sales and door panels, each built once and then updated in place from the
`EventFigures` the dashboard reads per change (the store's aggregates: their size follows tiers and
hours of sales, never the number of orders), and the attendee table, paged and searched on the server.

Charts are plotly figures written as plain dicts: building `plotly.graph_objects` validates every
property and cost more CPU per change than everything else the dashboard does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from eventflow.domain.analytics import sales_series, tier_sales
from eventflow.domain.models import Event, Order, Tier
from eventflow.domain.money import FeeMode
from eventflow.domain.sales_stats import ATTENDEES_PAGE, EventFigures, SalesBucket, SalesSummary
from eventflow.i18n import N_, _, current_visitor
from eventflow.pages.components.attendee_answers import AnswerCells
from eventflow.pages.components.formatting import chart_separators, device_words
from eventflow.pages.components.marks import day_and_time, money, slot_labels, translated
from eventflow.pages.components.order_actions import ACTIONS_COLUMN, add_order_actions
from eventflow.services import Services

TIER_COLUMNS = [
    {"name": "name", "label": N_("Tier"), "field": "name", "align": "left"},
    {"name": "sold", "label": N_("Sold"), "field": "sold"},
    {"name": "held", "label": N_("Held"), "field": "held"},
    {"name": "remaining", "label": N_("Remaining"), "field": "remaining"},
    {"name": "gross", "label": N_("Gross"), "field": "gross"},
    {"name": "fees", "label": N_("Fees"), "field": "fees"},
    {"name": "net", "label": N_("Net"), "field": "net"},
]
ARRIVAL_SLOT = timedelta(minutes=5)  # the door summary's slots (domain/sales_stats.py)
MAX_ARRIVAL_BINS = 288  # a day of 5-minute bars; beyond, only the slots with arrivals
CHART_DATES = {"de": "%d.%m. %H:%M", "es": "%d/%m %H:%M"}  # the sales chart's time axis, not English
STILL = {"displayModeBar": False}  # no zoom toolbar over the bars (it covered them on a phone)
QUARTER = timedelta(minutes=15)
MIN_ARRIVAL_BINS = 12  # an hour: the first arrivals are one narrow bar in context, not the full width
ATTENDEE_COLUMNS = [{"name": key, "label": label, "field": key, "align": "left"} for key, label in (
    ("name", N_("Name")), ("email", N_("Email")), ("tickets", N_("Tickets")), ("holders", N_("Ticket holders")),
    ("tiers", N_("Tiers")), ("total", N_("Paid")), ("time", N_("When")), ("answers", N_("Answers")),
    ("id", N_("Order")))]


class LocalTimes:
    """Chart labels in the event's time zone, each instant (and hour span) formatted once per page:
    the chart is redrawn while sales run, over every hour since sales opened."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self.texts: dict[datetime, str] = {}
        self.spans: dict[datetime, str] = {}

    def __call__(self, instant: datetime) -> str:
        text = self.texts.get(instant)
        if text is None:
            text = self.texts[instant] = instant.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
        return text

    def span(self, hour: datetime) -> str:
        """An hour of sales: `2026-12-01 03:00–04:00`."""
        text = self.spans.get(hour)
        if text is None:
            text = self.spans[hour] = f"{self(hour)}–{(hour + timedelta(hours=1)).astimezone(self.zone):%H:%M}"
        return text


def sales_figure(event: Event, tiers: Sequence[Tier], buckets: Iterable[SalesBucket],
                 local: LocalTimes | None = None) -> dict[str, Any]:
    """Cumulative tickets sold per tier, hour by hour (local time), from sales opening."""
    local = local or LocalTimes(event.timezone)
    series = sales_series(buckets, tiers, since=event.created_at)
    # The legend above the plot: below it, on a phone, it ran into the time axis' labels.
    layout: dict[str, Any] = {
        "margin": {"l": 40, "r": 10, "t": 30, "b": 40}, "height": 300,
        "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
        "yaxis": {"title": {"text": _("tickets sold")}, "rangemode": "tozero", "automargin": True,
                  "dtick": whole_steps(max((t for _, _, totals in series for t in totals), default=0))},
        "xaxis": {"title": {"text": _("time ({timezone})").format(timezone=event.timezone)}, "automargin": True,
                  "nticks": 5, "tickangle": 0},
        "separators": chart_separators(),  # `1.234` on the axis for German readers
    }
    shape = CHART_DATES.get(current_visitor().language)
    if shape:  # plotly writes month names in English only: numbers for the other languages
        layout["xaxis"] |= {"tickformat": shape, "hoverformat": shape}
    if series:  # a quarter hour of margin (the first step clear of the axis) to the end of the latest hour
        hours = series[0][1]
        layout["xaxis"]["range"] = (local(hours[0] - QUARTER), local(hours[-1] + timedelta(hours=1)))
    else:
        layout["annotations"] = [{"text": _("No sales yet"), "showarrow": False,
                                  "font": {"size": 16, "color": "#64748b"}}]
        layout["xaxis"], layout["yaxis"] = {"visible": False}, {"visible": False}
    # Tuples: NiceGUI wraps every list it is handed in an observable. Points at hour starts, steps ("hv") rising
    # there: a sale at 03:53 shows in the 03:00 hour, its hover "2026-12-01 03:00–04:00: 5" (first: the zero);
    # the latest total runs on, without a marker, to its hour's end.
    data = [{"type": "scatter", "x": (*(local(h) for h in hours), local(hours[-1] + timedelta(hours=1))),
             "y": (*totals, totals[-1]), "mode": "lines+markers", "name": name, "line": {"shape": "hv"},
             "marker": {"size": (*(6 for _ in hours), 0)}, "hovertemplate": "%{text}: %{y}",
             "text": (_("before sales"), *(local.span(h) for h in hours[1:]), local.span(hours[-1]))}
            for name, hours, totals in series]
    return {"data": data, "layout": layout, "config": STILL}


def money_tiles(fee_mode: FeeMode) -> tuple[tuple[str, str, str], ...]:
    """(label, testid, how it adds up) of the headline tiles: whether buyers paid the platform fee
    on top of the ticket prices or it came out of them decides what "your net" is."""
    on_top = fee_mode is FeeMode.BUYER_PAYS
    return ((_("Tickets sold"), "total-sold", _("valid tickets")),
            (_("Held right now"), "total-held", _("in checkouts")),
            (_("Ticket sales"), "gross", _("ticket prices")),
            (_("Platform fee"), "fees", _("paid by buyers on top") if on_top else _("taken from your ticket sales")),
            (_("Your net"), "net", _("= ticket sales") if on_top else _("= ticket sales − platform fee")))


def whole_steps(top: int) -> int:
    """A count axis' tick step: whole numbers (a "1.5 tickets" tick, or "1" twice, reads wrong), about five."""
    return max(1, -(-top // 5))


def arrivals_bins(arrivals: dict[datetime, int], zone: ZoneInfo) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Admissions per 5-minute slot, every slot from the first to the last (a quiet slot shows as
    a gap) and at least the hour up to the last, labelled by its local start (`19:05`; with the day
    when the slots span days)."""
    if not arrivals:
        return (), ()
    last = max(arrivals)
    first = min(min(arrivals), last - (MIN_ARRIVAL_BINS - 1) * ARRIVAL_SLOT)
    count = int((last - first) / ARRIVAL_SLOT) + 1
    slots = [first + i * ARRIVAL_SLOT for i in range(count)] if count <= MAX_ARRIVAL_BINS else sorted(arrivals)
    return slot_labels(slots, zone), tuple(arrivals.get(slot, 0) for slot in slots)


def arrivals_figure(arrivals: dict[datetime, int], zone: ZoneInfo) -> dict[str, Any]:
    """The door's arrivals as bars on a category axis: plotly would otherwise read the labels as
    instants and, around a single bar, tick fractions of a second ("10:04:59.9996")."""
    labels, counts = arrivals_bins(arrivals, zone)
    every = -(-len(labels) // 6)  # at most six labels, counted back from the latest slot (always labelled)
    return {"data": [{"type": "bar", "x": labels, "y": counts, "name": _("arrivals"),
                      "hovertemplate": _("%{x}: %{y} in") + "<extra></extra>"}],
            "config": STILL,
            "layout": {"height": 220, "margin": {"l": 40, "r": 10, "t": 10, "b": 40}, "separators": chart_separators(),
                       "xaxis": {"type": "category", "automargin": True, "tickangle": 0,
                                 "tickvals": labels[::-1][::every][::-1] if labels else (),
                                 "title": {"text": _("arrivals per 5 minutes ({timezone})").format(timezone=zone.key)}},
                       "yaxis": {"rangemode": "tozero", "automargin": True,
                                 "dtick": whole_steps(max(counts, default=0))}}}


class SalesFigures:
    """The headline figures and the tier table; `show` fills them on every change."""

    def __init__(self, event: Event) -> None:
        self.event = event
        self.metrics: dict[str, ui.label] = {}
        with ui.row().classes("w-full gap-3"):
            for label, testid, note in money_tiles(event.fee_mode):
                with ui.card().classes("grow min-w-[9rem] gap-0"):
                    ui.label(label).classes("text-xs uppercase text-slate-500")
                    self.metrics[testid] = ui.label().classes("text-xl font-semibold").props(f"data-testid={testid}")
                    ui.label(note).classes("text-xs text-slate-500").props(f"data-testid={testid}-note")
        with ui.element("div").classes("w-full overflow-x-auto"):  # wide on a phone: scrolls, never cut off
            self.table = ui.table(columns=translated(TIER_COLUMNS), rows=[], row_key="id").classes("w-full").props(
                "flat bordered dense data-testid=tier-table")

    def show(self, tiers: Sequence[Tier], summary: SalesSummary) -> None:
        sales = tier_sales(self.event, tiers, summary)
        currency = self.event.currency
        valid = sum(t.tickets for t in summary.tiers)  # its note's "valid tickets", as the forecast panel counts
        for testid, text in (("total-sold", str(valid)), ("total-held", str(sales.held)),
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
    """The sales curve. It keeps the hourly buckets it was shown, so a refresh reads only the hour still
    filling (`since`) and merges it in; `consistent` tells when a refund changed an older hour. The whole
    figure goes to the browser on each `show`: the dashboard's refreshes are spaced (DASHBOARD_SPACING)."""

    def __init__(self, event: Event, tiers: Sequence[Tier], summary: SalesSummary) -> None:
        self.event, self.local = event, LocalTimes(event.timezone)
        self.buckets: dict[tuple[datetime, str], SalesBucket] = {}
        self.tickets: dict[str, int] = {}  # per tier, over every bucket kept
        self.latest: datetime | None = None
        self.merge(summary)
        self.tiers = list(tiers)
        with ui.card().classes("w-full"):
            ui.label(_("Sales over time")).classes("text-lg font-semibold")
            self.chart = ui.plotly(sales_figure(event, tiers, self.buckets.values(), self.local)) \
                .classes("w-full").props("data-testid=sales-chart")

    def since(self) -> datetime | None:
        """The latest hour shown (still filling): what a refresh re-reads from; None reads every hour."""
        return self.latest

    def held_before(self, since: datetime | None) -> dict[str, int]:
        """Tickets per tier in the buckets before `since` (the latest hour), which a refresh does not re-read."""
        if since is None:
            return {}
        return {tier_id: count - (self.buckets[since, tier_id].tickets if (since, tier_id) in self.buckets else 0)
                for tier_id, count in self.tickets.items()}

    def merge(self, summary: SalesSummary) -> None:
        """Take the re-read buckets (hours from `summary.since` on, or every hour) in place of those kept."""
        since = summary.since
        if since is None:
            self.buckets, self.tickets, self.latest = {}, {}, None
        else:
            for tier_id in list(self.tickets):
                dropped = self.buckets.pop((since, tier_id), None)
                if dropped is not None:
                    self.tickets[tier_id] -= dropped.tickets
        for bucket in summary.buckets:
            self.buckets[bucket.hour, bucket.tier_id] = bucket
            self.tickets[bucket.tier_id] = self.tickets.get(bucket.tier_id, 0) + bucket.tickets
            self.latest = bucket.hour if self.latest is None else max(self.latest, bucket.hour)

    @staticmethod
    def consistent(held: dict[str, int], summary: SalesSummary) -> bool:
        """Whether the kept buckets plus the re-read ones add up to the tiers' totals."""
        counted = dict(held)
        for bucket in summary.buckets:
            counted[bucket.tier_id] = counted.get(bucket.tier_id, 0) + bucket.tickets
        return {k: v for k, v in counted.items() if v} == {t.tier_id: t.tickets for t in summary.tiers if t.tickets}

    def show(self, tiers: Sequence[Tier], summary: SalesSummary) -> None:
        """Merge the re-read hours in and redraw."""
        self.merge(summary)
        self.tiers = list(tiers)
        self.chart.figure = sales_figure(self.event, self.tiers, self.buckets.values(), self.local)
        self.chart.update()


class DoorPanel:
    """Who is inside per tier, arrivals, tickets admitted twice, the latest scans. The per-tier labels
    follow every sale in place; the rest is redrawn only when someone is admitted."""

    def __init__(self, event: Event, figures: EventFigures) -> None:
        self.event, self.local = event, LocalTimes(event.timezone)
        self.zone = self.local.zone
        self.arrivals: dict[datetime, int] = dict(figures.door.arrivals)
        with ui.card().classes("w-full gap-2").props("data-testid=door-panel"):
            ui.label(_("Door")).classes("text-lg font-semibold")
            self.tier_row = ui.row().classes("gap-6")
            self.labels: dict[str, ui.label] = {}
            self.chart = ui.plotly(self.arrivals_figure()).classes("w-full")
            self.chart.set_visibility(bool(self.arrivals))
            self.scans(figures)
        self.show_tiers(figures)

    def since(self) -> datetime | None:
        """The latest 5-minute slot shown (still filling): what a refresh re-reads from."""
        return max(self.arrivals, default=None)

    def show_tiers(self, figures: EventFigures) -> None:
        if list(self.labels) != [t.id for t in figures.tiers]:
            self.tier_row.clear()
            with self.tier_row:
                self.labels = {t.id: ui.label().props("data-testid=door-tier") for t in figures.tiers}
        for tier in figures.tiers:
            self.labels[tier.id].set_text(_("{tier}: {admitted} / {sold} in").format(
                tier=tier.name, admitted=figures.door.admitted_in(tier.id), sold=tier.sold))

    def show(self, figures: EventFigures, admitted: bool) -> None:
        self.show_tiers(figures)
        if not admitted:
            return
        since = figures.door.since
        self.arrivals = {slot: n for slot, n in self.arrivals.items() if since is not None and slot < since}
        self.arrivals.update(figures.door.arrivals)
        self.chart.figure = self.arrivals_figure()
        self.chart.set_visibility(bool(self.arrivals))
        self.chart.update()
        self.scans.refresh(figures)

    def arrivals_figure(self) -> dict[str, Any]:
        return arrivals_figure(self.arrivals, self.zone)

    @ui.refreshable_method
    def scans(self, figures: EventFigures) -> None:
        self.doubles(figures)
        self.recent_scans(figures)

    def doubles(self, figures: EventFigures) -> None:
        if not figures.doubles:
            return
        ui.label(_("Admitted twice ({count})").format(count=len(figures.doubles))).classes("font-semibold text-red-700")
        for double in figures.doubles:
            first, second = double.first, double.second
            ui.label(_("{holder}: first {device} at {time}, again {again_device} at {again_time}").format(
                holder=figures.double_holders.get(double.ticket_id, double.ticket_id),
                device=device_words(first.device_id), time=f"{first.scanned_at.astimezone(self.zone):%H:%M:%S}",
                again_device=device_words(second.device_id),
                again_time=f"{second.scanned_at.astimezone(self.zone):%H:%M:%S}")
            ).classes("text-sm text-red-800").props("data-testid=admitted-twice")

    def recent_scans(self, figures: EventFigures) -> None:
        if not figures.door.recent:
            ui.label(_("Nobody checked in yet.")).classes("text-sm text-slate-500")
            return
        ui.label(_("Recent scans")).classes("font-medium")
        for admission in figures.door.recent:
            checkin = admission.checkin
            ui.label(f"{checkin.scanned_at.astimezone(self.zone):%H:%M:%S} · "
                     f"{admission.holder_name or checkin.ticket_id} · {device_words(checkin.device_id)}"
                     + (_(" (offline)") if checkin.offline else "")).classes("text-sm text-slate-600")


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
                ui.label(_("Attendees")).classes("text-lg font-semibold")
                ui.input(_("Search name, email, order"), on_change=lambda e: self.search(e.value or "")).props(
                    "dense outlined clearable debounce=250 data-testid=attendee-search").classes("w-full sm:w-72")
            with ui.element("div").classes("w-full overflow-x-auto"):  # seven columns: scrolls on a phone
                self.table = ui.table(columns=translated([*ATTENDEE_COLUMNS, ACTIONS_COLUMN]), rows=[], row_key="id",
                                      pagination={"rowsPerPage": 0}) \
                    .classes("w-full").props("flat dense hide-bottom data-testid=attendees")
            add_order_actions(self.table, services, event, self.load)  # "Void / refund" per order (H5)
            self.answers = AnswerCells(services, event.id, lambda: self.show(*self.shown))  # issue 17
            with ui.row().classes("w-full items-center justify-end gap-2"):
                self.newer = ui.button(_("Newer"), icon="chevron_left", on_click=self.newer_page) \
                    .props("flat dense data-testid=attendees-newer")
                self.where = ui.label().classes("text-sm text-slate-500").props("data-testid=attendees-page")
                self.older = ui.button(_("Older"), icon="chevron_right", on_click=self.older_page) \
                    .props("flat dense data-testid=attendees-older")
        self.show(self.request(), page)

    def request(self) -> PageRequest:
        """What to read for the page on screen (one more than shown: is there an older page?)."""
        return self.event.id, self.starts[-1], ATTENDEES_PAGE + 1, self.query

    def show(self, request: PageRequest, page: list[Order]) -> None:
        if request != self.request():  # the organizer paged or searched while this was read
            return
        self.shown = (request, page)
        shown = page[:ATTENDEES_PAGE]
        self.last = (shown[-1].created_at, shown[-1].id) if shown else None
        rows = [
            {"id": o.id, "name": o.buyer.name, "email": o.buyer.email, "tickets": len(o.tickets),
             "tiers": ", ".join(sorted({self.names.get(t.tier_id, "?") for t in o.tickets})),
             "total": money(o.total_minor, o.currency),
             "time": day_and_time(o.created_at.astimezone(self.zone)), **self.answers.cells(o)}
            for o in shown
        ]
        if rows != self.table.rows:
            self.table.rows = rows
        self.newer.set_enabled(len(self.starts) > 1)
        self.older.set_enabled(len(page) > ATTENDEES_PAGE)
        self.where.set_text(_("page {number}").format(number=len(self.starts))
                            + (_(" · matching “{query}”").format(query=self.query) if self.query else ""))

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
