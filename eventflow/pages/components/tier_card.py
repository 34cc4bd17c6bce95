"""One tier on the public event page: name, price (with the buyer's fee), the live "left" badge and
either the quantity stepper or why it is not on sale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nicegui import ui

from eventflow.domain.models import Tier, TierCount, availability_band
from eventflow.domain.money import FeeMode, TicketPrice
from eventflow.pages.components.formatting import availability_text, money, price_label
from eventflow.pages.components.purchase import PurchasePanel

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


def tier_card(
    tier: Tier, currency: str, fee_mode: FeeMode, panel: PurchasePanel | None, now: datetime
) -> TierRow:
    """`panel` is None when this tier cannot be bought right now (event or tier not on sale)."""
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
