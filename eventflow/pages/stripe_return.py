"""`/pay/stripe/return/{reservation_id}`: where Stripe Checkout sends the buyer after paying.

It asks Stripe about the session itself (so a webhook that is late or lost never leaves a buyer
waiting) and shows how the payment ended: tickets, a bank still processing, or a refund when the
payment came after the hold and the tickets had sold out meanwhile.
"""

from __future__ import annotations

from nicegui import run, ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import ReservationStatus
from eventflow.domain.payments.records import PaymentState
from eventflow.pages.components.formatting import money
from eventflow.pages.components.frame import frame, not_found
from eventflow.services import Services


def register(services: Services) -> None:
    store = services.ticketing.store

    @ui.page("/pay/stripe/return/{reservation_id}")
    async def stripe_return_page(reservation_id: str) -> None:
        payments = services.payments
        reservation = store.get_reservation(reservation_id)
        if payments is None or reservation is None:
            not_found("payment")
            return
        event = store.get_event(reservation.event_id)
        assert event is not None
        with frame("Payment"):
            ui.label(event.title).classes("text-2xl font-bold")
            with ui.card().classes("w-full items-center text-center gap-2"):
                spinner = ui.spinner(size="40px")
                headline = ui.label("Confirming your payment…").classes("text-xl font-semibold").props(
                    "data-testid=payment-status")
                detail = ui.label("This takes a few seconds.").classes("text-slate-600")
                back = ui.button("Back to the event", on_click=lambda: ui.navigate.to(f"/e/{event.slug}")).props("flat")
                back.set_visibility(False)

        def finished(title: str, text: str) -> None:
            timer.cancel()
            spinner.set_visibility(False)
            headline.text, detail.text = title, text
            back.set_visibility(True)

        async def check() -> None:
            try:
                payment = await run.io_bound(payments.sync, reservation_id)
            except DomainError:  # Stripe slow or another request settling it: look again shortly
                payment = payments.store.get_payment(reservation_id)
            current = store.get_reservation(reservation_id)
            state = payment.state if payment else None
            if current is not None and current.status is ReservationStatus.CONFIRMED and state is PaymentState.PAID:
                timer.cancel()
                ui.navigate.to(f"/r/{reservation_id}")
            elif state in (PaymentState.REFUNDING, PaymentState.REFUNDED):
                amount = money(payment.amount_minor, payment.currency)  # type: ignore[union-attr]
                finished("Sold out while you paid: refunded",
                         f"Your payment arrived after your hold on the tickets had ended, and they sold out in the "
                         f"meantime. We have refunded the full {amount}; it reaches your card in 5-10 days. "
                         "We have emailed you about it too.")
            elif state is PaymentState.FAILED:
                finished("Payment failed", "Your bank did not complete the payment. You have not been charged.")
            elif state is PaymentState.AWAITING:
                finished("Your bank is processing the payment",
                         "We hold your order and email your tickets as soon as the payment is confirmed.")
            elif state is PaymentState.EXPIRED:
                finished("Your hold ran out", "The tickets went back on sale. You have not been charged.")

        timer = ui.timer(1.5, check)
        await check()
