"""`/pay/stripe/return/{reservation_id}`: where Stripe Checkout sends the buyer after paying.

It asks Stripe about the session itself (so a webhook that is late or lost never leaves a buyer
waiting) and shows how the payment ended: tickets, a bank still processing, or a refund when the
payment came after the hold and the tickets had sold out meanwhile.
"""

from __future__ import annotations

from nicegui import ui

from eventflow.adapters.threads import in_thread
from eventflow.domain.errors import DomainError, NotFound
from eventflow.domain.links import event_path, order_path
from eventflow.domain.models import Reservation, ReservationStatus
from eventflow.domain.payments.records import Payment, PaymentState
from eventflow.i18n import N_, _
from eventflow.pages.components.formatting import money
from eventflow.pages.components.frame import frame, not_found
from eventflow.services import Services

# What the buyer reads for each way a payment can end short of tickets: (headline, detail).
ENDINGS = {
    PaymentState.FAILED: (N_("Payment failed"),
                          N_("Your bank did not complete the payment. You have not been charged.")),
    PaymentState.AWAITING: (N_("Your bank is processing the payment"),
                            N_("We hold your order and email your tickets as soon as the payment is confirmed.")),
    PaymentState.EXPIRED: (N_("Your hold ran out"), N_("The tickets went back on sale. You have not been charged.")),
}


def refunded_text(payment: Payment) -> str:
    amount = money(payment.amount_minor, payment.currency)
    return _("Your payment arrived after your hold on the tickets had ended, and they sold out in the "
             "meantime. We have refunded the full {amount}; it reaches your card in 5-10 days. "
             "We have emailed you about it too.").format(amount=amount)


def register(services: Services) -> None:
    queries = services.queries

    def read_state(reservation_id: str) -> tuple[Payment | None, Reservation | None]:
        return queries.payment(reservation_id), queries.reservation(reservation_id)

    @ui.page("/pay/stripe/return/{reservation_id}")
    async def stripe_return_page(reservation_id: str) -> None:
        payments = services.payments
        try:
            view = await services.off_loop(queries.reservation_view, reservation_id)
        except NotFound:
            view = None
        if payments is None or view is None:
            not_found(N_("payment"))
            return
        event = view.event
        with frame(_("Payment")):
            ui.label(event.title).classes("text-2xl font-bold")
            with ui.card().classes("w-full items-center text-center gap-2"):
                spinner = ui.spinner(size="40px")
                headline = ui.label(_("Confirming your payment…")).classes("text-xl font-semibold").props(
                    "data-testid=payment-status")
                detail = ui.label(_("This takes a few seconds.")).classes("text-slate-600")
                back = ui.button(_("Back to the event"), on_click=lambda: ui.navigate.to(event_path(event.slug))) \
                    .props("flat")
                back.set_visibility(False)

        def finished(title: str, text: str) -> None:
            timer.cancel()
            spinner.set_visibility(False)
            headline.text, detail.text = _(title), _(text)
            back.set_visibility(True)

        async def check() -> None:
            try:  # a thread, not off_loop: this asks Stripe over the network, whatever the store
                payment = await in_thread(payments.sync, reservation_id)
                current = await services.off_loop(queries.reservation, reservation_id)
            except DomainError:  # Stripe slow or another request settling it: look again shortly
                payment, current = await services.off_loop(read_state, reservation_id)
            state = payment.state if payment else None
            if current is not None and current.status is ReservationStatus.CONFIRMED and state is PaymentState.PAID:
                timer.cancel()
                ui.navigate.to(order_path(reservation_id))
            elif payment is not None and state in (PaymentState.REFUNDING, PaymentState.REFUNDED):
                finished(N_("Sold out while you paid: refunded"), refunded_text(payment))
            elif state is not None and state in ENDINGS:
                finished(*ENDINGS[state])

        timer = ui.timer(1.5, check)
        await check()
