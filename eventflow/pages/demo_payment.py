"""`/pay/demo/{reservation_id}`: the demo payment provider's page, unmistakably TEST MODE."""

from __future__ import annotations

from nicegui import ui
from starlette.responses import Response

from eventflow.adapters.threads import in_thread
from eventflow.domain.errors import DomainError, NotFound, SoldOut
from eventflow.domain.links import checkout_path, order_path
from eventflow.domain.models import ReservationStatus
from eventflow.domain.payments.records import demo_payment_ref
from eventflow.i18n import N_, _, error_text, ngettext
from eventflow.pages.components.formatting import money
from eventflow.pages.components.frame import frame, heading, not_found
from eventflow.pages.components.session import redirect
from eventflow.services import Services


def register(services: Services) -> None:
    @ui.page("/pay/demo/{reservation_id}")
    async def demo_payment_page(reservation_id: str) -> Response | None:
        if services.checkout.gateway.name != "demo":  # real payments configured: no free tickets here
            not_found(N_("payment"))
            return None
        try:
            reservation = await services.off_loop(services.ticketing.get_reservation, reservation_id)
        except NotFound:
            not_found(N_("payment"))
            return None
        if reservation.status is ReservationStatus.CONFIRMED:
            return redirect(order_path(reservation.id))
        with frame(_("Demo payment")):
            heading(_("Pay for your tickets")).classes("text-2xl font-bold m-0")
            ui.label(_("TEST MODE · demo payment provider · no money moves")).classes(
                "w-full text-center p-2 rounded bg-amber-300 text-amber-950 font-bold tracking-wide"
            ).props("data-testid=test-mode")
            with ui.card().classes("w-full items-center gap-3"):
                ui.icon("credit_card", size="48px").classes("text-slate-500")
                ui.label(money(reservation.total_minor, reservation.currency)).classes("text-3xl font-bold")
                ui.label(ngettext("Paying for {count} ticket, {email}", "Paying for {count} tickets, {email}",
                                  reservation.quantity).format(
                    count=reservation.quantity, email=reservation.buyer.email)).classes(
                    "text-slate-600"
                )
                message = ui.label().classes("text-red-700 text-center")
                pay = ui.button(_("Pay (test)"), on_click=lambda: complete()).classes("w-full").props(
                    "size=lg color=green-9 data-testid=demo-pay"
                )
                back = checkout_path(reservation.id)
                ui.button(_("Back to checkout"), on_click=lambda: ui.navigate.to(back)) \
                    .props("flat color=grey-8").classes("w-full")

        async def complete() -> None:
            pay.disable()
            try:  # always a thread, not off_loop: confirming mails the tickets (SMTP may be slow)
                await in_thread(services.checkout.payment_succeeded, reservation.id,
                                   payment_ref=demo_payment_ref(reservation.id))
            except SoldOut:
                message.text = _("Your hold ran out and the tickets sold out meanwhile. "
                                 "You have not been charged.")
                return
            except DomainError as problem:
                message.text = error_text(problem)
                pay.enable()
                return
            ui.navigate.to(order_path(reservation.id))

        return None
