"""`/checkout/{reservation_id}`: the held tickets, the breakdown, a countdown, and Pay.

The reservation id is unguessable and is the buyer's capability: no account needed.
"""

from __future__ import annotations

from nicegui import ui
from starlette.responses import Response

from eventflow.adapters.threads import in_thread
from eventflow.domain.checkout import Paid
from eventflow.domain.errors import DomainError, NotFound, ValidationFailed
from eventflow.domain.links import event_path, order_path
from eventflow.domain.models import ReservationStatus
from eventflow.domain.queries import ReservationView
from eventflow.i18n import N_, _, error_text
from eventflow.pages.components.attendee_form import attendee_form
from eventflow.pages.components.breakdown import price_breakdown
from eventflow.pages.components.formatting import money
from eventflow.pages.components.frame import frame, heading, not_found
from eventflow.pages.components.resume_checkout import remember_hold
from eventflow.pages.components.session import redirect
from eventflow.services import Services


def hold_over(event_slug: str) -> None:
    with ui.card().classes("w-full bg-amber-50").props("data-testid=hold-expired"):
        heading(_("Your hold ran out"), 2).classes("text-xl font-semibold m-0")
        ui.label(_("The tickets went back on sale. You have not been charged."))
        ui.button(_("Choose tickets again"), on_click=lambda: ui.navigate.to(event_path(event_slug)))


def register(services: Services) -> None:
    ticketing, queries = services.ticketing, services.queries

    def read(reservation_id: str) -> ReservationView:
        # Ticketing's read, not a bare query: a hold past its end is released on the spot.
        reservation = ticketing.get_reservation(reservation_id)
        event = queries.event(reservation.event_id)
        if event is None:
            raise NotFound("No such event")
        return ReservationView(reservation, event, queries.tier_names(event.id))

    @ui.page("/checkout/{reservation_id}")
    async def checkout_page(reservation_id: str) -> Response | None:
        try:
            view = await services.off_loop(read, reservation_id)
        except NotFound:
            not_found(N_("checkout"))
            return None
        reservation, event = view.reservation, view.event
        if reservation.status is ReservationStatus.CONFIRMED:
            return redirect(order_path(reservation.id))
        with frame(_("Checkout")):
            heading(event.title).classes("text-2xl font-bold m-0")
            if reservation.status is ReservationStatus.HELD:
                await held_tickets(view)
            elif reservation.status is ReservationStatus.CANCELLED:
                ui.label(_("You cancelled this reservation; the tickets are back on sale."))
                ui.button(_("Back to the event"), on_click=lambda: ui.navigate.to(event_path(event.slug)))
            else:
                hold_over(event.slug)
        return None

    async def held_tickets(view: ReservationView) -> None:
        """The breakdown with Pay and Cancel, and the countdown that turns it into "hold ran out"."""
        reservation, event = view.reservation, view.event
        remember_hold(event.id, reservation.id)  # back on the event page, the buyer can resume or release it
        with ui.card().classes("w-full") as card:
            countdown = ui.label().classes("text-amber-800 font-medium").props("data-testid=countdown")
            processing = services.payments.buyer_processing(reservation) if services.payments else 0
            price_breakdown([(view.tier_names.get(line.tier_id, _("Ticket")), line) for line in reservation.lines],
                            reservation.currency, reservation.fee_mode, processing,
                            code=reservation.code.code if reservation.code else None)  # its discount line
            ui.label(_("Tickets go to {email}").format(email=reservation.buyer.email)).classes("text-sm text-slate-600")
            attendees = await attendee_form(services, reservation)  # names per ticket, questions (issue 17)
            error = ui.label().classes("text-red-700")
            total = reservation.total_minor + processing
            pay = ui.button(
                _("Pay {amount}").format(amount=money(total, reservation.currency)) if total
                else _("Get my free tickets"),
                on_click=lambda: start_payment(),
            ).classes("w-full").props("size=lg data-testid=pay")
            ui.button(_("Cancel and release the tickets"), on_click=lambda: cancel()).props(
                "flat color=grey-8 data-testid=cancel"
            ).classes("w-full")
        expired = ui.column().classes("w-full")

        async def tick() -> None:
            remaining = (reservation.expires_at - ticketing.clock.now()).total_seconds()
            if remaining > 0:
                minutes, seconds = divmod(int(remaining), 60)
                countdown.text = _("Tickets held for you for {time}").format(time=f"{minutes}:{seconds:02d}")
                return
            timer.cancel()
            # Gives them back now, not at the next reaper pass.
            await services.off_loop(ticketing.expire, reservation.id)
            card.set_visibility(False)
            with expired:
                hold_over(event.slug)

        async def start_payment() -> None:
            pay.disable()
            if not await attendees.save():  # refused: the reason is shown under the form
                pay.enable()
                return
            try:  # always a thread: a payment provider may take seconds (and retry) to answer
                result = await in_thread(services.checkout.start, reservation.id)
            except DomainError as problem:
                if not (isinstance(problem, ValidationFailed) and attendees.asks and attendees.show(problem)):
                    error.text = error_text(problem)  # else shown on the input it is about (a required answer)
                pay.enable()
                return
            if result is not None:  # None only when the app is shutting down
                ui.navigate.to(order_path(reservation.id) if isinstance(result, Paid) else result.payment_url)

        async def cancel() -> None:
            try:
                await services.off_loop(ticketing.cancel, reservation.id)
            except DomainError as problem:
                error.text = error_text(problem)
                return
            ui.navigate.to(event_path(event.slug))

        timer = ui.timer(1.0, tick)
        await tick()


