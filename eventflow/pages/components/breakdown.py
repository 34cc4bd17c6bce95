"""The price breakdown the buyer sees before paying: each line, the platform fee, the total."""

from __future__ import annotations

from collections.abc import Sequence

from nicegui import ui

from eventflow.domain.models import ReservationLine
from eventflow.domain.money import FeeMode, fee_description
from eventflow.pages.components.formatting import money


def price_breakdown(
    lines: Sequence[tuple[str, ReservationLine]], currency: str, fee_mode: FeeMode
) -> None:
    """`lines` pairs each tier's display name with its priced line."""
    subtotal = sum(line.subtotal_minor for _, line in lines)
    fee = sum(line.fee_minor for _, line in lines)
    total = sum(line.total_minor for _, line in lines)
    with ui.column().classes("w-full gap-1").props("data-testid=breakdown"):
        for name, line in lines:
            with ui.row().classes("w-full justify-between no-wrap"):
                ui.label(f"{line.quantity} × {name}")
                ui.label(money(line.subtotal_minor, currency))
        if fee_mode is FeeMode.BUYER_PAYS and fee:
            with ui.row().classes("w-full justify-between no-wrap text-slate-600"):
                ui.label(f"Platform fee ({fee_description(currency)})")
                ui.label(money(fee, currency)).props("data-testid=fee")
        ui.separator()
        with ui.row().classes("w-full justify-between no-wrap text-lg font-semibold"):
            ui.label("Total")
            ui.label(money(total if fee_mode is FeeMode.BUYER_PAYS else subtotal, currency)).props(
                "data-testid=total"
            )
