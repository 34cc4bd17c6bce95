"""`/dashboard/events/{id}`: live sales per tier, money, a sales chart, attendees, door staff.

Subscribes to the availability hub like the public page, so every sale, hold, release or
admission anywhere updates these figures without a reload. Each change reads, in one hop off the
event loop, only what the store keeps aggregated (tiers, the sales and door summaries, refunds) and,
when sales moved, the one page of attendees on screen: the work per change does not grow with the
number of orders. Figures and tables update in place (an organizer paging through attendees stays
on their page); a panel is redrawn only when what it shows has changed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from nicegui import ui
from starlette.responses import RedirectResponse

from eventflow.domain.analytics import orders_csv, sales_key
from eventflow.domain.models import Event, Order, Organizer, StaffAccess
from eventflow.domain.payments.records import Refund
from eventflow.domain.sales_stats import ATTENDEES_PAGE, EventFigures
from eventflow.i18n import _
from eventflow.pages.components.attendance_panel import AttendancePanel
from eventflow.pages.components.code_stats_panel import CodeStatsPanel
from eventflow.pages.components.disputes_panel import DisputesPanel
from eventflow.pages.components.event_panels import Attendees, DoorPanel, PageRequest, SalesChart, SalesFigures
from eventflow.pages.components.exports_menu import ExportsMenu
from eventflow.pages.components.forecast_panel import ForecastPanel
from eventflow.pages.components.formatting import event_when
from eventflow.pages.components.frame import frame
from eventflow.pages.components.live_refresh import follow_event
from eventflow.pages.components.messages_panel import MessagesPanel
from eventflow.pages.components.payouts_panel import MoneyPanel
from eventflow.pages.components.session import require_own_event
from eventflow.pages.components.sources_panel import SourcesPanel
from eventflow.pages.components.staff_panel import StaffPanel
from eventflow.pages.components.waitlist_panel import WaitlistPanel
from eventflow.pages.event_editor import STATUS_WORDS
from eventflow.services import Services

REDRAW_PAUSE = 0.005  # seconds between two pieces of a dashboard redraw (its duty cycle stays low)


@dataclass(frozen=True, slots=True)
class Reading:
    """One refresh's read. The pages are None when sales did not move (nothing to re-read); the card
    orders come with the search they answer."""

    figures: EventFigures
    refunds: list[Refund]
    attendees: tuple[PageRequest, list[Order]] | None
    card_orders: tuple[str, list[Order]] | None


class EventDashboard:
    """The panels of one open dashboard and what they last showed."""

    figures: SalesFigures
    chart: SalesChart
    door: DoorPanel
    money: MoneyPanel
    attendees: Attendees

    def __init__(self, services: Services, organizer: Organizer, event: Event, shown: EventFigures) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.shown = shown
        self.client = ui.context.client

    async def build(self, first_page: list[Order], staff: list[StaffAccess]) -> None:
        shown = self.shown
        self.header()
        self.figures = SalesFigures(self.event)
        self.figures.show(shown.tiers, shown.sales)
        self.chart = SalesChart(self.event, shown.tiers, shown.sales)
        self.door = DoorPanel(self.event, shown)
        self.attendance = await AttendancePanel.create(self.services, self.event, shown)  # issue 18
        self.money = await MoneyPanel.create(self.services, self.organizer, self.event, shown.sales)
        await DisputesPanel.create(self.services, self.organizer, self.event)  # chargebacks (H7)
        await CodeStatsPanel.create(self.services, self.organizer, self.event)  # per access code (issue 12)
        await SourcesPanel.create(self.services, self.organizer, self.event)  # where buyers come from (issue 18)
        await ForecastPanel.create(self.services, self.organizer, self.event)  # what to do next (issue 18)
        await WaitlistPanel.create(self.services, self.organizer, self.event)  # waitlists (issue 13)
        ExportsMenu(self.services, self.event)  # XLSX and CSV downloads (issue 18)
        self.attendees = Attendees(self.services, self.event, shown.tiers, first_page)
        StaffPanel(self.services, self.organizer, self.event, staff)
        MessagesPanel(self.services, self.organizer, self.event, shown.tiers)  # messages, reminder (H6)

    def header(self) -> None:
        event = self.event
        with ui.row().classes("w-full items-center justify-between"):
            with ui.column().classes("gap-0"):
                ui.label(event.title).classes("text-2xl font-bold")
                ui.label(f"{event_when(event.starts_at, event.ends_at, event.timezone)} · "
                         f"{_(STATUS_WORDS[event.status][0])}") \
                    .classes("text-slate-600")
            with ui.row().classes("gap-2"):
                ui.button(_("Edit"), icon="edit",
                          on_click=lambda: ui.navigate.to(f"/dashboard/events/{event.id}/edit")).props("flat")
                ui.button(_("Export CSV"), icon="download", on_click=self.export).props("flat data-testid=export-csv")

    async def export(self) -> None:
        """Every order, on purpose (the organizer asked for the file): read and written in a worker
        thread, so a large event's export never stalls the loop that serves buyers."""
        queries, event_id, timezone = self.services.queries, self.event.id, self.event.timezone

        def export() -> str:
            orders = queries.orders(event_id)
            return orders_csv(orders, queries.tiers(event_id), timezone, queries.checkins(event_id),
                              self.services.attendees.answer_sheet(event_id), queries.order_touches(orders))

        ui.download.content(await self.services.in_thread(export), f"{self.event.slug}-orders.csv", "text/csv")

    def read(self, since: datetime | None, held: dict[str, int], arrivals_since: datetime | None) -> Reading:
        """The refresh's read (off the loop): totals and the chart's latest hour always (every hour when
        a refund changed an older one); the attendee and card-order pages on screen only when sales moved."""
        queries, event_id = self.services.queries, self.event.id
        figures = queries.event_figures(event_id, since, arrivals_since)
        if since is not None and not SalesChart.consistent(held, figures.sales):
            figures = queries.event_figures(event_id, None, arrivals_since)
        refunds = queries.refunds(event_id)
        if not self.sales_moved(self.shown, figures):
            return Reading(figures, refunds, None, None)
        request = self.attendees.request()
        query = self.money.query
        card_page = (query, MoneyPanel.card_page_of(self.services, event_id, query))
        return Reading(figures, refunds, (request, queries.orders_page(*request)), card_page)

    @staticmethod
    def sales_moved(before: EventFigures, figures: EventFigures) -> bool:
        return sales_key(figures.sales) != sales_key(before.sales) or [(t.id, t.name) for t in figures.tiers] != [
            (t.id, t.name) for t in before.tiers]

    async def refresh(self) -> None:
        """On every change the hub reports: one read for all panels, then only what moved, one panel
        at a time with the loop's other work let in between (`give_way`)."""
        since = self.chart.since()
        reading = await self.services.off_loop(self.read, since, self.chart.held_before(since), self.door.since())
        if not await self.give_way():
            return
        figures, before = reading.figures, self.shown
        self.shown = figures  # what this refresh shows, kept before the pauses below
        self.figures.show(figures.tiers, figures.sales)  # held counts move with every hold and release
        if self.sales_moved(before, figures):
            if not await self.give_way():
                return
            self.chart.show(figures.tiers, figures.sales)
        if reading.attendees is not None:
            if not await self.give_way():
                return
            self.attendees.names_changed(figures.tiers)
            self.attendees.show(*reading.attendees)
        admitted = (figures.door.admitted, figures.door.recent, figures.doubles) != (
            before.door.admitted, before.door.recent, before.doubles)
        self.door.show(figures, admitted)
        self.attendance.show(figures, admitted)  # when they arrive (issue 18)
        if not await self.give_way():
            return
        self.money.show(figures.sales, reading.refunds, reading.card_orders)

    async def give_way(self) -> bool:
        """A pause between two pieces of a redraw (a panel or two, each under a millisecond of CPU).
        A buyer's payment runs in a worker thread and shares the interpreter lock with the loop: whatever
        the loop does while it runs, it waits for. Drawn in one go, a redraw made a payment that met it up
        to twice as slow; paced, a payment meets at most a piece or two. False when the page closed
        meanwhile (nothing more to draw)."""
        await asyncio.sleep(REDRAW_PAUSE)
        return not self.client.is_deleted


def register(services: Services) -> None:
    @ui.page("/dashboard/events/{event_id}")
    async def event_dashboard_page(event_id: str) -> RedirectResponse | None:
        found = await require_own_event(services, event_id, f"/dashboard/events/{event_id}")
        if not isinstance(found, tuple):
            return found  # to the login page, or the "no such event" page already shown
        organizer, event = found

        def read() -> tuple[EventFigures, list[Order], list[StaffAccess]]:
            queries = services.queries
            return (queries.event_figures(event.id), queries.orders_page(event.id, None, ATTENDEES_PAGE + 1),
                    services.staff.list_staff(organizer.id, event.id))

        figures, first_page, staff = await services.off_loop(read)
        dashboard = EventDashboard(services, organizer, event, figures)
        with frame(event.title, organizer):
            await dashboard.build(first_page, staff)

        follow_event(services, event.id, dashboard.refresh, f"dashboard {event.id}")
        return None
