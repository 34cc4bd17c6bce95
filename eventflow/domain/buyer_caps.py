"""The organizer's cap on tickets per buyer for an event (issue 13): held AND bought, by the buyer's email.

The standing-hold rule (domain/buyer_limits.py) stops stacking holds; this cap stops a buyer from buying
again and again (`SaleSettings.max_tickets_per_buyer`; none: no cap). A buyer's tickets for the event are
those of their reservations that are held (not past their end) or confirmed.

How (both stores, no lock): write, then check. Every reservation of a capped event is noted under the
buyer's key (`note_buyer_reservation`) right after it is written, then the buyer's tickets are counted from
the noted reservations, this one included (consistent reads); over the cap, the reservation releases
itself and the buyer is told. Of two reserves racing, each counts the other once it has noted itself: the
later-noted one is always refused, both may be, and the cap is never exceeded. A count of the tickets bought
first refuses a buyer who is over already, before anything is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, cast

from eventflow.domain.clock import Clock
from eventflow.domain.errors import DomainError
from eventflow.domain.models import Reservation, ReservationStatus


class BuyerCapReached(DomainError):
    """You can have at most {most} tickets for this event (held or bought); you have {have} already."""

    code = "buyer_limit_reached"
    status = 409

    def __init__(self, most: int, have: int) -> None:
        super().__init__("", most=most, have=have)


class BuyerCapStore(Protocol):
    def note_buyer_reservation(self, event_id: str, buyer_key: str, reservation_id: str) -> None:
        """Remember the reservation under the buyer's key (again: nothing changes)."""

    def buyer_reservation_ids(self, event_id: str, buyer_key: str) -> list[str]:
        """Every reservation noted under the buyer's key, read consistently (a note that returned is seen)."""

    def get_reservation(self, reservation_id: str) -> Reservation | None: ...

    def release(self, reservation_id: str, status: ReservationStatus, now: datetime) -> Reservation | None: ...


def cap_key(email: str) -> str:
    """The buyer's key: a hash of the normalised email (no address lands in a key)."""
    return hashlib.sha256(f"cap:{email.strip().lower()}".encode()).hexdigest()[:32]


def tickets_of(reservations: Sequence[Reservation | None], now: datetime) -> int:
    """Tickets held (not past their end) or bought among the reservations."""
    return sum(r.quantity for r in reservations if r is not None and (
        r.status is ReservationStatus.CONFIRMED or (r.status is ReservationStatus.HELD and r.expires_at > now)))


class BuyerCaps:
    """The two checks of a reserve under a cap: before writing (bought too many already?) and after (within?)."""

    def __init__(self, store: object, clock: Clock, cap: int) -> None:
        self.store = cast(BuyerCapStore, store)  # the app's Store, which has the cap's two methods too
        self.clock = clock
        self.cap = cap

    def count(self, event_id: str, email: str) -> int:
        ids = self.store.buyer_reservation_ids(event_id, cap_key(email))
        return tickets_of([self.store.get_reservation(i) for i in ids], self.clock.now())

    def before(self, event_id: str, email: str, quantity: int) -> None:
        """Refuse before anything is written when the tickets the buyer BOUGHT plus these exceed the cap (their
        holds are left to the check after: a new hold may be replacing one of them)."""
        ids = self.store.buyer_reservation_ids(event_id, cap_key(email))
        bought = sum(r.quantity for i in ids
                     if (r := self.store.get_reservation(i)) is not None and r.status is ReservationStatus.CONFIRMED)
        if bought + quantity > self.cap:
            raise BuyerCapReached(self.cap, bought)

    def stand_within(self, event_id: str, email: str, reservation: Reservation) -> None:
        """After the reservation is written: note it and count the buyer's tickets, it included; over the cap
        it is released and the buyer told (BuyerCapReached)."""
        self.store.note_buyer_reservation(event_id, cap_key(email), reservation.id)
        total = self.count(event_id, email)
        if total > self.cap:
            self.store.release(reservation.id, ReservationStatus.CANCELLED, self.clock.now())
            raise BuyerCapReached(self.cap, total - reservation.quantity)
