"""`/e/{slug}`: the public event page with each tier's live remaining count.

The page never polls: it subscribes to the availability hub, which reads the store once per
change and calls every open page of the event; each page then updates only the counts that moved.
"""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from eventflow.domain.errors import NotFound
from eventflow.domain.models import Event, EventStatus, EventView, TierCount
from eventflow.domain.money import FeeMode, fee_description
from eventflow.pages.components.formatting import event_when
from eventflow.pages.components.frame import frame, not_found
from eventflow.pages.components.purchase import PurchasePanel
from eventflow.pages.components.tier_card import TierRow, tier_card
from eventflow.services import Services


def event_header(event: Event, has_cover: bool) -> None:
    """Cover, title, when and where, a cancellation notice, the description."""
    if has_cover:
        cover = ui.image(f"/covers/{event.id}.jpg").classes("w-full rounded-lg max-h-80").props("fit=cover")
        cover.props["alt"] = event.title  # set directly: a title may contain quotes
    with ui.column().classes("gap-1"):
        ui.label(event.title).classes("text-3xl font-bold leading-tight")
        with ui.row().classes("items-center gap-1 text-slate-700"):
            ui.icon("event")
            ui.label(event_when(event.starts_at, event.ends_at, event.timezone))
        if event.venue:
            with ui.row().classes("items-center gap-1 text-slate-600"):
                ui.icon("place")
                ui.label(event.venue)
    if event.status is EventStatus.CANCELLED:
        ui.label("This event has been cancelled.").classes("w-full p-3 rounded bg-red-100 text-red-900 font-medium")
    if event.description:
        ui.markdown(event.description).classes("text-slate-800")


def register(services: Services) -> None:
    @ui.page("/e/{slug}")
    async def event_page(slug: str) -> None:
        try:
            view = await services.off_loop(services.catalog.public_event_by_slug, slug)
        except NotFound:
            not_found("event")
            return
        event = view.event
        with frame(event.title):
            event_header(event, services.covers.exists(event.id))
            ui.label("Tickets").classes("text-xl font-semibold mt-2")
            panel = PurchasePanel(services, view) if event.status is EventStatus.PUBLISHED else None
            rows = tickets(view, panel, services.ticketing.clock.now())
            if panel is not None:
                panel.form()
            if event.fee_mode is FeeMode.BUYER_PAYS:
                ui.label(
                    f"Platform fee: {fee_description(event.currency)}, shown before you pay. "
                    "Free tickets have no fee."
                ).classes("text-xs text-slate-500")

        def show_counts(counts: list[TierCount]) -> None:  # the hub read them: no store call here
            for count in counts:
                row = rows.get(count.tier_id)
                if row is not None:
                    row.show(count)
                if panel is not None:
                    panel.availability_changed(count.tier_id, count.available)

        unsubscribe = services.hub.subscribe(event.id, show_counts)
        ui.context.client.on_delete(unsubscribe)


def tickets(view: EventView, panel: PurchasePanel | None, now: datetime) -> dict[str, TierRow]:
    """A card per visible tier; a stepper on those that can be bought right now."""
    event = view.event
    return {
        tier.id: tier_card(tier, event.currency, FeeMode(event.fee_mode), panel if tier.on_sale_at(now) else None, now)
        for tier in view.tiers if not tier.hidden
    }
