"""`/dashboard`: the organizer's events (drafts, on sale, past) with tickets sold and revenue."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.analytics import event_sales
from eventflow.domain.models import Event, EventStatus
from eventflow.pages.components.formatting import event_when, money
from eventflow.pages.components.frame import frame
from eventflow.pages.components.session import require_organizer
from eventflow.services import Services

STATUS_BADGES = {
    "draft": ("Draft", "bg-slate-200 text-slate-700"),
    "on_sale": ("On sale", "bg-emerald-100 text-emerald-800"),
    "past": ("Past", "bg-sky-100 text-sky-800"),
    "cancelled": ("Cancelled", "bg-red-100 text-red-800"),
}


def register(services: Services) -> None:
    store = services.ticketing.store

    def group(event: Event) -> str:
        if event.status is EventStatus.CANCELLED:
            return "cancelled"
        if event.ends_at <= services.ticketing.clock.now():
            return "past"
        return "on_sale" if event.status is EventStatus.PUBLISHED else "draft"

    @ui.page("/dashboard")
    def dashboard_page() -> None:
        organizer = require_organizer(services, "/dashboard")
        if organizer is None:
            return
        events = store.list_events(organizer.id)
        with frame("Dashboard", organizer):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(f"Hello, {organizer.name}").classes("text-2xl font-bold")
                with ui.row().classes("gap-2"):
                    ui.button("Payments", icon="account_balance",
                              on_click=lambda: ui.navigate.to("/dashboard/payments")).props("flat data-testid=payments")
                    ui.button("New event", icon="add", on_click=lambda: ui.navigate.to("/dashboard/events/new")) \
                        .props("data-testid=new-event")
            if not events:
                ui.label("No events yet. Create your first one: it takes a minute.").classes("text-slate-600")
            for key in ("on_sale", "draft", "past", "cancelled"):
                shown = [e for e in events if group(e) == key]
                if not shown:
                    continue
                ui.label(STATUS_BADGES[key][0]).classes("text-lg font-semibold mt-2")
                for event in shown:
                    event_card(event, key)

    def event_card(event: Event, key: str) -> None:
        sales = event_sales(event, store.get_tiers(event.id), store.list_orders(event.id))
        capacity = sum(t.capacity for t in sales.tiers)
        label, badge = STATUS_BADGES[key]
        with ui.link(target=f"/dashboard/events/{event.id}").classes("w-full no-underline text-inherit"), \
                ui.card().classes("w-full hover:shadow-md").props(f"data-testid=event-{event.id}"):
            with ui.row().classes("w-full items-start justify-between no-wrap"):
                with ui.column().classes("gap-0"):
                    ui.label(event.title).classes("text-lg font-semibold")
                    ui.label(event_when(event.starts_at, event.ends_at, event.timezone)).classes(
                        "text-sm text-slate-600"
                    )
                ui.label(label).classes(f"px-2 py-1 rounded-full text-xs font-medium {badge}")
            with ui.row().classes("gap-6 text-sm"):
                ui.label(f"{sales.sold} / {capacity} sold").props(f"data-testid=sold-{event.id}")
                ui.label(f"Revenue {money(sales.net_minor, event.currency)}").props(
                    f"data-testid=revenue-{event.id}"
                )
