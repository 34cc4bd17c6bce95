"""`/dashboard`: the organizer's events (drafts, on sale, past) with tickets sold and revenue."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui
from starlette.responses import RedirectResponse

from eventflow.domain.analytics import CounterSales, sales_from_counters
from eventflow.domain.models import Event, EventStatus, Organizer
from eventflow.i18n import N_, _
from eventflow.pages.components.formatting import event_when, money
from eventflow.pages.components.frame import frame
from eventflow.pages.components.overview_panel import organizer_overview
from eventflow.pages.components.session import require_organizer
from eventflow.services import Services

STATUS_BADGES = {
    "draft": (N_("Draft"), "bg-slate-200 text-slate-700"),
    "on_sale": (N_("On sale"), "bg-emerald-100 text-emerald-800"),
    "past": (N_("Past"), "bg-sky-100 text-sky-800"),
    "cancelled": (N_("Cancelled"), "bg-red-100 text-red-800"),
}


# The figures come from the tiers' counters, not from the orders: say what they count.
FIGURES_NOTE = N_("Sold counts tickets taken off sale: a refund that put its ticket back on sale is not counted, "
                   "one that did not still is. Revenue is tickets sold × each tier's current price "
                   "(less our fee when you absorb it).")


def group(event: Event, now: datetime) -> str:
    if event.status is EventStatus.CANCELLED:
        return "cancelled"
    if event.ends_at <= now:
        return "past"
    return "on_sale" if event.status is EventStatus.PUBLISHED else "draft"


def register(services: Services) -> None:
    queries = services.queries

    def read(organizer: Organizer) -> list[tuple[Event, CounterSales]]:
        """Every event of the organizer with its figures from the tiers' live counters (no order
        is loaded: the cost follows the number of events, not of sales), in one hop off the loop."""
        return [(event, sales_from_counters(event, tiers))
                for event, tiers in queries.organizer_events_with_tiers(organizer.id)]

    @ui.page("/dashboard")
    async def dashboard_page() -> RedirectResponse | None:
        organizer = await require_organizer(services, "/dashboard")
        if isinstance(organizer, RedirectResponse):
            return organizer
        events = await services.off_loop(read, organizer)
        now = services.ticketing.clock.now()
        with frame(_("Dashboard"), organizer):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(_("Hello, {name}").format(name=organizer.name)).classes("text-2xl font-bold")
                with ui.row().classes("gap-2"):
                    ui.button(_("Payments"), icon="account_balance",
                              on_click=lambda: ui.navigate.to("/dashboard/payments")).props("flat data-testid=payments")
                    ui.button(_("New event"), icon="add", on_click=lambda: ui.navigate.to("/dashboard/events/new")) \
                        .props("data-testid=new-event")
            await organizer_overview(services, organizer)  # across events (components/overview_panel.py)
            if not events:
                ui.label(_("No events yet. Create your first one: it takes a minute.")).classes("text-slate-600")
            for key in ("on_sale", "draft", "past", "cancelled"):
                shown = [(event, sales) for event, sales in events if group(event, now) == key]
                if not shown:
                    continue
                ui.label(_(STATUS_BADGES[key][0])).classes("text-lg font-semibold mt-2")
                for event, sales in shown:
                    event_card(event, sales, key)
            if events:
                ui.label(_(FIGURES_NOTE)).classes("text-xs text-slate-500").props("data-testid=figures-note")
        return None


def event_card(event: Event, sales: CounterSales, key: str) -> None:
    capacity = sales.capacity
    label, badge = STATUS_BADGES[key]
    with ui.link(target=f"/dashboard/events/{event.id}").classes("w-full no-underline text-inherit"), \
            ui.card().classes("w-full hover:shadow-md").props(f"data-testid=event-{event.id}"):
        with ui.row().classes("w-full items-start justify-between no-wrap"):
            with ui.column().classes("gap-0"):
                ui.label(event.title).classes("text-lg font-semibold")
                ui.label(event_when(event.starts_at, event.ends_at, event.timezone)).classes(
                    "text-sm text-slate-600"
                )
            ui.label(_(label)).classes(f"px-2 py-1 rounded-full text-xs font-medium {badge}")
        with ui.row().classes("gap-6 text-sm"):
            ui.label(_("{sold} / {capacity} sold").format(sold=sales.sold, capacity=capacity)).props(
                f"data-testid=sold-{event.id}")
            ui.label(_("Revenue {amount}").format(amount=money(sales.net_minor, event.currency))).props(
                f"data-testid=revenue-{event.id}"
            )
