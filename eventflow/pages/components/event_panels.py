"""The event dashboard's sales and door panels, each built once and then updated in place from the
`EventActivity` the dashboard reads per change (an organizer paging through attendees stays put)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from nicegui import ui

from eventflow.domain.analytics import (
    arrivals,
    checked_in_per_tier,
    event_sales,
    orders_fingerprint,
    sales_over_time,
    search_attendees,
)
from eventflow.domain.models import Event, Order, Tier
from eventflow.domain.queries import EventActivity
from eventflow.pages.components.formatting import money

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


@dataclass(frozen=True)
class ActivityKeys:
    """What tells the panels whether to redraw, computed once per read."""

    sales: tuple[Any, ...]  # orders added, tickets refunded or voided, tiers added or renamed; not holds
    door: tuple[Any, ...]

    @classmethod
    def of(cls, activity: EventActivity) -> ActivityKeys:
        sales = orders_fingerprint(activity.orders), tuple((t.id, t.name) for t in activity.tiers)
        door = tuple((c.ticket_id, c.scanned_at) for c in activity.checkins), len(activity.doubles), sales
        return cls(sales, door)


def sales_figure(event: Event, tiers: Sequence[Tier], orders: Sequence[Order]) -> go.Figure:
    frame_ = sales_over_time(orders, tiers, event.timezone, since=event.created_at)
    figure = go.Figure()
    if not len(frame_):
        figure.add_annotation(text="No sales yet", showarrow=False, font={"size": 16, "color": "#64748b"})
        figure.update_xaxes(visible=False)
        figure.update_yaxes(visible=False)
    for tier in tiers:
        if tier.name in frame_.columns and len(frame_):
            figure.add_trace(go.Scatter(x=frame_["time"], y=frame_[tier.name], mode="lines+markers",
                                        name=tier.name, line_shape="hv"))
    figure.update_layout(
        margin={"l": 40, "r": 10, "t": 10, "b": 40}, height=280, legend={"orientation": "h"},
        yaxis_title="tickets sold", xaxis_title=f"time ({event.timezone})",
    )
    return figure


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

    def show(self, activity: EventActivity) -> None:
        sales = event_sales(self.event, activity.tiers, activity.orders)
        currency = self.event.currency
        for testid, text in (("total-sold", str(sales.sold)), ("total-held", str(sales.held)),
                             ("gross", money(sales.gross_minor, currency)),
                             ("fees", money(sales.fee_minor, currency)),
                             ("net", money(sales.net_minor, currency))):
            self.metrics[testid].set_text(text)
        self.table.rows = [
            {"name": t.name, "sold": t.sold, "held": t.held, "remaining": t.remaining,
             "gross": money(t.gross_minor, currency), "fees": money(t.fee_minor, currency),
             "net": money(t.net_minor, currency), "id": t.tier_id}
            for t in sales.tiers
        ]


class SalesChart:
    def __init__(self, event: Event, activity: EventActivity) -> None:
        self.event = event
        with ui.card().classes("w-full"):
            ui.label("Sales over time").classes("text-lg font-semibold")
            self.chart = ui.plotly(sales_figure(event, activity.tiers, activity.orders)).classes("w-full") \
                .props("data-testid=sales-chart")

    def show(self, activity: EventActivity) -> None:
        self.chart.update_figure(sales_figure(self.event, activity.tiers, activity.orders))


class DoorPanel:
    """Who is inside per tier, arrivals, tickets admitted twice, the latest scans."""

    def __init__(self, event: Event, activity: EventActivity) -> None:
        self.event = event
        self.zone = ZoneInfo(event.timezone)
        self.panel(activity)

    @ui.refreshable_method
    def panel(self, activity: EventActivity) -> None:
        holders = {t.id: t.holder_name for o in activity.orders for t in o.tickets}
        with ui.card().classes("w-full gap-2").props("data-testid=door-panel"):
            ui.label("Door").classes("text-lg font-semibold")
            with ui.row().classes("gap-6"):
                for name, inside, sold in checked_in_per_tier(activity.tiers, activity.orders, activity.checkins):
                    ui.label(f"{name}: {inside} / {sold} in").props("data-testid=door-tier")
            self.arrivals_chart(activity)
            self.doubles(activity, holders)
            self.recent_scans(activity, holders)

    def arrivals_chart(self, activity: EventActivity) -> None:
        frame_ = arrivals(activity.checkins, self.event.timezone)
        if len(frame_):
            figure = go.Figure(go.Bar(x=frame_["time"], y=frame_["arrivals"], name="arrivals"))
            figure.update_layout(height=200, margin={"l": 40, "r": 10, "t": 10, "b": 30}, yaxis_title="per 5 min")
            ui.plotly(figure).classes("w-full")

    def doubles(self, activity: EventActivity, holders: dict[str, str]) -> None:
        if not activity.doubles:
            return
        ui.label(f"Admitted twice ({len(activity.doubles)})").classes("font-semibold text-red-700")
        for double in activity.doubles:
            first, second = double.first, double.second
            ui.label(
                f"{holders.get(double.ticket_id, double.ticket_id)}: first {first.device_id} at "
                f"{first.scanned_at.astimezone(self.zone):%H:%M:%S}, again {second.device_id} "
                f"at {second.scanned_at.astimezone(self.zone):%H:%M:%S}"
            ).classes("text-sm text-red-800").props("data-testid=admitted-twice")

    def recent_scans(self, activity: EventActivity, holders: dict[str, str]) -> None:
        if not activity.checkins:
            ui.label("Nobody checked in yet.").classes("text-sm text-slate-500")
            return
        ui.label("Recent scans").classes("font-medium")
        for checkin in sorted(activity.checkins, key=lambda c: c.scanned_at, reverse=True)[:8]:
            ui.label(f"{checkin.scanned_at.astimezone(self.zone):%H:%M:%S} · "
                     f"{holders.get(checkin.ticket_id, checkin.ticket_id)} · {checkin.device_id}"
                     + (" (offline)" if checkin.offline else "")).classes("text-sm text-slate-600")


class Attendees:
    """The searchable, paged attendee table (newest first)."""

    def __init__(self, event: Event, activity: EventActivity) -> None:
        self.event, self.activity, self.query = event, activity, ""
        with ui.card().classes("w-full"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label("Attendees").classes("text-lg font-semibold")
                ui.input("Search name, email, order", on_change=lambda e: self.search(e.value or "")).props(
                    "dense outlined clearable debounce=250 data-testid=attendee-search").classes("w-72")
            self.table = ui.table(columns=ATTENDEE_COLUMNS, rows=self.rows(), row_key="id", pagination=20) \
                .classes("w-full").props("flat dense data-testid=attendees")

    def search(self, query: str) -> None:
        self.query = query
        self.table.rows = self.rows()

    def show(self, activity: EventActivity) -> None:
        self.activity = activity
        self.table.rows = self.rows()

    def rows(self) -> list[dict[str, Any]]:
        names = {t.id: t.name for t in self.activity.tiers}
        zone = ZoneInfo(self.event.timezone)
        return [
            {"id": o.id, "name": o.buyer.name, "email": o.buyer.email, "tickets": len(o.tickets),
             "tiers": ", ".join(sorted({names.get(t.tier_id, "?") for t in o.tickets})),
             "total": money(o.total_minor, o.currency), "time": o.created_at.astimezone(zone).strftime("%d %b %H:%M")}
            for o in reversed(search_attendees(self.activity.orders, self.query))
        ]
