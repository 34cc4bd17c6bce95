"""On the buyer's order page: what a cancellation or a postponement means for this order.

Cancelled: the tickets are void and the refund is on its way. Postponed: the new date, and, until
the organizer's deadline, a "Request refund" button (domain/cancellation.py `request_refund`; the
reservation id in the page's address is the buyer's capability, as for the page itself)."""

from __future__ import annotations

from datetime import datetime

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event, EventStatus, Order
from eventflow.i18n import _, error_text
from eventflow.pages.components.event_form import local_input
from eventflow.pages.components.formatting import money
from eventflow.services import Services


async def change_notice(services: Services, event: Event, order: Order) -> None:
    """A notice above the tickets when the event was cancelled or postponed (nothing otherwise)."""
    if event.status is EventStatus.CANCELLED:
        with ui.card().classes("w-full bg-red-50").props("data-testid=event-cancelled"):
            ui.label(_("This event is cancelled")).classes("text-lg font-semibold text-red-800")
            ui.label(_("Your tickets no longer get anyone in. Your payment is refunded in full and you will get "
                       "a mail about it.")).classes("text-sm")
        return
    until = await services.off_loop(services.cancellations.refund_open_until, event.id)
    if until is not None and any(t.status.value == "valid" for t in order.tickets):
        refund_offer(services, event, order, until)


def refund_offer(services: Services, event: Event, order: Order, until: datetime) -> None:
    with ui.card().classes("w-full bg-amber-50").props("data-testid=event-postponed"):
        ui.label(_("This event has a new date")).classes("text-lg font-semibold")
        offer = _("Your tickets stay valid. Can't make it? Ask for a full refund of {amount} until {until} "
                  "({timezone}).").format(amount=money(order.total_minor, order.currency),
                                          until=local_input(until, event.timezone), timezone=event.timezone)
        ui.label(offer).classes("text-sm")

        async def request() -> None:
            try:
                settled = await services.in_thread(services.cancellations.request_refund, order.reservation_id)
            except DomainError as problem:
                ui.notify(error_text(problem), type="negative")
                return
            ui.notify(_("Refunded: {amount}. A mail is on its way.").format(
                amount=money(settled.refunded_minor, order.currency)),
                      type="positive")
            ui.navigate.reload()

        ui.button(_("Request refund"), icon="undo", on_click=request).props(
            "color=warning data-testid=request-refund")
