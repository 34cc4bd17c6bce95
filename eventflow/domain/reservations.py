"""Use cases: one method per business action, collaborators injected.

Pages and the JSON API call these and nothing below them, so both enforce the same rules.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher

from eventflow.domain.accounts import Accounts, normalise_email
from eventflow.domain.clock import Clock
from eventflow.domain.errors import (
    Conflict,
    HoldExpired,
    NotFound,
    NotOnSale,
    ReservationClosed,
    StaleCatalog,
    ValidationFailed,
)
from eventflow.domain.models import (
    DEFAULT_HOLD,
    MAX_LINES_PER_RESERVATION,
    MAX_TICKETS_PER_RESERVATION,
    Buyer,
    Event,
    EventStatus,
    EventView,
    Order,
    Organizer,
    Reservation,
    ReservationLine,
    ReservationStatus,
    Ticket,
    Tier,
    new_id,
    slugify,
)
from eventflow.domain.money import FeeMode, TicketPrice, require_supported
from eventflow.domain.ports import AvailabilityListener, NoListener, PaidSalesGate, Store

MAX_PRICE_MINOR = 100_000_000_00  # a hundred million in a two-digit currency
MAX_CAPACITY = 1_000_000


@dataclass(frozen=True, slots=True)
class LineRequest:
    tier_id: str
    quantity: int


def require_aware(name: str, instant: datetime | None) -> None:
    if instant is not None and instant.tzinfo is None:
        raise ValidationFailed(f"{name} needs a timezone (e.g. 2026-07-01T20:00:00+02:00)")


def clean_event_details(
    *, title: str, starts_at: datetime, ends_at: datetime, timezone: str, venue: str, currency: str,
    description: str, fee_mode: FeeMode | str,
) -> dict[str, Any]:
    """An event's editable fields, checked and normalised; the same rules on create and on edit."""
    title = title.strip()
    if not title or len(title) > 200:
        raise ValidationFailed("Give the event a title (up to 200 characters)", field="title")
    require_aware("starts_at", starts_at)
    require_aware("ends_at", ends_at)
    if ends_at <= starts_at:
        raise ValidationFailed("The event must end after it starts", field="ends_at")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"Unknown timezone {timezone!r} (use e.g. Europe/Berlin)", field="timezone") from None
    try:
        fee_mode = FeeMode(fee_mode)
    except ValueError:
        raise ValidationFailed("fee_mode is buyer_pays or organizer_absorbs", field="fee_mode") from None
    if len(description) > 20_000 or len(venue) > 300:
        raise ValidationFailed("Description or venue is too long")
    return {
        "title": title, "starts_at": starts_at, "ends_at": ends_at, "timezone": timezone, "venue": venue.strip(),
        "currency": require_supported(currency.strip().upper()), "description": description, "fee_mode": fee_mode,
    }


class CatalogCache:
    """Event + tiers as last read, for pricing holds without a read per reservation.

    Staleness is harmless: every hold is written conditionally on the tier versions it was
    priced from, and a mismatch makes the service re-read and retry once."""

    def __init__(self, ttl_seconds: float = 1.0) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, EventView]] = {}
        self._lock = threading.Lock()

    def get(self, event_id: str) -> EventView | None:
        with self._lock:
            entry = self._entries.get(event_id)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        return entry[1]

    def put(self, view: EventView) -> None:
        with self._lock:
            self._entries[view.event.id] = (time.monotonic(), view)

    def forget(self, event_id: str) -> None:
        with self._lock:
            self._entries.pop(event_id, None)


class Ticketing:
    """The service layer of EventFlow."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        secret_key: str,
        listener: AvailabilityListener | None = None,
        hold_duration: timedelta = DEFAULT_HOLD,
        password_hasher: PasswordHasher | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.listener: AvailabilityListener = listener or NoListener()
        self.hold_duration = hold_duration
        self._secret = secret_key.encode()
        self.accounts = Accounts(store, clock, password_hasher)
        self._catalog = CatalogCache()
        self.paid_sales_gate: PaidSalesGate | None = None  # set when card payments need onboarding first

    @property
    def inline_safe(self) -> bool:
        """Whether a caller on an event loop may make these calls directly (see Store.inline_safe)."""
        return self.store.inline_safe

    # ---------------------------------------------------------------- organizers
    # Conveniences for scripts and tests; pages and the API use `Accounts` directly.
    def sign_up(self, email: str, password: str, name: str) -> Organizer:
        return self.accounts.sign_up(email, password, name)

    def authenticate(self, email: str, password: str) -> Organizer:
        return self.accounts.authenticate(email, password)

    # ---------------------------------------------------------------- events and tiers
    def create_event(
        self,
        organizer_id: str,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        timezone: str,
        venue: str = "",
        currency: str = "EUR",
        description: str = "",
        fee_mode: FeeMode | str = FeeMode.BUYER_PAYS,
    ) -> Event:
        details = clean_event_details(title=title, starts_at=starts_at, ends_at=ends_at, timezone=timezone,
                                      venue=venue, currency=currency, description=description, fee_mode=fee_mode)
        base_slug = slugify(details["title"])
        for attempt in range(20):
            slug = base_slug if attempt == 0 else f"{base_slug}-{secrets.token_hex(2)}"
            event = Event(
                id=new_id("evt"),
                organizer_id=organizer_id,
                slug=slug,
                status=EventStatus.DRAFT,
                created_at=self.clock.now(),
                **details,
            )
            try:
                self.store.add_event(event)
                return event
            except Conflict:
                continue
        raise Conflict("Could not find a free address for this event; change the title")

    def own_event(self, organizer_id: str, event_id: str) -> Event:
        """The organizer's event, or NotFound: other organizers' events do not exist for them."""
        event = self.store.get_event(event_id)
        if event is None or event.organizer_id != organizer_id:
            raise NotFound("No such event")
        return event

    def add_tier(
        self,
        organizer_id: str,
        event_id: str,
        *,
        name: str,
        price_minor: int,
        capacity: int,
        max_per_order: int | None = None,
        sales_start: datetime | None = None,
        sales_end: datetime | None = None,
        hidden: bool = False,
    ) -> Tier:
        event = self.own_event(organizer_id, event_id)
        if event.status is EventStatus.CANCELLED:
            raise Conflict("This event is cancelled")
        name = name.strip()
        if not name or len(name) > 120:
            raise ValidationFailed("Give the tier a name (up to 120 characters)")
        if not 0 <= price_minor <= MAX_PRICE_MINOR:
            raise ValidationFailed("price_minor must be between 0 and 10,000,000,000")
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ValidationFailed(f"capacity must be between 1 and {MAX_CAPACITY:,}")
        max_per_order = min(capacity, MAX_TICKETS_PER_RESERVATION, max_per_order or 10)
        if max_per_order < 1:
            raise ValidationFailed("max_per_order must be at least 1")
        require_aware("sales_start", sales_start)
        require_aware("sales_end", sales_end)
        if sales_start and sales_end and sales_end <= sales_start:
            raise ValidationFailed("Sales must end after they start")
        existing = self.store.get_tiers(event_id)
        if len(existing) >= 50:
            raise ValidationFailed("An event can have at most 50 tiers")
        if price_minor > 0 and event.status is EventStatus.PUBLISHED:
            self.require_paid_sales_allowed(organizer_id)
        tier = Tier(
            id=new_id("tier"),
            event_id=event_id,
            name=name,
            price_minor=price_minor,
            capacity=capacity,
            max_per_order=max_per_order,
            sales_start=sales_start,
            sales_end=sales_end,
            hidden=hidden,
            position=len(existing),
        )
        self.store.add_tier(tier)
        self.notify_changed(event_id)
        return tier

    def publish(self, organizer_id: str, event_id: str) -> Event:
        event = self.own_event(organizer_id, event_id)
        if event.status is EventStatus.CANCELLED:
            raise Conflict("A cancelled event cannot be published")
        tiers = self.store.get_tiers(event_id)
        if not tiers:
            raise ValidationFailed("Add at least one ticket tier before publishing")
        if any(tier.price_minor > 0 for tier in tiers):
            self.require_paid_sales_allowed(organizer_id)
        published = event.with_status(EventStatus.PUBLISHED)
        self.store.save_event(published)
        self.notify_changed(event_id)
        return published

    def event_view(self, event_id: str) -> EventView:
        """An event with live counts; drafts and cancelled events included (caller decides)."""
        event = self.store.get_event(event_id)
        if event is None:
            raise NotFound("No such event")
        view = EventView(event, tuple(self.store.get_tiers(event_id)))
        self._catalog.put(view)
        return view

    def public_event_view(self, event_id: str) -> EventView:
        view = self.event_view(event_id)
        if view.event.status is EventStatus.DRAFT:
            raise NotFound("No such event")
        return view

    def public_event_by_slug(self, slug: str) -> EventView:
        event = self.store.find_event_by_slug(slug)
        if event is None:
            raise NotFound("No such event")
        return self.public_event_view(event.id)

    # ---------------------------------------------------------------- reservations
    def reservation_id_for(self, event_id: str, idempotency_key: str) -> str:
        """Same key, same reservation: the id is a keyed hash, unguessable without the secret."""
        digest = hmac.new(self._secret, f"{event_id}\n{idempotency_key}".encode(), hashlib.sha256)
        return "res_" + base64.urlsafe_b64encode(digest.digest()[:16]).decode().rstrip("=")

    def reserve(
        self,
        event_id: str,
        lines: Sequence[LineRequest],
        buyer: Buyer,
        idempotency_key: str | None = None,
    ) -> Reservation:
        quantities = self._merge_lines(lines)
        buyer = Buyer(email=normalise_email(buyer.email), name=buyer.name.strip())
        if not buyer.name or len(buyer.name) > 120:
            raise ValidationFailed("Enter the buyer's name (up to 120 characters)")
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
            raise ValidationFailed("idempotency_key must be 1-200 characters")
        reservation_id = (
            self.reservation_id_for(event_id, idempotency_key)
            if idempotency_key
            else new_id("res", 16)
        )
        for attempt in range(3):
            view = None if attempt else self._catalog.get(event_id)
            view = view or self.event_view(event_id)
            reservation = self._price(view, quantities, buyer, reservation_id, idempotency_key)
            try:
                stored, created = self.store.reserve(reservation)
            except StaleCatalog:
                self._catalog.forget(event_id)
                continue
            if created:
                self.notify_changed(event_id, catalog_too=False)
            return stored
        raise Conflict("The tiers changed while reserving; please try again")

    def _merge_lines(self, lines: Sequence[LineRequest]) -> dict[str, int]:
        if not lines:
            raise ValidationFailed("Choose at least one ticket")
        if len(lines) > MAX_LINES_PER_RESERVATION:
            raise ValidationFailed(f"At most {MAX_LINES_PER_RESERVATION} lines per reservation")
        quantities: dict[str, int] = {}
        for line in lines:
            if not 1 <= line.quantity <= MAX_TICKETS_PER_RESERVATION:
                raise ValidationFailed(
                    f"quantity must be between 1 and {MAX_TICKETS_PER_RESERVATION}"
                )
            quantities[line.tier_id] = quantities.get(line.tier_id, 0) + line.quantity
        if sum(quantities.values()) > MAX_TICKETS_PER_RESERVATION:
            raise ValidationFailed(f"At most {MAX_TICKETS_PER_RESERVATION} tickets per reservation")
        return quantities

    def _price(
        self,
        view: EventView,
        quantities: dict[str, int],
        buyer: Buyer,
        reservation_id: str,
        idempotency_key: str | None,
    ) -> Reservation:
        event = view.event
        if event.status is EventStatus.DRAFT:
            raise NotFound("No such event")
        if event.status is not EventStatus.PUBLISHED:
            raise NotOnSale("This event is not on sale")
        now = self.clock.now()
        priced: list[ReservationLine] = []
        for tier_id, quantity in quantities.items():
            tier = view.tier(tier_id)
            if tier is None:
                raise ValidationFailed(f"Tier {tier_id!r} is not part of this event")
            if not tier.on_sale_at(now):
                raise NotOnSale(f"{tier.name} is not on sale right now")
            if quantity > tier.max_per_order:
                raise ValidationFailed(
                    f"At most {tier.max_per_order} {tier.name} tickets per order"
                )
            price = TicketPrice.of(tier.price_minor, event.currency, event.fee_mode)
            priced.append(
                ReservationLine(
                    tier_id=tier_id,
                    quantity=quantity,
                    unit_price_minor=price.price_minor,
                    unit_fee_minor=price.fee_minor,
                    unit_total_minor=price.buyer_total_minor,
                    tier_version=tier.version,
                )
            )
        return Reservation(
            id=reservation_id,
            event_id=event.id,
            lines=tuple(priced),
            buyer=buyer,
            currency=event.currency,
            fee_mode=event.fee_mode,
            status=ReservationStatus.HELD,
            created_at=now,
            expires_at=now + self.hold_duration,
            idempotency_key=idempotency_key,
        )

    def get_reservation(self, reservation_id: str) -> Reservation:
        """The reservation as its buyer sees it; a hold past its end is released on the spot."""
        reservation = self.store.get_reservation(reservation_id)
        if reservation is None:
            raise NotFound("No such reservation")
        if reservation.status is ReservationStatus.HELD and reservation.expires_at <= self.clock.now():
            self.expire(reservation_id)
            reservation = self.store.get_reservation(reservation_id) or reservation
        return reservation

    def cancel(self, reservation_id: str) -> Reservation:
        reservation = self.store.get_reservation(reservation_id)
        if reservation is None:
            raise NotFound("No such reservation")
        released = self.store.release(reservation_id, ReservationStatus.CANCELLED, self.clock.now())
        if released is not None:
            self.notify_changed(released.event_id, catalog_too=False)
            return released
        current = self.store.get_reservation(reservation_id) or reservation
        if current.status is ReservationStatus.CANCELLED:
            return current  # cancelling twice is fine
        raise ReservationClosed(f"This reservation is already {current.status.value}")

    def expire(self, reservation_id: str) -> bool:
        released = self.store.release(reservation_id, ReservationStatus.EXPIRED, self.clock.now())
        if released is not None:
            self.notify_changed(released.event_id, catalog_too=False)
        return released is not None

    def release_expired_holds(self, limit: int = 500) -> int:
        """The reaper: safe to run on many instances at once (each release is conditional)."""
        released = 0
        for reservation_id in self.store.expired_reservation_ids(self.clock.now(), limit):
            released += self.expire(reservation_id)
        return released

    def confirm(self, reservation_id: str, payment_ref: str, late_ok: bool = True) -> Order:
        """Payment arrived: issue the order and its tickets (idempotent)."""
        return self.confirm_once(reservation_id, payment_ref, late_ok)[0]

    def confirm_once(
        self, reservation_id: str, payment_ref: str, late_ok: bool = True
    ) -> tuple[Order, bool]:
        """Like `confirm`, also telling whether this call created the order (to mail it once).

        A payment for a hold that already ended is still honoured while capacity allows;
        otherwise SoldOut and the caller refunds."""
        reservation = self.store.get_reservation(reservation_id)
        if reservation is None:
            raise NotFound("No such reservation")
        if reservation.status is ReservationStatus.CONFIRMED and reservation.order_id:
            existing = self.store.get_order(reservation.order_id)
            if existing is not None:
                return existing, False
        if reservation.status is not ReservationStatus.HELD and not late_ok:
            raise HoldExpired()
        order = self._new_order(reservation, payment_ref)
        stored, created = self.store.confirm(reservation_id, order, self.clock.now())
        if created:
            self.notify_changed(reservation.event_id, catalog_too=False)
        return stored, created

    def _new_order(self, reservation: Reservation, payment_ref: str) -> Order:
        order_id = new_id("ord", 12)
        tickets = tuple(
            Ticket(
                id=new_id("tkt", 12),
                order_id=order_id,
                event_id=reservation.event_id,
                tier_id=line.tier_id,
                holder_name=reservation.buyer.name,
                access_key=secrets.token_urlsafe(18),
                secret=base64.b32encode(secrets.token_bytes(20)).decode(),
                price_minor=line.unit_price_minor,
                fee_minor=line.unit_fee_minor,
            )
            for line in reservation.lines
            for _ in range(line.quantity)
        )
        return Order(
            id=order_id,
            reservation_id=reservation.id,
            event_id=reservation.event_id,
            buyer=reservation.buyer,
            currency=reservation.currency,
            subtotal_minor=reservation.subtotal_minor,
            fee_minor=reservation.fee_minor,
            total_minor=reservation.total_minor,
            created_at=self.clock.now(),
            payment_ref=payment_ref,
            tickets=tickets,
        )

    # ---------------------------------------------------------------- helpers
    def require_paid_sales_allowed(self, organizer_id: str) -> None:
        """Paid tiers go on sale only once the organizer can take card payments (when that matters)."""
        if self.paid_sales_gate is not None:
            self.paid_sales_gate.require_paid_sales_allowed(organizer_id)

    def notify_changed(self, event_id: str, catalog_too: bool = True) -> None:
        """Forget the cached catalogue (when it changed) and tell live pages to re-read counts."""
        if catalog_too:
            self._catalog.forget(event_id)
        self.listener.availability_changed(event_id)

