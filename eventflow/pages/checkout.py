"""`/checkout/{reservation_id}`: the held tickets, the breakdown, a countdown, and Pay.

The reservation id is unguessable and is the buyer's capability: no account needed.
"""

from __future__ import annotations

from nicegui import run, ui

from eventflow.domain.checkout import Paid
from eventflow.domain.errors import DomainError, NotFound
from eventflow.domain.models import Reservation, ReservationStatus
from eventflow.pages.components.breakdown import price_breakdown
from eventflow.pages.components.formatting import money
from eventflow.pages.components.frame import frame, not_found
from eventflow.services import Services


def tier_names(services: Services, reservation: Reservation) -> dict[str, str]:
    return {t.id: t.name for t in services.ticketing.store.get_tiers(reservation.event_id)}


def hold_over(event_slug: str) -> None:
    with ui.card().classes("w-full bg-amber-50").props("data-testid=hold-expired"):
        ui.label("Your hold ran out").classes("text-xl font-semibold")
        ui.label("The tickets went back on sale. You have not been charged.")
        ui.button("Choose tickets again", on_click=lambda: ui.navigate.to(f"/e/{event_slug}"))


def register(services: Services) -> None:
    @ui.page("/checkout/{reservation_id}")
    def checkout_page(reservation_id: str) -> None:
        ticketing = services.ticketing
        try:
            reservation = ticketing.get_reservation(reservation_id)
        except NotFound:
            not_found("checkout")
            return
        if reservation.status is ReservationStatus.CONFIRMED:
            ui.navigate.to(f"/r/{reservation.id}")
            return
        event = ticketing.store.get_event(reservation.event_id)
        assert event is not None
        with frame("Checkout"):
            ui.label(event.title).classes("text-2xl font-bold")
            if reservation.status is not ReservationStatus.HELD:
                if reservation.status is ReservationStatus.CANCELLED:
                    ui.label("You cancelled this reservation; the tickets are back on sale.")
                    ui.button("Back to the event", on_click=lambda: ui.navigate.to(f"/e/{event.slug}"))
                else:
                    hold_over(event.slug)
                return
            names = tier_names(services, reservation)
            with ui.card().classes("w-full") as card:
                countdown = ui.label().classes("text-amber-800 font-medium").props("data-testid=countdown")
                price_breakdown([(names.get(line.tier_id, "Ticket"), line) for line in reservation.lines],
                                reservation.currency, reservation.fee_mode)
                ui.label(f"Tickets go to {reservation.buyer.email}").classes("text-sm text-slate-600")
                error = ui.label().classes("text-red-700")
                total = reservation.total_minor
                pay = ui.button(
                    f"Pay {money(total, reservation.currency)}" if total else "Get my free tickets",
                    on_click=lambda: start_payment(),
                ).classes("w-full").props("size=lg data-testid=pay")
                ui.button("Cancel and release the tickets", on_click=lambda: cancel()).props(
                    "flat color=grey data-testid=cancel"
                ).classes("w-full")
            expired = ui.column().classes("w-full")

        def tick() -> None:
            remaining = (reservation.expires_at - ticketing.clock.now()).total_seconds()
            if remaining > 0:
                minutes, seconds = divmod(int(remaining), 60)
                countdown.text = f"Tickets held for you for {minutes}:{seconds:02d}"
                return
            timer.cancel()
            ticketing.expire(reservation.id)  # gives them back now, not at the next reaper pass
            card.set_visibility(False)
            with expired:
                hold_over(event.slug)

        timer = ui.timer(1.0, tick)
        tick()

        async def start_payment() -> None:
            pay.disable()
            try:  # off the event loop: a payment provider may take seconds (and retry) to answer
                result = await run.io_bound(services.checkout.start, reservation.id)
            except DomainError as problem:
                error.text = problem.detail
                pay.enable()
                return
            if isinstance(result, Paid):
                ui.navigate.to(f"/r/{reservation.id}")
            else:
                ui.navigate.to(result.payment_url)

        def cancel() -> None:
            try:
                ticketing.cancel(reservation.id)
            except DomainError as problem:
                error.text = problem.detail
                return
            ui.navigate.to(f"/e/{event.slug}")
