"""`/r/{reservation_id}`: the order confirmation, with a link to each ticket."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.errors import NotFound
from eventflow.domain.models import ReservationStatus
from eventflow.pages.components.formatting import event_when, money
from eventflow.pages.components.frame import frame, not_found
from eventflow.services import Services


def register(services: Services) -> None:
    @ui.page("/r/{reservation_id}")
    def order_page(reservation_id: str) -> None:
        ticketing = services.ticketing
        try:
            reservation = ticketing.get_reservation(reservation_id)
        except NotFound:
            not_found("order")
            return
        if reservation.status is not ReservationStatus.CONFIRMED:
            ui.navigate.to(f"/checkout/{reservation.id}")
            return
        order = services.checkout.order_of(reservation)
        event = ticketing.store.get_event(order.event_id)
        assert event is not None
        names = {t.id: t.name for t in ticketing.store.get_tiers(event.id)}
        with frame("Your tickets"):
            with ui.column().classes("w-full items-center text-center gap-1"):
                ui.icon("check_circle", size="56px").classes("text-emerald-600")
                ui.label(f"You're going to {event.title}!").classes("text-2xl font-bold").props(
                    "data-testid=order-confirmed"
                )
                ui.label(event_when(event.starts_at, event.ends_at, event.timezone)).classes("text-slate-600")
                ui.label(f"Order {order.id} · {money(order.total_minor, order.currency)} · "
                         f"tickets sent to {order.buyer.email}").classes("text-sm text-slate-500")
            for number, ticket in enumerate(order.tickets, 1):
                with ui.card().classes("w-full"):
                    with ui.row().classes("w-full items-center justify-between no-wrap"):
                        with ui.column().classes("gap-0"):
                            ui.label(f"Ticket {number} · {names.get(ticket.tier_id, 'Ticket')}").classes(
                                "font-semibold"
                            )
                            ui.label(ticket.holder_name).classes("text-sm text-slate-600")
                        if ticket.status == "void":  # refunded: it no longer gets anyone in
                            ui.label("Refunded").classes("text-slate-500").props(f"data-testid=refunded-{number}")
                        else:
                            ui.button("Open ticket", icon="qr_code_2",
                                      on_click=lambda t=ticket: ui.navigate.to(f"/t/{t.id}?k={t.access_key}")) \
                                .props(f"data-testid=open-ticket-{number}")
