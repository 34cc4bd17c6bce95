"""`/dashboard/events/{id}`: live sales per tier, money, a sales chart, attendees, door staff.

Subscribes to the availability hub like the public page, so every sale, hold, release or
admission anywhere updates these figures without a reload. Each change reads the event's
activity once for all panels (off the event loop), updates figures and tables in place (an
organizer paging through attendees stays on their page), and redraws a panel only when what it
shows has changed."""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from eventflow.domain.analytics import orders_csv
from eventflow.domain.models import Event, Organizer, StaffAccess
from eventflow.domain.queries import EventActivity
from eventflow.pages.components.event_panels import ActivityKeys, Attendees, DoorPanel, SalesChart, SalesFigures
from eventflow.pages.components.formatting import event_when
from eventflow.pages.components.frame import frame
from eventflow.pages.components.live_refresh import LiveRefresh
from eventflow.pages.components.payouts_panel import MoneyPanel
from eventflow.pages.components.session import require_own_event
from eventflow.pages.components.staff_panel import StaffPanel
from eventflow.services import Services


class EventDashboard:
    """The panels of one open dashboard and what they last showed."""

    figures: SalesFigures
    chart: SalesChart
    door: DoorPanel
    money: MoneyPanel
    attendees: Attendees

    def __init__(self, services: Services, organizer: Organizer, event: Event, activity: EventActivity) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.keys = ActivityKeys.of(activity)
        self.client = ui.context.client

    async def build(self, activity: EventActivity, staff: list[StaffAccess]) -> None:
        self.header()
        self.figures = SalesFigures(self.event)
        self.figures.show(activity)
        self.chart = SalesChart(self.event, activity)
        self.door = DoorPanel(self.event, activity)
        self.money = await MoneyPanel.create(self.services, self.organizer, self.event, activity.orders)
        self.attendees = Attendees(self.event, activity)
        StaffPanel(self.services, self.organizer, self.event, staff)

    def header(self) -> None:
        event = self.event
        with ui.row().classes("w-full items-center justify-between"):
            with ui.column().classes("gap-0"):
                ui.label(event.title).classes("text-2xl font-bold")
                ui.label(f"{event_when(event.starts_at, event.ends_at, event.timezone)} · {event.status.value}") \
                    .classes("text-slate-600")
            with ui.row().classes("gap-2"):
                ui.button("Edit", icon="edit",
                          on_click=lambda: ui.navigate.to(f"/dashboard/events/{event.id}/edit")).props("flat")
                ui.button("Export CSV", icon="download", on_click=self.export).props("flat data-testid=export-csv")

    async def export(self) -> None:
        queries = self.services.queries
        orders, tiers = await self.services.off_loop(
            lambda: (queries.orders(self.event.id), queries.tiers(self.event.id)))
        ui.download.content(orders_csv(orders, tiers), f"{self.event.slug}-orders.csv", "text/csv")

    async def refresh(self) -> None:
        """On every change the hub reports: one read for all panels, then only what moved."""
        queries, event_id = self.services.queries, self.event.id
        activity, refunds = await self.services.off_loop(
            lambda: (queries.event_activity(event_id), queries.refunds(event_id)))
        if self.client.is_deleted:  # closed while we read
            return
        keys = ActivityKeys.of(activity)
        self.figures.show(activity)  # held counts move with every hold and release
        if keys.sales != self.keys.sales:
            self.chart.show(activity)
            self.attendees.show(activity)
        if keys.door != self.keys.door:
            self.door.panel.refresh(activity)
        self.keys = keys
        self.money.show(activity.orders, refunds)


def register(services: Services) -> None:
    @ui.page("/dashboard/events/{event_id}")
    async def event_dashboard_page(event_id: str) -> RedirectResponse | None:
        found = await require_own_event(services, event_id, f"/dashboard/events/{event_id}")
        if not isinstance(found, tuple):
            return found  # to the login page, or the "no such event" page already shown
        organizer, event = found

        def read() -> tuple[EventActivity, list[StaffAccess]]:
            return services.queries.event_activity(event.id), services.staff.list_staff(organizer.id, event.id)

        activity, staff = await services.off_loop(read)
        dashboard = EventDashboard(services, organizer, event, activity)
        with frame(event.title, organizer):
            await dashboard.build(activity, staff)

        unsubscribe = services.hub.subscribe(event.id, LiveRefresh(dashboard.refresh, f"dashboard {event.id}"))
        ui.context.client.on_delete(unsubscribe)
        return None
