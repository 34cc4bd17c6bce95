"""The price breakdown the buyer sees before paying: each line, the platform fee, the payment
processing line when the operator passes the processor's fee on (the same lines as Stripe's
Checkout, `settle.checkout_lines`), the total."""

from __future__ import annotations

from collections.abc import Sequence

from nicegui import ui

from eventflow.domain.models import Reservation, ReservationLine
from eventflow.domain.money import FeeMode
from eventflow.domain.processing_fees import PROCESSING_LINE
from eventflow.i18n import N_, _
from eventflow.pages.components.formatting import fee_words, money

N_("Payment processing")  # PROCESSING_LINE (domain/processing_fees.py), for the catalogue


def price_breakdown(
    lines: Sequence[tuple[str, ReservationLine]], currency: str, fee_mode: FeeMode, processing_minor: int = 0,
    code: str | None = None,
) -> None:
    """`lines` pairs each tier's display name with its priced line; `processing_minor` is the
    passed-on processor's fee (`ChargeSplit.buyer_processing_minor`, 0 when absorbed). An access
    code's discount shows as its own line under the list prices; the fee is on what is paid."""
    subtotal = sum(line.subtotal_minor for _name, line in lines)
    fee = sum(line.fee_minor for _name, line in lines)
    total = sum(line.total_minor for _name, line in lines)
    discount = sum(line.discount_minor for _name, line in lines)
    with ui.column().classes("w-full gap-1").props("data-testid=breakdown"):
        for name, line in lines:
            with ui.row().classes("w-full justify-between no-wrap"):
                ui.label(f"{line.quantity} × {name}")
                ui.label(money(line.subtotal_minor + line.discount_minor, currency))
        if discount:
            with ui.row().classes("w-full justify-between no-wrap text-emerald-800"):
                ui.label(_("Code {code}").format(code=code) if code else _("Discount"))
                ui.label(f"−{money(discount, currency)}").props("data-testid=discount")
        if fee_mode is FeeMode.BUYER_PAYS and fee:
            with ui.row().classes("w-full justify-between no-wrap text-slate-600"):
                ui.label(_("Platform fee ({fee})").format(fee=fee_words(currency)))
                ui.label(money(fee, currency)).props("data-testid=fee")
        if processing_minor:
            with ui.row().classes("w-full justify-between no-wrap text-slate-600"):
                ui.label(_(PROCESSING_LINE))
                ui.label(money(processing_minor, currency)).props("data-testid=processing")
        ui.separator()
        with ui.row().classes("w-full justify-between no-wrap text-lg font-semibold"):
            ui.label(_("Total"))
            ui.label(money((total if fee_mode is FeeMode.BUYER_PAYS else subtotal) + processing_minor, currency)).props(
                "data-testid=total"
            )


def reservation_breakdown(reservation: Reservation, tier_names: dict[str, str], processing_minor: int = 0) -> None:
    """A reservation's own lines, as stored (the checkout, and the order page of a discounted order)."""
    price_breakdown([(tier_names.get(line.tier_id, _("Ticket")), line) for line in reservation.lines],
                    reservation.currency, reservation.fee_mode, processing_minor,
                    code=reservation.code.code if reservation.code else None)
