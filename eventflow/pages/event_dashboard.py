"""`/dashboard/events/{id}`: live sales per tier, money, a sales chart, attendees, door staff.

Subscribes to the availability hub like the public page, so every sale, hold, release or
admission anywhere updates these figures without a reload. Each change reads the event's data
once for all panels, updates figures and tables in place (an organizer paging through attendees
stays on their page), and rebuilds a panel only when what it shows has changed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from nicegui import ui

from eventflow.domain.analytics import (
    arrivals,
    checked_in_per_tier,
    event_sales,
    orders_csv,
    orders_fingerprint,
    sales_over_time,
    search_attendees,
)
from eventflow.domain.errors import DomainError
from eventflow.domain.models import CheckIn, DoubleAdmission, Event, Order, Tier, TierCount
from eventflow.pages.components.formatting import event_when, money
from eventflow.pages.components.frame import frame
from eventflow.pages.components.payouts_panel import money_panel
from eventflow.pages.components.session import require_own_event
from eventflow.services import Services


@dataclass(frozen=True)
class Snapshot:
    """What the dashboard shows, read once per change for every panel."""

    tiers: list[Tier]
    orders: list[Order]
    checkins: list[CheckIn]
    doubles: list[DoubleAdmission]

    @cached_property  # compared with the previous snapshot's, and part of door_key
    def sales_key(self) -> tuple[Any, ...]:
        """Changes when an order is added, one of its tickets changes (refund, void) or a tier is
        added or renamed; not when a hold opens or closes."""
        return orders_fingerprint(self.orders), tuple((t.id, t.name) for t in self.tiers)

    @cached_property
    def door_key(self) -> tuple[Any, ...]:
        return tuple((c.ticket_id, c.scanned_at) for c in self.checkins), len(self.doubles), self.sales_key


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


def register(services: Services) -> None:
    ticketing, organizing = services.ticketing, services.organizing
    store = ticketing.store

    @ui.page("/dashboard/events/{event_id}")
    def event_dashboard_page(event_id: str) -> None:
        found = require_own_event(services, event_id, f"/dashboard/events/{event_id}")
        if found is None:
            return
        organizer, event = found

        def read() -> Snapshot:
            return Snapshot(store.get_tiers(event.id), store.list_orders(event.id),
                            store.list_checkins(event.id), store.list_double_admissions(event.id))

        snapshot = read()
        metrics: dict[str, ui.label] = {}
        tier_columns = [
            {"name": "name", "label": "Tier", "field": "name", "align": "left"},
            {"name": "sold", "label": "Sold", "field": "sold"},
            {"name": "held", "label": "Held", "field": "held"},
            {"name": "remaining", "label": "Remaining", "field": "remaining"},
            {"name": "gross", "label": "Gross", "field": "gross"},
            {"name": "fees", "label": "Fees", "field": "fees"},
            {"name": "net", "label": "Net", "field": "net"},
        ]

        def figures() -> ui.table:
            """The headline figures and the tier table, built once; `show_figures` fills them."""
            with ui.row().classes("w-full gap-3"):
                for label, testid in (("Tickets sold", "total-sold"), ("Held right now", "total-held"),
                                      ("Gross", "gross"), ("Platform fees", "fees"), ("Your net", "net")):
                    with ui.card().classes("grow min-w-[9rem] gap-0"):
                        ui.label(label).classes("text-xs uppercase text-slate-500")
                        metrics[testid] = ui.label().classes("text-xl font-semibold").props(f"data-testid={testid}")
            return ui.table(columns=tier_columns, rows=[], row_key="id").classes("w-full").props(
                "flat bordered dense data-testid=tier-table")

        def show_figures(data: Snapshot) -> None:
            sales = event_sales(event, data.tiers, data.orders)
            currency = event.currency
            for testid, text in (("total-sold", str(sales.sold)), ("total-held", str(sales.held)),
                                 ("gross", money(sales.gross_minor, currency)),
                                 ("fees", money(sales.fee_minor, currency)),
                                 ("net", money(sales.net_minor, currency))):
                metrics[testid].set_text(text)
            tier_table.rows = [
                {"name": t.name, "sold": t.sold, "held": t.held, "remaining": t.remaining,
                 "gross": money(t.gross_minor, currency), "fees": money(t.fee_minor, currency),
                 "net": money(t.net_minor, currency), "id": t.tier_id}
                for t in sales.tiers
            ]

        @ui.refreshable
        def door_panel() -> None:
            tiers, orders, checkins = snapshot.tiers, snapshot.orders, snapshot.checkins
            holders = {t.id: t.holder_name for o in orders for t in o.tickets}
            zone = ZoneInfo(event.timezone)
            with ui.card().classes("w-full gap-2").props("data-testid=door-panel"):
                ui.label("Door").classes("text-lg font-semibold")
                with ui.row().classes("gap-6"):
                    for name, inside, sold in checked_in_per_tier(tiers, orders, checkins):
                        ui.label(f"{name}: {inside} / {sold} in").props("data-testid=door-tier")
                frame_ = arrivals(checkins, event.timezone)
                if len(frame_):
                    figure = go.Figure(go.Bar(x=frame_["time"], y=frame_["arrivals"], name="arrivals"))
                    figure.update_layout(height=200, margin={"l": 40, "r": 10, "t": 10, "b": 30},
                                         yaxis_title="per 5 min")
                    ui.plotly(figure).classes("w-full")
                doubles = snapshot.doubles
                if doubles:
                    ui.label(f"Admitted twice ({len(doubles)})").classes("font-semibold text-red-700")
                    for double in doubles:
                        ui.label(
                            f"{holders.get(double.ticket_id, double.ticket_id)}: first {double.first.device_id} at "
                            f"{double.first.scanned_at.astimezone(zone):%H:%M:%S}, again {double.second.device_id} "
                            f"at {double.second.scanned_at.astimezone(zone):%H:%M:%S}"
                        ).classes("text-sm text-red-800").props("data-testid=admitted-twice")
                if checkins:
                    ui.label("Recent scans").classes("font-medium")
                    for checkin in sorted(checkins, key=lambda c: c.scanned_at, reverse=True)[:8]:
                        ui.label(f"{checkin.scanned_at.astimezone(zone):%H:%M:%S} · "
                                 f"{holders.get(checkin.ticket_id, checkin.ticket_id)} · {checkin.device_id}"
                                 + (" (offline)" if checkin.offline else "")).classes("text-sm text-slate-600")
                else:
                    ui.label("Nobody checked in yet.").classes("text-sm text-slate-500")

        def refresh_all(_: list[TierCount] | None = None) -> None:
            nonlocal snapshot
            before, snapshot = snapshot, read()
            show_figures(snapshot)  # held counts move with every hold and release
            if snapshot.sales_key != before.sales_key:
                chart.update_figure(sales_figure(event, snapshot.tiers, snapshot.orders))
                show_attendees()
            if snapshot.door_key != before.door_key:
                door_panel.refresh()
            show_money(snapshot.orders)

        search = {"query": ""}

        def attendee_rows() -> list[dict[str, Any]]:
            orders = search_attendees(snapshot.orders, search["query"])
            names = {t.id: t.name for t in snapshot.tiers}
            return [
                {"id": o.id, "name": o.buyer.name, "email": o.buyer.email, "tickets": len(o.tickets),
                 "tiers": ", ".join(sorted({names.get(t.tier_id, "?") for t in o.tickets})),
                 "total": money(o.total_minor, o.currency),
                 "time": o.created_at.astimezone(ZoneInfo(event.timezone)).strftime("%d %b %H:%M")}
                for o in reversed(orders)
            ]

        def show_attendees() -> None:
            attendee_table.rows = attendee_rows()

        def attendee_section() -> ui.table:
            with ui.card().classes("w-full"):
                with ui.row().classes("w-full items-center justify-between"):
                    ui.label("Attendees").classes("text-lg font-semibold")
                    ui.input("Search name, email, order", on_change=lambda e: (
                        search.update(query=e.value or ""), show_attendees())).props(
                        "dense outlined clearable debounce=250 data-testid=attendee-search").classes("w-72")
                columns = [{"name": key, "label": label, "field": key, "align": "left"} for key, label in (
                    ("name", "Name"), ("email", "Email"), ("tickets", "Tickets"), ("tiers", "Tiers"),
                    ("total", "Paid"), ("time", "When"), ("id", "Order"))]
                return ui.table(columns=columns, rows=attendee_rows(), row_key="id", pagination=20) \
                    .classes("w-full").props("flat dense data-testid=attendees")

        @ui.refreshable
        def staff_list() -> None:
            for staff in organizing.list_staff(organizer.id, event.id):
                with ui.row().classes("w-full items-center justify-between"):
                    state = "active" if staff.active else "revoked"
                    ui.label(f"{staff.label} · {state} · since {staff.created_at:%d %b %H:%M} UTC").props(
                        f"data-testid=staff-{staff.id}")
                    if staff.active:
                        ui.button("Revoke", on_click=lambda s=staff: (
                            organizing.revoke_staff(organizer.id, event.id, s.id), staff_list.refresh())) \
                            .props(f"flat dense color=negative data-testid=revoke-{staff.id}")

        def staff_section() -> None:
            with ui.card().classes("w-full gap-2"):
                ui.label("Door staff").classes("text-lg font-semibold")
                ui.label("Each link lets one person check tickets in at this event only, without your password. "
                         "It is shown once; revoke it any time.").classes("text-sm text-slate-600")
                staff_list()
                with ui.row().classes("items-center gap-2"):
                    label = ui.input("Who is it for?").props("dense outlined data-testid=staff-label")
                    link = ui.label().classes("font-mono text-sm break-all select-all").props(
                        "data-testid=staff-link")

                    def create() -> None:
                        try:
                            _staff, token = organizing.add_staff(organizer.id, event.id, label.value or "")
                        except DomainError as problem:
                            ui.notify(problem.detail, type="negative")
                            return
                        link.text = services.staff_link(event.id, token)
                        label.value = ""
                        staff_list.refresh()

                    ui.button("Create staff link", icon="badge", on_click=create).props("data-testid=add-staff")

        with frame(event.title, organizer):
            with ui.row().classes("w-full items-center justify-between"):
                with ui.column().classes("gap-0"):
                    ui.label(event.title).classes("text-2xl font-bold")
                    ui.label(f"{event_when(event.starts_at, event.ends_at, event.timezone)} · {event.status.value}") \
                        .classes("text-slate-600")
                with ui.row().classes("gap-2"):
                    ui.button("Edit", icon="edit",
                              on_click=lambda: ui.navigate.to(f"/dashboard/events/{event.id}/edit")).props("flat")
                    ui.button("Export CSV", icon="download", on_click=lambda: ui.download.content(
                        orders_csv(store.list_orders(event.id), store.get_tiers(event.id)),
                        f"{event.slug}-orders.csv", "text/csv")).props("flat data-testid=export-csv")
            tier_table = figures()
            show_figures(snapshot)
            with ui.card().classes("w-full"):
                ui.label("Sales over time").classes("text-lg font-semibold")
                chart = ui.plotly(sales_figure(event, snapshot.tiers, snapshot.orders)).classes("w-full") \
                    .props("data-testid=sales-chart")
            door_panel()
            show_money = money_panel(services, organizer, event, snapshot.orders)
            attendee_table = attendee_section()
            staff_section()

        unsubscribe = services.hub.subscribe(event.id, refresh_all)
        ui.context.client.on_delete(unsubscribe)

