"""`/e/{slug}`: the public event page with each tier's live remaining count.

The page never polls: it subscribes to the availability hub, which reads the store once per
change and calls every open page of the event; each page then updates only the counts that moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nicegui import ui

from eventflow.domain.errors import NotFound
from eventflow.domain.models import EventStatus, Tier, TierCount, availability_band
from eventflow.domain.money import FeeMode, TicketPrice, fee_description
from eventflow.pages.components.formatting import availability_text, event_when, money, price_label
from eventflow.pages.components.frame import frame, not_found
from eventflow.pages.components.purchase import PurchasePanel
from eventflow.services import Services

BADGE_CLASSES = {
    "plenty": "bg-emerald-100 text-emerald-800",
    "few": "bg-amber-100 text-amber-900",
    "none": "bg-slate-200 text-slate-600",
}


@dataclass
class TierRow:
    """The widgets of one tier that change as tickets sell."""

    capacity: int
    available: int
    badge: ui.label
    card: ui.card

    def show(self, count: TierCount) -> None:
        if count.available == self.available and count.capacity == self.capacity:
            return
        self.capacity, self.available = count.capacity, count.available
        self.badge.text = availability_text(count.available, count.capacity)
        self.badge.classes(replace=badge_classes(count.available, count.capacity))
        if count.available == 0:
            self.card.classes(add="opacity-60")
        else:
            self.card.classes(remove="opacity-60")


def sale_window_text(tier: Tier, now: datetime) -> str:
    if tier.sales_start is not None and now < tier.sales_start:
        return f"On sale from {tier.sales_start:%d %b %H:%M} UTC"
    return "Sales have ended" if tier.sales_end is not None and now >= tier.sales_end else "Not on sale"


def badge_classes(available: int, capacity: int) -> str:
    kind = availability_band(available, capacity).value
    return f"px-2 py-1 rounded-full text-sm font-medium whitespace-nowrap {BADGE_CLASSES[kind]}"


def register(services: Services) -> None:
    @ui.page("/e/{slug}")
    def event_page(slug: str) -> None:
        try:
            view = services.ticketing.public_event_by_slug(slug)
        except NotFound:
            not_found("event")
            return
        event = view.event
        rows: dict[str, TierRow] = {}
        with frame(event.title):
            if services.covers.exists(event.id):
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
                ui.label("This event has been cancelled.").classes(
                    "w-full p-3 rounded bg-red-100 text-red-900 font-medium"
                )
            if event.description:
                ui.markdown(event.description).classes("text-slate-800")
            ui.label("Tickets").classes("text-xl font-semibold mt-2")
            on_sale = event.status is EventStatus.PUBLISHED
            panel = PurchasePanel(services.ticketing, view) if on_sale else None
            now = services.ticketing.clock.now()
            for tier in view.tiers:
                if not tier.hidden:
                    rows[tier.id] = tier_card(tier, event.currency, FeeMode(event.fee_mode),
                                              panel if tier.on_sale_at(now) else None, now)
            if panel is not None:
                panel.form()
            if event.fee_mode is FeeMode.BUYER_PAYS:
                ui.label(
                    f"Platform fee: {fee_description(event.currency)}, shown before you pay. "
                    "Free tickets have no fee."
                ).classes("text-xs text-slate-500")

        def show_counts(counts: list[TierCount]) -> None:
            for count in counts:
                row = rows.get(count.tier_id)
                if row is not None:
                    row.show(count)
                if panel is not None:
                    panel.availability_changed(count.tier_id, count.available)

        unsubscribe = services.hub.subscribe(event.id, show_counts)
        ui.context.client.on_delete(unsubscribe)


def tier_card(
    tier: Tier, currency: str, fee_mode: FeeMode, panel: PurchasePanel | None, now: datetime
) -> TierRow:
    price = TicketPrice.of(tier.price_minor, currency, fee_mode)
    with ui.card().classes("w-full").props(f"data-testid=tier-{tier.id}") as card:
        with ui.row().classes("w-full items-center justify-between no-wrap gap-3"):
            with ui.column().classes("gap-0 min-w-0"):
                ui.label(tier.name).classes("text-lg font-semibold")
                with ui.row().classes("items-baseline gap-2"):
                    ui.label(price_label(tier.price_minor, currency)).classes("text-base")
                    if fee_mode is FeeMode.BUYER_PAYS and price.fee_minor:
                        ui.label(f"+ {money(price.fee_minor, currency)} fee").classes(
                            "text-sm text-slate-500"
                        )
            with ui.column().classes("items-end gap-2"):
                badge = ui.label(availability_text(tier.available, tier.capacity)).classes(
                    badge_classes(tier.available, tier.capacity)
                ).props(f"data-testid=available-{tier.id}")
                if panel is not None:
                    panel.stepper(tier)
                else:
                    ui.label(sale_window_text(tier, now)).classes("text-xs text-slate-500")
    if tier.available == 0:
        card.classes("opacity-60")
    return TierRow(capacity=tier.capacity, available=tier.available, badge=badge, card=card)
