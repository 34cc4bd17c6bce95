"""`/r/{reservation_id}`: the order confirmation, with a link to each ticket."""

from __future__ import annotations

from nicegui import app, ui
from starlette.responses import Response

from eventflow.adapters.calendar import event_calendar
from eventflow.domain.attendee_mail import venue_map_url
from eventflow.domain.errors import NotFound
from eventflow.domain.links import checkout_path, ticket_path
from eventflow.domain.models import ReservationStatus, Ticket, TicketStatus
from eventflow.domain.my_tickets import MY_TICKETS_PATH
from eventflow.domain.queries import OrderView
from eventflow.i18n import N_, _
from eventflow.pages.components.breakdown import reservation_breakdown
from eventflow.pages.components.formatting import event_when, money
from eventflow.pages.components.frame import frame, heading, not_found
from eventflow.pages.components.refund_request import change_notice
from eventflow.pages.components.session import redirect
from eventflow.services import Services


def register(services: Services) -> None:
    def read(reservation_id: str) -> OrderView | str:
        """The order, or where to go instead: the checkout while it is not paid yet."""
        # Ticketing's read, not a bare query: a hold past its end is released on the spot.
        reservation = services.ticketing.get_reservation(reservation_id)
        if reservation.status is not ReservationStatus.CONFIRMED:
            return checkout_path(reservation.id)
        return services.queries.order_view(reservation_id)

    @app.get("/r/{reservation_id}/calendar.ics", include_in_schema=False)
    async def order_calendar(reservation_id: str) -> Response:
        """"Add to calendar": the event as an .ics file, to whoever has the order's address (as the page)."""
        view = await services.off_loop(read, reservation_id)
        if isinstance(view, str):
            raise NotFound("No tickets for this order yet")
        ics = event_calendar(view.event, services.settings.public_url, view.order)
        return Response(ics, media_type="text/calendar; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{view.event.slug}.ics"', "Cache-Control": "no-store"})

    @ui.page("/r/{reservation_id}")
    async def order_page(reservation_id: str) -> Response | None:
        try:
            view = await services.off_loop(read, reservation_id)
        except NotFound:
            not_found(N_("order"))
            return None
        if isinstance(view, str):
            return redirect(view)
        event, order = view.event, view.order
        payment = await services.off_loop(services.queries.payment, reservation_id)
        # Passed on, the processor's fee was paid on top of the order (processing_fees.py): say so.
        processing = payment.amount_minor - order.total_minor if payment and payment.order_id == order.id else 0
        with frame(_("Your tickets")):
            with ui.column().classes("w-full items-center text-center gap-1"):
                ui.icon("check_circle", size="56px").classes("text-emerald-600")
                going = _("You're going to {title}!").format(title=event.title)
                heading(going).classes("text-2xl font-bold m-0").props(
                    "data-testid=order-confirmed"
                )
                ui.label(event_when(event.starts_at, event.ends_at, event.timezone)).classes("text-slate-600")
                paid = money(order.total_minor + processing, order.currency) + (
                    " " + _("(incl. Payment processing {amount})").format(amount=money(processing, order.currency))
                    if processing > 0 else "")
                ui.label(_("Order {order} · {paid} · tickets sent to {email}").format(
                    order=order.id, paid=paid, email=order.buyer.email)).classes("text-sm text-slate-500")
                calendar_links(event.venue, reservation_id)
            if view.reservation.discount_minor:  # bought with a code: price, discount, fee, total as paid
                with ui.card().classes("w-full"):
                    reservation_breakdown(view.reservation, view.tier_names, processing)
            await change_notice(services, event, order)  # cancelled or postponed (refund_request.py)
            for number, ticket in enumerate(order.tickets, 1):
                ticket_card(number, ticket, view.tier_names)
            with ui.row().classes("w-full items-center justify-center gap-2 text-sm text-slate-600"):
                ui.label(_("Tickets of all your orders, in one place:"))  # the index by email (issue 17)
                ui.link(_("My tickets"), MY_TICKETS_PATH).props("data-testid=order-my-tickets")
        return None


def ticket_card(number: int, ticket: Ticket, tier_names: dict[str, str]) -> None:
    with ui.card().classes("w-full"):
        with ui.row().classes("w-full items-center justify-between no-wrap"):
            with ui.column().classes("gap-0"):
                ui.label(_("Ticket {number} · {tier}").format(
                    number=number, tier=tier_names.get(ticket.tier_id, _("Ticket")))).classes("font-semibold")
                ui.label(ticket.holder_name).classes("text-sm text-slate-600")
            if ticket.status is TicketStatus.VOID:  # refunded: it no longer gets anyone in
                ui.label(_("Refunded")).classes("text-slate-500").props(f"data-testid=refunded-{number}")
            else:
                path = ticket_path(ticket.id, ticket.access_key)
                ui.button(_("Open ticket"), icon="qr_code_2", on_click=lambda: ui.navigate.to(path)) \
                    .props(f"data-testid=open-ticket-{number}")



def calendar_links(venue: str, reservation_id: str) -> None:
    """The venue with its map, and "Add to calendar" (the .ics of this order)."""
    with ui.row().classes("items-center justify-center gap-3 text-sm"):
        if venue.strip():
            ui.link(venue, venue_map_url(venue), new_tab=True).props("data-testid=venue-map")
        ui.link(_("Add to calendar"), f"/r/{reservation_id}/calendar.ics").props("data-testid=add-to-calendar")
