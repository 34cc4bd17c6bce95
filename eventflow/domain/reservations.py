"""Reservations: hold tickets, cancel or let a hold run out, and confirm a paid hold into an order.

`Ticketing` is the only writer of held/sold counts (through the store's conditional writes).
Events and tiers themselves belong to `Catalog` (domain/catalog.py), which prices holds read from.

A client may send an idempotency key, so a retried request gets the reservation it already made.
The reservation id derives from (event, key), and the store hands back an existing reservation
for that id whatever was asked; so, as Stripe does, each reservation keeps a fingerprint of its
request (event, lines, buyer) and the same key with another request is `IdempotencyKeyReused`
(409), never someone else's reservation.

A reserve may carry an access code (domain/access_codes.py): it is read fresh (one store read, only
when a code is given), unlocks hidden tiers and discounts prices; the reservation then holds the
code's uses (`Reservation.code`), taken by the store in the same atomic write as the tickets.
Without a code, a hidden tier is refused (`CodeRequired`): the one rule is `tier_sellable`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher

from eventflow.domain.access_codes import (
    AccessCode,
    CodeInvalid,
    CodeNotActive,
    CodeRequired,
    CodeUsedUp,
    RecentCodes,
    normalize_code,
    price_with_code,
    require_usable,
    tier_sellable,
)
from eventflow.domain.accounts import Accounts, normalise_email
from eventflow.domain.attendees import holders
from eventflow.domain.buyer_caps import BuyerCaps
from eventflow.domain.buyer_limits import buyer_keys, displaced
from eventflow.domain.catalog import Catalog
from eventflow.domain.clock import Clock
from eventflow.domain.drop_mode import hold_length
from eventflow.domain.errors import (
    Conflict,
    DomainError,
    HoldExpired,
    IdempotencyKeyReused,
    NotFound,
    NotOnSale,
    StaleCatalog,
    ValidationFailed,
    reservation_closed,
)
from eventflow.domain.models import (
    DEFAULT_HOLD,
    MAX_LINES_PER_RESERVATION,
    MAX_TICKETS_PER_RESERVATION,
    Buyer,
    EventStatus,
    EventView,
    Order,
    Organizer,
    Reservation,
    ReservationLine,
    ReservationStatus,
    Ticket,
    new_id,
)
from eventflow.domain.money import TicketPrice
from eventflow.domain.my_tickets import owners_of_order
from eventflow.domain.ports import AvailabilityListener, NoListener, Store
from eventflow.domain.sale_settings import SaleRules
from eventflow.domain.traffic import NoTracking, SaleTracking, Touch

# Holds released per reaper batch (`Ticketing.reaper_batch`); the reaper drains batch after batch.
# Embedded store: one SQLite write transaction of 200 takes ~10 ms (buyers' reserves wait for it at
# most that long; 500 took ~35 ms for hardly more holds/s). Networked store: a batch holds no lock
# (transactions of up to 100 items each) and costs one Query per hold shard whatever its size, so
# a larger batch means fewer round trips per hold.
REAPER_BATCH = 200
REAPER_BATCH_NETWORKED = 1000


@dataclass(frozen=True, slots=True)
class LineRequest:
    tier_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReserveRequest:
    """One buyer's reserve, as `Ticketing.reserve` takes it (for `Ticketing.reserve_all`)."""

    event_id: str
    lines: Sequence[LineRequest]
    buyer: Buyer
    idempotency_key: str | None = None
    code: str | None = None  # an access code, as the buyer typed it
    buyer_token: str | None = None  # the page's per-browser id (domain/buyer_limits.py)
    client_ip: str | None = None  # for the rate limits (adapters/rate_limit.py), not stored
    source: Touch | None = None  # where the buyer came from (domain/traffic.py)
    room_pass: str | None = None  # the waiting room's signed pass (domain/waiting_room.py), checked before


def limit_keys(client_ip: str | None, buyer: Buyer, buyer_token: str | None = None) -> tuple[str, ...]:
    """The rate limiters' keys of a reserve or a waitlist join: the client's IP and the buyer (email,
    browser token)."""
    ip = (f"ip:{client_ip}",) if client_ip else ()
    return ip + tuple(f"buyer:{k}" for k in buyer_keys(buyer, buyer_token))


def request_fingerprint(event_id: str, quantities: dict[str, int], buyer: Buyer, code: str | None = None) -> str:
    """What a reservation request asks for, as a hash: the event, the tickets per tier (in any
    order, lines of one tier added up), the buyer, normalised as `Ticketing.reserve` stores them, and
    the access code used (only when one is: fingerprints stored before codes stay the same)."""
    asked: dict[str, object] = {"event": event_id, "lines": sorted(quantities.items()),
                                "buyer": [buyer.email, buyer.name]}
    if code:
        asked["code"] = code
    return hashlib.sha256(json.dumps(asked, separators=(",", ":")).encode()).hexdigest()


def fingerprint_of(reservation: Reservation) -> str:
    """The reservation's request fingerprint; for one stored before fingerprints, worked out from
    what it holds (the same fields, so the same hash)."""
    return reservation.request_fingerprint or request_fingerprint(
        reservation.event_id, reservation.quantities(), reservation.buyer,
        reservation.code.code if reservation.code else None)


class Ticketing:
    """Holds and orders: reserve, cancel, expire, release ended holds, confirm."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        secret_key: str,
        listener: AvailabilityListener | None = None,
        hold_duration: timedelta = DEFAULT_HOLD,
        password_hasher: PasswordHasher | None = None,
        catalog: Catalog | None = None,
        one_hold_per_buyer: bool = False,
        drop_hold: timedelta | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.listener: AvailabilityListener = listener or NoListener()
        self.hold_duration = hold_duration
        self._secret = secret_key.encode()
        self.accounts = Accounts(store, clock, password_hasher, secret_key=secret_key)
        # Where holds are priced from; shared with the app's `Catalog` so its edits reach pricing at once.
        self.catalog = catalog or Catalog(store, clock, self.listener)
        # One standing hold per buyer and event (domain/buyer_limits.py); the app turns it on (config.py).
        self.one_hold_per_buyer = one_hold_per_buyer
        self.drop_hold = drop_hold  # drop mode's shorter hold (domain/drop_mode.py); None: off
        self._recent_codes = RecentCodes()  # access codes, for pricing holds (see `_access_code`)
        self.traffic: SaleTracking = NoTracking()  # holds and orders per source (domain/traffic.py; the app's)
        # Per-event choices over the two above (domain/sale_settings.py; the app's, a recent copy: no read per hold).
        self.sale_rules: SaleRules | None = None

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
        code: str | None = None,
        buyer_token: str | None = None,
        source: Touch | None = None,
    ) -> Reservation:
        """Hold tickets for a buyer; the buyer's previous hold for this event is released first
        (one standing hold per buyer: domain/buyer_limits.py)."""
        quantities = self._merge_lines(lines)
        code_text = normalize_code(code) if code else None
        buyer = Buyer(email=normalise_email(buyer.email), name=buyer.name.strip(), language=buyer.language)
        if not buyer.name or len(buyer.name) > 120:
            raise ValidationFailed("Enter the buyer's name (up to 120 characters)")
        if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
            raise ValidationFailed("idempotency_key must be 1-200 characters")
        reservation_id = (
            self.reservation_id_for(event_id, idempotency_key)
            if idempotency_key
            else new_id("res", 16)
        )
        one_hold = (self.sale_rules.one_hold_per_buyer(event_id, self.one_hold_per_buyer) if self.sale_rules
                    else self.one_hold_per_buyer)
        keys = buyer_keys(buyer, buyer_token) if one_hold else ()
        replaced = not keys
        cap = self.sale_rules.settings(event_id).max_tickets_per_buyer if self.sale_rules else None
        caps = BuyerCaps(self.store, self.clock, cap) if cap else None  # tickets per buyer (domain/buyer_caps.py)
        if caps:
            caps.before(event_id, buyer.email, sum(quantities.values()))
        for attempt in range(3):
            # First from the recent read; after a StaleCatalog (an organizer edited a tier) afresh.
            view = self.catalog.event_view(event_id) if attempt else self.catalog.recent_view(event_id)
            access = self._access_code(event_id, code_text, fresh=attempt > 0) if code_text else None
            try:
                reservation = self._price(view, quantities, buyer, reservation_id, idempotency_key, access)
                if not replaced:  # once the request is known to be valid, before taking tickets
                    self._replace_buyer_holds(event_id, keys, reservation_id)
                    replaced = True
                stored, created = self.store.reserve(reservation)
            except StaleCatalog:
                continue
            except (CodeUsedUp, CodeNotActive, CodeRequired):
                if attempt or not code_text:
                    raise
                # Refused from a recent read of the code: only a fresh read may refuse (it sees a
                # resumed code, uses given back meanwhile, and says how many are left).
                continue
            if created:
                if keys:
                    self._stand_or_give_way(event_id, keys, reservation_id)
                if caps:
                    caps.stand_within(event_id, buyer.email, stored)
                self.traffic.hold_made(stored, source)  # counted before live pages re-read
                self.notify_changed(event_id)
            elif idempotency_key and fingerprint_of(stored) != reservation.request_fingerprint:
                # Another request under a key already used: nothing of that reservation is told.
                raise IdempotencyKeyReused()
            return stored
        raise Conflict("The tiers changed while reserving; please try again")

    def _replace_buyer_holds(self, event_id: str, keys: Sequence[str], reservation_id: str) -> None:
        """Make this reservation the buyer's standing hold and release the one(s) it replaces, before
        its own tickets are taken, so the buyer's holds are never counted twice."""
        previous = [self.store.exchange_buyer_hold(event_id, k, reservation_id) for k in keys]
        now = self.clock.now()
        for old in displaced(previous, reservation_id):
            if self.store.release(old, ReservationStatus.CANCELLED, now) is not None:
                self.notify_changed(event_id)

    def _stand_or_give_way(self, event_id: str, keys: Sequence[str], reservation_id: str) -> None:
        """After the hold is written: a concurrent hold of the same buyer that displaced this one
        while it was being written could not release it; this hold releases itself then."""
        if all(self.store.buyer_hold(event_id, k) == reservation_id for k in keys):
            return
        self.store.release(reservation_id, ReservationStatus.CANCELLED, self.clock.now())
        raise Conflict("A newer hold by the same buyer replaced this one")

    def _access_code(self, event_id: str, code: str, fresh: bool) -> AccessCode:
        """The buyer's code: as read within the last second (`RecentCodes`), or afresh; only when a
        code is given, so a reserve without one reads nothing more."""
        access = None if fresh else self._recent_codes.get(event_id, code)
        if access is None:
            access = self.store.find_access_code(event_id, code)
            if access is None or access.deleted:
                raise CodeInvalid()
            self._recent_codes.put(access)
        return access

    def reserve_all(self, requests: Sequence[ReserveRequest]) -> list[Reservation | Exception]:
        """Several buyers' reserves (those one event-loop iteration received) committed together
        (`Store.transaction_batch`, group commit): each made exactly as `reserve` makes it, with its
        own result or error in its place. Should anything but a buyer's error (DomainError) happen,
        none of the batch is kept and each request is made again on its own, so it fails alone."""
        try:
            with self.store.transaction_batch():
                return [self._reserve_or_refusal(request) for request in requests]
        except Exception:
            results: list[Reservation | Exception] = []
            for request in requests:
                try:
                    results.append(self.reserve(request.event_id, request.lines, request.buyer,
                                                request.idempotency_key, request.code, request.buyer_token,
                                                request.source))
                except Exception as error:
                    results.append(error)
            return results

    def _reserve_or_refusal(self, request: ReserveRequest) -> Reservation | Exception:
        try:
            return self.reserve(request.event_id, request.lines, request.buyer, request.idempotency_key,
                                request.code, request.buyer_token, request.source)
        except DomainError as refusal:
            return refusal

    def _merge_lines(self, lines: Sequence[LineRequest]) -> dict[str, int]:
        if not lines:
            raise ValidationFailed("Choose at least one ticket")
        if len(lines) > MAX_LINES_PER_RESERVATION:
            raise ValidationFailed("At most {most} lines per reservation", most=MAX_LINES_PER_RESERVATION)
        quantities: dict[str, int] = {}
        for line in lines:
            if not 1 <= line.quantity <= MAX_TICKETS_PER_RESERVATION:
                raise ValidationFailed("quantity must be between 1 and {most}", most=MAX_TICKETS_PER_RESERVATION)
            quantities[line.tier_id] = quantities.get(line.tier_id, 0) + line.quantity
        if sum(quantities.values()) > MAX_TICKETS_PER_RESERVATION:
            raise ValidationFailed("At most {most} tickets per reservation", most=MAX_TICKETS_PER_RESERVATION)
        return quantities

    def _price(
        self,
        view: EventView,
        quantities: dict[str, int],
        buyer: Buyer,
        reservation_id: str,
        idempotency_key: str | None,
        code: AccessCode | None = None,
    ) -> Reservation:
        event = view.event
        if event.status is EventStatus.DRAFT:
            raise NotFound("No such event")
        if event.status is not EventStatus.PUBLISHED:
            raise NotOnSale()
        now = self.clock.now()
        priced: list[ReservationLine] = []
        coded = 0  # tickets the code applies to
        for tier_id, quantity in quantities.items():
            tier = view.tier(tier_id)
            if tier is None:
                raise ValidationFailed("Tier {tier!r} is not part of this event", tier=tier_id)
            if tier.hidden and not tier_sellable(tier, code):
                raise CodeRequired()
            if not tier.on_sale_at(now):
                raise NotOnSale("{tier} is not on sale right now", tier=tier.name)
            if quantity > tier.max_per_order:
                raise ValidationFailed("At most {count} {tier} tickets per order", count=tier.max_per_order,
                                       tier=tier.name)
            if code is None:
                price, discount = TicketPrice.of(tier.price_minor, event.currency, event.fee_mode), 0
            else:
                price, discount = price_with_code(tier, event, code)
                if code.applies_to(tier):
                    coded += quantity
            priced.append(
                ReservationLine(
                    tier_id=tier_id,
                    quantity=quantity,
                    unit_price_minor=price.price_minor,
                    unit_fee_minor=price.fee_minor,
                    unit_total_minor=price.buyer_total_minor,
                    tier_version=tier.version,
                    unit_discount_minor=discount,
                )
            )
        # The code is held only when it does something for these tickets (tickets it unlocks or discounts).
        code_use = require_usable(code, now, coded).use(coded) if code is not None and coded else None
        return Reservation(
            id=reservation_id,
            event_id=event.id,
            lines=tuple(priced),
            buyer=buyer,
            currency=event.currency,
            fee_mode=event.fee_mode,
            status=ReservationStatus.HELD,
            created_at=now,
            expires_at=now + hold_length((t for t in view.tiers if t.id in quantities), self.hold_duration,
                                         self.sale_rules.drop_hold(event.id, self.drop_hold) if self.sale_rules
                                         else self.drop_hold),
            idempotency_key=idempotency_key,
            # Only a client's key can bring a second request to this id (a random id cannot), so only then is
            # the request worth a hash: a reserve without a key skips the JSON dump and SHA-256.
            request_fingerprint=(request_fingerprint(event.id, quantities, buyer, code_use.code if code_use else None)
                                 if idempotency_key else None),
            code=code_use,
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
            self.notify_changed(released.event_id)
            return released
        current = self.store.get_reservation(reservation_id) or reservation
        if current.status is ReservationStatus.CANCELLED:
            return current  # cancelling twice is fine
        raise reservation_closed(current.status.value, already=True)

    def expire(self, reservation_id: str) -> bool:
        released = self.store.release(reservation_id, ReservationStatus.EXPIRED, self.clock.now())
        if released is not None:
            self.notify_changed(released.event_id)
        return released is not None

    @property
    def reaper_batch(self) -> int:
        """Holds per reaper batch for this store (see REAPER_BATCH)."""
        return REAPER_BATCH if self.store.inline_safe else REAPER_BATCH_NETWORKED

    def release_expired_holds(self, limit: int | None = None) -> int:
        """The reaper's batch: release up to `limit` (default `reaper_batch`) ended holds in one store
        call (one write transaction on SQLite, grouped transactions on DynamoDB) and tell live pages
        once per event, not once per hold. Safe on many instances at once (each release is
        conditional, so exactly once). Returns how many this call released; `limit` of them means
        more may be due."""
        released = self.store.release_expired(self.clock.now(), self.reaper_batch if limit is None else limit)
        for event_id in dict.fromkeys(reservation.event_id for reservation in released):
            self.notify_changed(event_id)
        return len(released)

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
        self.store.add_ticket_owners(owners_of_order(stored))  # My tickets' index (domain/my_tickets.py)
        if created:
            self.traffic.order_made(stored)  # counted before live pages (the dashboard's sources) re-read
            self.notify_changed(reservation.event_id)
        return stored, created

    def _new_order(self, reservation: Reservation, payment_ref: str) -> Order:
        order_id = new_id("ord", 12)
        # Each ticket's attendee (domain/attendees.py): one read, here only, never on the reserve.
        names = iter(holders(reservation, self.store.get_attendees(reservation.event_id, reservation.id)))
        tickets = tuple(
            Ticket(
                id=new_id("tkt", 12),
                order_id=order_id,
                event_id=reservation.event_id,
                tier_id=line.tier_id,
                holder_name=name,
                access_key=secrets.token_urlsafe(18),
                secret=base64.b32encode(secrets.token_bytes(20)).decode(),
                price_minor=line.unit_price_minor,
                fee_minor=line.unit_fee_minor,
                holder_email=email,
            )
            for line in reservation.lines
            for name, email in (next(names) for _ in range(line.quantity))
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
    def notify_changed(self, event_id: str) -> None:
        """Tell live pages that the event's counts moved (holds, sales, releases, refunds)."""
        self.listener.availability_changed(event_id)
