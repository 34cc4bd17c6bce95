"""`InMemoryStore`: the `Store` port kept in plain dicts, for fast domain unit tests (no disk).

It follows the port's docstrings, with SqliteStore as the reference where they are silent (error
messages, listing order, writes to unknown ids doing nothing). Every method runs under one lock,
so a write that checks and changes several records (reserve, confirm, release) is atomic like a
transaction; `_check_inventory` re-asserts `0 <= held`, `0 <= sold`, `held + sold <= capacity` on
every tier it writes, the way SQLite's CHECK constraint does. Records are frozen dataclasses, kept
as given except that instants come back in UTC, as from a real round trip (`as_stored`).
tests/fakes/test_memory_contract*.py run the store contract suites against it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import datetime

from eventflow.domain.errors import (
    CapacityBelowSold,
    EmailTaken,
    EventNotFound,
    LoginTaken,
    NotOnSale,
    OrganizerNotFound,
    SlugTaken,
    SoldOut,
    StaffAccessExists,
    StaleCatalog,
    TierExists,
)
from eventflow.domain.models import (
    CheckIn,
    DoubleAdmission,
    Event,
    EventStatus,
    Order,
    Organizer,
    Reservation,
    ReservationStatus,
    StaffAccess,
    Ticket,
    TicketStatus,
    Tier,
    TierCount,
)
from tests.fakes.memory_access_codes import InMemoryAccessCodesMixin
from tests.fakes.memory_attendees import InMemoryAttendeesMixin
from tests.fakes.memory_cancellations import InMemoryCancellationsMixin
from tests.fakes.memory_daily_exports import InMemoryDailyExportsMixin
from tests.fakes.memory_discovery import InMemoryDiscoveryMixin
from tests.fakes.memory_disputes import InMemoryDisputesMixin
from tests.fakes.memory_door_pace import InMemoryDoorPaceMixin
from tests.fakes.memory_flyers import InMemoryFlyersMixin
from tests.fakes.memory_my_tickets import InMemoryMyTicketsMixin
from tests.fakes.memory_outbox import InMemoryOutboxMixin
from tests.fakes.memory_payments import InMemoryPaymentsMixin
from tests.fakes.memory_sales_stats import InMemorySalesStatsMixin
from tests.fakes.memory_suggestion_dismissals import InMemorySuggestionDismissalsMixin
from tests.fakes.memory_traffic import InMemoryTrafficMixin
from tests.fakes.memory_transfers import InMemoryTransfersMixin
from tests.fakes.memory_waiting_room import InMemoryWaitingRoomMixin
from tests.fakes.memory_waitlist import InMemoryWaitlistMixin
from tests.fakes.round_trip import as_stored


class InMemoryStore(InMemoryPaymentsMixin, InMemoryOutboxMixin, InMemoryCancellationsMixin, InMemorySalesStatsMixin,
                    InMemoryDisputesMixin, InMemoryFlyersMixin, InMemoryDiscoveryMixin,
                    InMemoryAccessCodesMixin, InMemoryTrafficMixin, InMemoryAttendeesMixin,
                    InMemoryWaitingRoomMixin, InMemoryWaitlistMixin, InMemoryTransfersMixin, InMemoryDailyExportsMixin,
                    InMemoryMyTicketsMixin, InMemorySuggestionDismissalsMixin,
                    InMemoryDoorPaceMixin):
    """`Store` and `PaymentStore` in dicts; one lock makes each call atomic."""

    inline_safe = True  # every call is a few dict operations; see Store.inline_safe

    def transaction_batch(self) -> AbstractContextManager[None]:
        """Each call is atomic on its own under the lock (see Store.transaction_batch)."""
        return nullcontext()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._organizers: dict[str, Organizer] = {}
        self._organizer_by_email: dict[str, str] = {}
        self._identities: dict[str, str] = {}  # `issuer|subject` -> organizer id
        self._events: dict[str, Event] = {}
        self._tiers: dict[str, Tier] = {}  # with their live held/sold
        self._reservations: dict[str, Reservation] = {}
        self._orders: dict[str, Order] = {}  # tickets read from `_tickets`, which hold their status
        self._tickets: dict[str, Ticket] = {}
        self._staff: dict[str, StaffAccess] = {}
        self._checkins: dict[str, CheckIn] = {}  # per ticket: the first admission
        self._scan_results: dict[str, str] = {}  # nonce -> outcome stored first
        self._double_admissions: dict[tuple[str, str], DoubleAdmission] = {}
        InMemoryPaymentsMixin.__init__(self)
        InMemoryOutboxMixin.__init__(self)
        InMemoryCancellationsMixin.__init__(self)
        InMemoryDisputesMixin.__init__(self)
        InMemoryFlyersMixin.__init__(self)
        InMemoryAccessCodesMixin.__init__(self)
        InMemoryAttendeesMixin.__init__(self)
        InMemoryDiscoveryMixin.__init__(self)
        InMemoryTrafficMixin.__init__(self)
        InMemoryWaitlistMixin.__init__(self)
        InMemoryWaitingRoomMixin.__init__(self)
        InMemoryTransfersMixin.__init__(self)
        InMemoryMyTicketsMixin.__init__(self)
        InMemorySuggestionDismissalsMixin.__init__(self)

    def ping(self) -> None:
        return None

    def close(self) -> None:
        return None

    # ---------------------------------------------------------------- organizers
    def add_organizer(self, organizer: Organizer) -> None:
        with self._lock:
            if organizer.email in self._organizer_by_email or organizer.id in self._organizers:
                raise EmailTaken()
            self._organizers[organizer.id] = as_stored(organizer)
            self._organizer_by_email[organizer.email] = organizer.id

    def get_organizer(self, organizer_id: str) -> Organizer | None:
        with self._lock:
            return self._organizers.get(organizer_id)

    def find_organizer_by_email(self, email: str) -> Organizer | None:
        with self._lock:
            organizer_id = self._organizer_by_email.get(email)
            return self._organizers.get(organizer_id) if organizer_id else None

    def save_organizer(self, organizer: Organizer) -> None:
        """Name, password, 2FA and session epoch; never id, email or created_at."""
        with self._lock:
            stored = self._organizers.get(organizer.id)
            if stored is not None:
                self._organizers[organizer.id] = replace(
                    stored, name=organizer.name, password_hash=organizer.password_hash,
                    totp_secret=organizer.totp_secret, recovery_code_hashes=organizer.recovery_code_hashes,
                    session_epoch=organizer.session_epoch, totp_last_step=organizer.totp_last_step,
                )

    def set_organizer_language(self, organizer_id: str, language: str | None) -> None:
        with self._lock:
            stored = self._organizers.get(organizer_id)
            if stored is not None:
                self._organizers[organizer_id] = replace(stored, language=language)

    def add_identity(self, identity: str, organizer_id: str) -> None:
        with self._lock:
            if identity in self._identities:
                raise LoginTaken()
            if organizer_id not in self._organizers:
                raise OrganizerNotFound()
            self._identities[identity] = organizer_id

    def find_organizer_by_identity(self, identity: str) -> Organizer | None:
        with self._lock:
            organizer_id = self._identities.get(identity)
            return self._organizers.get(organizer_id) if organizer_id else None

    # ---------------------------------------------------------------- events and tiers
    def add_event(self, event: Event) -> None:
        with self._lock:
            if event.id in self._events or self._slug_taken(event.slug, by_other_than=None):
                raise SlugTaken()
            self._events[event.id] = as_stored(event)

    def save_event(self, event: Event) -> None:
        with self._lock:
            if event.id not in self._events:
                return
            if self._slug_taken(event.slug, by_other_than=event.id):
                raise SlugTaken()
            self._events[event.id] = as_stored(event)

    def delete_event(self, event_id: str) -> None:
        from eventflow.domain.errors import EventNotDeletable
        from eventflow.domain.models import EventStatus

        with self._lock:
            event = self._events.get(event_id)
            if event is None:
                return
            if event.status is not EventStatus.DRAFT or self._tiers_of(event_id):
                raise EventNotDeletable()
            del self._events[event_id]

    def delete_tier(self, event_id: str, tier_id: str) -> None:
        from eventflow.domain.errors import TierHasSales

        with self._lock:
            tier = self._tiers.get(tier_id)
            if tier is None or tier.event_id != event_id:
                return
            if tier.held or tier.sold:
                raise TierHasSales()
            del self._tiers[tier_id]

    def _slug_taken(self, slug: str, by_other_than: str | None) -> bool:
        return any(e.slug == slug and e.id != by_other_than for e in self._events.values())

    def get_event(self, event_id: str) -> Event | None:
        with self._lock:
            return self._events.get(event_id)

    def find_event_by_slug(self, slug: str) -> Event | None:
        with self._lock:
            return next((e for e in self._events.values() if e.slug == slug), None)

    def list_events(self, organizer_id: str) -> list[Event]:
        with self._lock:
            return sorted((e for e in self._events.values() if e.organizer_id == organizer_id), key=_by_start)

    def list_published_events(self) -> list[Event]:
        with self._lock:
            return sorted((e for e in self._events.values() if e.status is EventStatus.PUBLISHED), key=_by_start)

    def list_upcoming_published(
        self, now: datetime, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[Event]:
        with self._lock:
            upcoming = sorted((e for e in self._events.values()
                               if e.status is EventStatus.PUBLISHED and e.ends_at > now
                               and (after is None or _by_start(e) > after)), key=_by_start)
            return upcoming[:max(limit, 1)]

    def add_tier(self, tier: Tier) -> None:
        with self._lock:
            if tier.event_id not in self._events:
                raise EventNotFound()
            if tier.id in self._tiers:
                raise TierExists()
            self._tiers[tier.id] = as_stored(replace(tier, held=0, sold=0))  # counts start at zero

    def update_tier(self, tier: Tier) -> Tier:
        with self._lock:
            stored = self._tiers.get(tier.id)
            if stored is None or stored.version != tier.version:
                raise StaleCatalog(tier.id)
            if stored.held + stored.sold > tier.capacity:
                raise CapacityBelowSold.of_tier(tier.name, stored.held, stored.sold)
            saved = as_stored(replace(tier, event_id=stored.event_id, held=stored.held, sold=stored.sold,
                                      version=stored.version + 1))
            self._tiers[tier.id] = saved
            return saved

    def get_tiers(self, event_id: str) -> list[Tier]:
        with self._lock:
            return self._tiers_of(event_id)

    def _tiers_of(self, event_id: str) -> list[Tier]:
        return sorted((t for t in self._tiers.values() if t.event_id == event_id), key=lambda t: (t.position, t.id))

    def tier_counts(self, event_ids: Sequence[str]) -> dict[str, list[TierCount]]:
        with self._lock:
            return {
                event_id: [TierCount(t.id, t.capacity, t.held, t.sold) for t in self._tiers_of(event_id)]
                for event_id in event_ids
            }

    # ---------------------------------------------------------------- inventory
    def reserve(self, reservation: Reservation) -> tuple[Reservation, bool]:
        with self._lock:
            existing = self._reservations.get(reservation.id)
            if existing is not None:
                return existing, False
            event = self._events.get(reservation.event_id)
            if event is None or event.status is not EventStatus.PUBLISHED:
                raise NotOnSale()
            changed: dict[str, Tier] = {}  # nothing is written until every line fits
            for line in reservation.lines:
                tier = changed.get(line.tier_id) or self._tiers.get(line.tier_id)
                if tier is None or tier.event_id != reservation.event_id or tier.version != line.tier_version:
                    raise StaleCatalog(line.tier_id)
                if tier.held + tier.sold + line.quantity > tier.capacity:
                    raise SoldOut(tier_ids=(line.tier_id,))
                changed[line.tier_id] = replace(tier, held=tier.held + line.quantity)
            code = self._take_code(reservation)  # the access code's uses, in the same atomic step
            self._write_tiers(changed)
            self._write_code(code)
            self._reservations[reservation.id] = as_stored(reservation)
        return reservation, True

    def exchange_buyer_hold(self, event_id: str, buyer_key: str, reservation_id: str) -> str | None:
        with self._lock:
            holds: dict[tuple[str, str], str] = self.__dict__.setdefault("_buyer_holds", {})
            previous = holds.get((event_id, buyer_key))
            holds[(event_id, buyer_key)] = reservation_id
        return previous

    def buyer_hold(self, event_id: str, buyer_key: str) -> str | None:
        with self._lock:
            holds: dict[tuple[str, str], str] = self.__dict__.get("_buyer_holds", {})
            return holds.get((event_id, buyer_key))

    def get_reservation(self, reservation_id: str) -> Reservation | None:
        with self._lock:
            return self._reservations.get(reservation_id)

    def release(
        self, reservation_id: str, status: ReservationStatus, now: datetime
    ) -> Reservation | None:
        if status not in (ReservationStatus.CANCELLED, ReservationStatus.EXPIRED):
            raise ValueError("release closes a hold as cancelled or expired")
        with self._lock:
            return self._release(reservation_id, status, now)

    def _release(self, reservation_id: str, status: ReservationStatus, now: datetime) -> Reservation | None:
        """`release` with the lock held."""
        reservation = self._reservations.get(reservation_id)
        if reservation is None or reservation.status is not ReservationStatus.HELD:
            return None
        if status is ReservationStatus.EXPIRED and reservation.expires_at > now:
            return None
        changed: dict[str, Tier] = {}
        for line in reservation.lines:
            tier = changed.get(line.tier_id) or self._tiers.get(line.tier_id)
            if tier is None or tier.held < line.quantity:
                raise RuntimeError(f"held count of tier {line.tier_id} is inconsistent")
            if not self._owe_to_waitlist(line.tier_id, line.quantity):  # else still held, owed to the waitlist
                changed[line.tier_id] = replace(tier, held=tier.held - line.quantity)
        self._write_tiers(changed)
        self._give_code_back(reservation)
        closed = as_stored(replace(reservation, status=status, closed_at=now))
        self._reservations[reservation_id] = closed
        return closed

    def confirm(self, reservation_id: str, order: Order, now: datetime) -> tuple[Order, bool]:
        with self._lock:
            reservation = self._reservations.get(reservation_id)
            if reservation is None:
                raise KeyError(reservation_id)
            if reservation.status is ReservationStatus.CONFIRMED:
                existing = self._order(reservation.order_id or "")
                if existing is None:
                    raise RuntimeError(f"reservation {reservation_id} confirmed without an order")
                return existing, False
            held = reservation.status is ReservationStatus.HELD
            changed: dict[str, Tier] = {}
            for line in reservation.lines:
                tier = changed.get(line.tier_id) or self._tiers.get(line.tier_id)
                # a hold that already ended (late payment) is honoured only while capacity allows
                fits = tier is not None and (
                    tier.held >= line.quantity if held else tier.held + tier.sold + line.quantity <= tier.capacity
                )
                if tier is None or not fits:
                    raise SoldOut(tier_ids=(line.tier_id,))
                changed[line.tier_id] = replace(
                    tier, held=tier.held - line.quantity if held else tier.held, sold=tier.sold + line.quantity
                )
            if order.id in self._orders or any(t.id in self._tickets for t in order.tickets):
                raise RuntimeError(f"order {order.id} or one of its tickets exists")
            code = self._confirm_code(reservation, held)
            self._write_tiers(changed)
            self._write_code(code)
            self._reservations[reservation_id] = as_stored(
                replace(reservation, status=ReservationStatus.CONFIRMED, order_id=order.id, closed_at=now)
            )
            self._orders[order.id] = as_stored(order)
            self._tickets.update((ticket.id, ticket) for ticket in order.tickets)
        return order, True

    def _write_tiers(self, changed: dict[str, Tier]) -> None:
        for tier in changed.values():
            _check_inventory(tier)
        self._tiers.update(changed)

    def expired_reservation_ids(self, now: datetime, limit: int = 500) -> list[str]:
        with self._lock:
            due = sorted(
                (r for r in self._reservations.values()
                 if r.status is ReservationStatus.HELD and r.expires_at <= now),
                key=lambda r: (r.expires_at, r.id),
            )
        return [r.id for r in due[: max(limit, 0)]]

    def release_expired(self, now: datetime, limit: int = 500) -> list[Reservation]:
        with self._lock:  # the whole batch under one lock, like SQLite's one write transaction
            due = sorted(
                (r for r in self._reservations.values()
                 if r.status is ReservationStatus.HELD and r.expires_at <= now),
                key=lambda r: (r.expires_at, r.id),
            )[: max(limit, 0)]
            released = [self._release(r.id, ReservationStatus.EXPIRED, now) for r in due]
        return [r for r in released if r is not None]

    def get_order(self, order_id: str) -> Order | None:
        with self._lock:
            return self._order(order_id)

    def _order(self, order_id: str) -> Order | None:
        """The order with its tickets as they are now (a ticket's status changes after the sale)."""
        order = self._orders.get(order_id)
        if order is None:
            return None
        return replace(order, tickets=tuple(self._tickets[t.id] for t in order.tickets))

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        with self._lock:
            return self._tickets.get(ticket_id)

    def list_orders(self, event_id: str) -> list[Order]:
        with self._lock:
            ids = sorted((o.created_at, o.id) for o in self._orders.values() if o.event_id == event_id)
            return [order for _, order_id in ids if (order := self._order(order_id)) is not None]

    def set_ticket_status(self, ticket_id: str, status: str) -> None:
        with self._lock:
            ticket = self._tickets.get(ticket_id)
            if ticket is not None:
                self._tickets[ticket_id] = replace(ticket, status=TicketStatus(status))

    # ---------------------------------------------------------------- door check-in
    def admit(self, checkin: CheckIn, transfers: int | None = None) -> tuple[CheckIn, bool]:
        with self._lock:
            first = self._checkins.get(checkin.ticket_id)
            if first is not None:
                return first, False
            ticket = self._tickets.get(checkin.ticket_id)
            if transfers is not None and (ticket is None or ticket.transfers != transfers):
                return checkin, False  # handed on since the code was judged (tests/fakes/memory_transfers.py)
            stored = self._checkins[checkin.ticket_id] = as_stored(checkin)
            return stored, True

    def list_checkins(self, event_id: str) -> list[CheckIn]:
        with self._lock:
            return sorted((c for c in self._checkins.values() if c.event_id == event_id),
                          key=lambda c: (c.scanned_at, c.ticket_id))

    def get_checkin(self, event_id: str, ticket_id: str) -> CheckIn | None:
        with self._lock:
            checkin = self._checkins.get(ticket_id)
            return checkin if checkin is not None and checkin.event_id == event_id else None

    def record_scan_result(self, nonce: str, event_id: str, result: str) -> str:
        with self._lock:
            return self._scan_results.setdefault(nonce, result)

    def add_double_admission(self, record: DoubleAdmission) -> None:
        with self._lock:
            self._double_admissions.setdefault((record.ticket_id, record.second.nonce), as_stored(record))

    def list_double_admissions(self, event_id: str) -> list[DoubleAdmission]:
        with self._lock:
            return [record for _, record in sorted(self._double_admissions.items()) if record.event_id == event_id]

    # ---------------------------------------------------------------- door staff
    def add_staff(self, staff: StaffAccess) -> None:
        with self._lock:
            if staff.id in self._staff or any(s.token_hash == staff.token_hash for s in self._staff.values()):
                raise StaffAccessExists()
            self._staff[staff.id] = as_stored(staff)

    def save_staff(self, staff: StaffAccess) -> None:
        """Label and revocation only; nothing when the access does not exist."""
        with self._lock:
            stored = self._staff.get(staff.id)
            if stored is not None:
                self._staff[staff.id] = as_stored(replace(stored, label=staff.label, revoked_at=staff.revoked_at))

    def list_staff(self, event_id: str) -> list[StaffAccess]:
        with self._lock:
            return sorted((s for s in self._staff.values() if s.event_id == event_id),
                          key=lambda s: (s.created_at, s.id))

    def find_staff(self, token_hash: str) -> StaffAccess | None:
        with self._lock:
            return next((s for s in self._staff.values() if s.token_hash == token_hash), None)


def _by_start(event: Event) -> tuple[datetime, str]:
    return event.starts_at, event.id


def _check_inventory(tier: Tier) -> None:
    """The second line of defence (SQLite's CHECK on `tiers`): a bug here fails loudly."""
    if tier.held < 0 or tier.sold < 0 or tier.held + tier.sold > tier.capacity:
        raise RuntimeError(f"tier {tier.id} would break held + sold <= capacity: {tier}")
