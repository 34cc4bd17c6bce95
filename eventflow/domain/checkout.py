"""Checkout: from a held reservation to paid tickets in the buyer's inbox.

Free carts are confirmed at once; paid carts go through the payment gateway, whose success
callback (`payment_succeeded`) confirms. Every step is idempotent, so a double click, a back
button or a redelivered callback never creates a second order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from eventflow.domain.attendees import first_unanswered
from eventflow.domain.errors import HoldExpired, NotFound, reservation_closed
from eventflow.domain.models import Order, Reservation, ReservationStatus
from eventflow.domain.ports import PaymentGateway, TicketMailer
from eventflow.domain.reservations import Ticketing

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PaymentRequired:
    provider: str
    payment_url: str
    test_mode: bool


@dataclass(frozen=True, slots=True)
class Paid:
    order: Order


def mail_tickets(ticketing: Ticketing, mailer: TicketMailer, order: Order, paid_minor: int | None = None) -> None:
    """Mail an order's tickets; a mail failure is logged, never undoes the sale. `paid_minor`: what
    the card was charged, when a passed-on processing fee makes it more than the order's total."""
    event = ticketing.store.get_event(order.event_id)
    try:
        if event is not None:
            mailer.send_tickets(order, event, paid_minor)
    except Exception:  # the sale stands; the tickets stay reachable from the order page
        log.exception("mailing the tickets of order %s failed", order.id)


class Checkout:
    def __init__(self, ticketing: Ticketing, gateway: PaymentGateway, mailer: TicketMailer) -> None:
        self.ticketing = ticketing
        self.gateway = gateway
        self.mailer = mailer

    def start(self, reservation_id: str) -> PaymentRequired | Paid:
        reservation = self.ticketing.get_reservation(reservation_id)  # releases an ended hold
        if reservation.status is ReservationStatus.CONFIRMED:
            return Paid(self.order_of(reservation))
        if reservation.status is ReservationStatus.EXPIRED:
            raise HoldExpired("Your hold on these tickets ran out; they are back on sale")
        if reservation.status is not ReservationStatus.HELD:
            raise reservation_closed(reservation.status.value)
        unanswered = first_unanswered(self.ticketing.store, reservation)  # the event's required questions
        if unanswered is not None:
            raise unanswered  # names the question's input (`attendees[i].answers.<id>`) for the API and the page
        if reservation.total_minor == 0:
            return Paid(self.payment_succeeded(reservation_id, payment_ref="free"))
        event = self.ticketing.store.get_event(reservation.event_id)
        if event is None:
            raise NotFound("No such event")
        url = self.gateway.start_payment(reservation, event)
        return PaymentRequired(self.gateway.name, url, self.gateway.test_mode)

    def payment_succeeded(self, reservation_id: str, payment_ref: str) -> Order:
        """Confirm and mail the tickets, once, however often the payment is reported."""
        order, created = self.ticketing.confirm_once(reservation_id, payment_ref)
        if created:
            mail_tickets(self.ticketing, self.mailer, order)
        return order

    def order_of(self, reservation: Reservation) -> Order:
        order = self.ticketing.store.get_order(reservation.order_id or "")
        if order is None:
            raise NotFound("No order for this reservation")
        return order
