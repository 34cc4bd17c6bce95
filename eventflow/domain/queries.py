"""Read models for the screens and the API: the only way the edges read what the store holds.

Each method answers one screen's or one route's question in as few store reads as it can, so a
page render or a live refresh costs one hop off the event loop (see `Services.off_loop`), not one
per figure. Writes go through the use-case services (`Catalog`, `Ticketing`, `Checkout`, ...).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from eventflow.domain.door_pace import DoorPaceFigures
from eventflow.domain.errors import NotFound
from eventflow.domain.event_changes import EventChange
from eventflow.domain.models import (
    CheckIn,
    DoubleAdmission,
    Event,
    Order,
    Organizer,
    Reservation,
    ReservationStatus,
    StaffAccess,
    Ticket,
    Tier,
)
from eventflow.domain.payments.records import Payment, Refund
from eventflow.domain.ports import PaymentStore, Store
from eventflow.domain.sales_stats import EventFigures
from eventflow.domain.traffic import Touch, order_touches


@dataclass(frozen=True, slots=True)
class EventPage:
    """One page of upcoming published events, soonest first, and the cursor of the next page."""

    events: list[Event]
    next_after: tuple[datetime, str] | None  # (starts_at, id) of the last event; None on the last page


@dataclass(frozen=True, slots=True)
class ReservationView:
    """A buyer's reservation with what its screens name: the event and each tier's name."""

    reservation: Reservation
    event: Event
    tier_names: dict[str, str]


@dataclass(frozen=True, slots=True)
class OrderView:
    """The order confirmation: the paid order, its event and tier names."""

    reservation: Reservation
    order: Order
    event: Event
    tier_names: dict[str, str]


@dataclass(frozen=True, slots=True)
class TicketView:
    """What the ticket holder may see of their ticket, after the access key matched."""

    ticket: Ticket
    checkin: CheckIn | None  # None until the door admitted it
    event: Event | None = None  # its event: a cancelled event's ticket shows `event_cancelled`


class Queries:
    """Read-only questions over the store (and the card-payment records when card payments are on)."""

    def __init__(self, store: Store, payments: PaymentStore | None = None) -> None:
        self._store = store
        self._payments = payments

    # ---------------------------------------------------------------- health
    def ping(self) -> None:
        """Raise if the store does not answer."""
        self._store.ping()

    # ---------------------------------------------------------------- accounts
    def organizer(self, organizer_id: str) -> Organizer | None:
        return self._store.get_organizer(organizer_id)

    # ---------------------------------------------------------------- events and tiers
    def event(self, event_id: str) -> Event | None:
        return self._store.get_event(event_id)

    def tiers(self, event_id: str) -> list[Tier]:
        """Tiers in display order, with live held/sold; hidden ones included (callers decide)."""
        return self._store.get_tiers(event_id)

    def tier_names(self, event_id: str) -> dict[str, str]:
        return {tier.id: tier.name for tier in self._store.get_tiers(event_id)}

    def organizer_events(self, organizer_id: str) -> list[Event]:
        return self._store.list_events(organizer_id)

    def upcoming_public_page(
        self, now: datetime, limit: int, after: tuple[datetime, str] | None = None
    ) -> EventPage:
        """One page of published events not ended yet, soonest first, keyset-paged by (starts_at, id):
        reads `limit + 1` events from the store's index to know whether another page follows."""
        events = self._store.list_upcoming_published(now, limit + 1, after)
        if len(events) <= limit:
            return EventPage(events, None)
        shown = events[:limit]
        return EventPage(shown, (shown[-1].starts_at, shown[-1].id))

    def organizer_events_with_tiers(self, organizer_id: str) -> list[tuple[Event, list[Tier]]]:
        """The organizer's events with their tiers' live counters, for the dashboard's figures:
        one read per event, however many orders it has."""
        return [(event, self._store.get_tiers(event.id)) for event in self._store.list_events(organizer_id)]

    # ---------------------------------------------------------------- buyers
    def reservation(self, reservation_id: str) -> Reservation | None:
        """The reservation as stored (a hold past its end is not released here: see Ticketing)."""
        return self._store.get_reservation(reservation_id)

    def reservation_view(self, reservation_id: str) -> ReservationView:
        reservation = self._store.get_reservation(reservation_id)
        if reservation is None:
            raise NotFound("No such reservation")
        event = self._store.get_event(reservation.event_id)
        if event is None:
            raise NotFound("No such event")
        return ReservationView(reservation, event, self.tier_names(event.id))

    def order_of(self, reservation: Reservation) -> Order:
        order = self._store.get_order(reservation.order_id or "") if reservation.order_id else None
        if order is None:
            raise NotFound("No order for this reservation")
        return order

    def order_view(self, reservation_id: str) -> OrderView:
        """Raises NotFound for an unknown reservation or one not paid yet (no order)."""
        view = self.reservation_view(reservation_id)
        if view.reservation.status is not ReservationStatus.CONFIRMED:
            raise NotFound("This reservation has no order yet")
        return OrderView(view.reservation, self.order_of(view.reservation), view.event, view.tier_names)

    def ticket_view(self, ticket_id: str, access_key: str) -> TicketView:
        """The ticket behind a wallet link; NotFound unless the access key matches (no oracle)."""
        ticket = self._store.get_ticket(ticket_id)
        if ticket is None or not _same(ticket.access_key, access_key):
            raise NotFound("No such ticket")
        return TicketView(ticket, self.checkin_of(ticket), self._store.get_event(ticket.event_id))

    def event_change(self, event_id: str) -> EventChange | None:
        """The event's cancellation or postponement and its batch's progress (domain/cancellation.py)."""
        return self._store.get_event_change(event_id)

    def checkin_of(self, ticket: Ticket) -> CheckIn | None:
        """When and where the ticket was admitted, if it was."""
        return self._store.get_checkin(ticket.event_id, ticket.id)

    # ---------------------------------------------------------------- organizers' event figures
    def orders(self, event_id: str) -> list[Order]:
        """Every order of the event with its tickets, oldest first."""
        return self._store.list_orders(event_id)

    def order_touches(self, orders: Sequence[Order]) -> dict[str, Touch]:
        """Each order's first- and last-touch source by order id (the exports' source columns, issue 18)."""
        return order_touches(self._store, orders)

    def event_figures(self, event_id: str, sales_since: datetime | None = None,
                      arrivals_since: datetime | None = None) -> EventFigures:
        """The event dashboard's read per change: aggregates kept by the store, never the orders (the
        chart's hours and the arrivals' slots from the given ones on: a live page holds the rest)."""
        doubles = self._store.list_double_admissions(event_id)
        tickets = (self._store.get_ticket(ticket_id) for ticket_id in {d.ticket_id for d in doubles})
        return EventFigures(self._store.get_tiers(event_id), self._store.sales_summary(event_id, sales_since),
                            self._store.door_summary(event_id, since=arrivals_since), doubles,
                            {t.id: t.holder_name for t in tickets if t is not None})

    def orders_page(self, event_id: str, after: tuple[datetime, str] | None, limit: int, search: str = "",
                    payment_ref_prefix: str = "") -> list[Order]:
        """One page of the event's orders, newest first (see `Store.orders_page`)."""
        return self._store.orders_page(event_id, after, limit, search, payment_ref_prefix)

    def checkins(self, event_id: str) -> list[CheckIn]:
        return self._store.list_checkins(event_id)

    def door_pace(self, event_id: str) -> DoorPaceFigures:
        """The door's pace aggregates (domain/door_pace.py): read in a time that does not grow with check-ins."""
        return self._store.door_pace(event_id)

    def double_admissions(self, event_id: str) -> list[DoubleAdmission]:
        return self._store.list_double_admissions(event_id)

    def staff(self, event_id: str) -> list[StaffAccess]:
        return self._store.list_staff(event_id)

    # ---------------------------------------------------------------- card payments
    def refunds(self, event_id: str) -> list[Refund]:
        """The event's refunds, oldest first: card ones, and the free and demo refunds a cancellation
        or a void recorded (kept in the same store, so the ledger balances in test mode too)."""
        return self._payments.list_refunds(event_id) if self._payments is not None else []

    def payment(self, reservation_id: str) -> Payment | None:
        return self._payments.get_payment(reservation_id) if self._payments is not None else None

    def card_payments(self, orders: Sequence[Order]) -> list[tuple[Order, Payment]]:
        """Each paid order with its card payment (one read per order: the ledger's processing fees)."""
        if self._payments is None:
            return []
        found = ((order, self._payments.get_payment(order.reservation_id)) for order in orders if order.total_minor)
        return [(order, payment) for order, payment in found if payment is not None]


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
