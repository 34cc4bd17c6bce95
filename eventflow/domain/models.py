"""The things organizers and buyers talk about: events, tiers, reservations, orders, tickets."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from eventflow.domain.money import FeeMode

DEFAULT_HOLD = timedelta(minutes=15)
MAX_TICKETS_PER_RESERVATION = 50  # keeps a confirm within one DynamoDB transaction (100 items)
MAX_LINES_PER_RESERVATION = 10


def new_id(prefix: str, nbytes: int = 9) -> str:
    """A random id with a readable prefix (`evt_...`); 72+ bits, unguessable."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-") or "event"


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class ReservationStatus(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Organizer:
    id: str
    email: str
    name: str
    password_hash: str
    created_at: datetime
    totp_secret: str | None = None  # set once two-factor login is confirmed
    recovery_code_hashes: tuple[str, ...] = ()  # sha256 of each unused recovery code
    session_epoch: int = 0  # bumped by "log out everywhere": older sessions and tokens stop working
    totp_last_step: int = 0  # the 30-second step of the last TOTP code accepted: no code works twice
    language: str | None = None  # the UI language they chose (domain/language.py): their mails'; None: English


@dataclass(frozen=True, slots=True)
class StaffAccess:
    """Door access to one event, given by its organizer as a link or PIN; revocable."""

    id: str
    event_id: str
    label: str  # who holds it, in the organizer's words ("Main door - Sam")
    token_hash: str  # sha256 of the secret in the staff link; the secret itself is never stored
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    organizer_id: str
    slug: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    currency: str
    description: str
    fee_mode: FeeMode
    status: EventStatus
    created_at: datetime

    def with_status(self, status: EventStatus) -> Event:
        return replace(self, status=status)


@dataclass(frozen=True, slots=True)
class Tier:
    """A kind of ticket. `held + sold <= capacity` always; only the store changes held/sold."""

    id: str
    event_id: str
    name: str
    price_minor: int
    capacity: int
    max_per_order: int = 10
    sales_start: datetime | None = None
    sales_end: datetime | None = None
    hidden: bool = False
    position: int = 0
    held: int = 0
    sold: int = 0
    version: int = 1  # bumped by every edit, so a hold priced from a stale read is refused

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.held - self.sold)

    def on_sale_at(self, instant: datetime) -> bool:
        if self.sales_start is not None and instant < self.sales_start:
            return False
        return not (self.sales_end is not None and instant >= self.sales_end)


class AvailabilityBand(StrEnum):
    """How much of a tier is left, in the words the public page uses."""

    PLENTY = "plenty"
    FEW = "few"  # "Only 3 left": five or fewer, or the last tenth of a large tier
    NONE = "none"  # sold out


def availability_band(available: int, capacity: int) -> AvailabilityBand:
    if available <= 0:
        return AvailabilityBand.NONE
    if available <= max(5, capacity // 10):
        return AvailabilityBand.FEW
    return AvailabilityBand.PLENTY


@dataclass(frozen=True, slots=True)
class TierCount:
    """Live inventory of one tier: what the public page shows."""

    tier_id: str
    capacity: int
    held: int
    sold: int

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.held - self.sold)


@dataclass(frozen=True, slots=True)
class ReservationLine:
    tier_id: str
    quantity: int
    unit_price_minor: int
    unit_fee_minor: int
    unit_total_minor: int  # what the buyer pays per ticket (price + fee, or price if absorbed)
    tier_version: int = 1
    # An access code's discount per ticket (domain/access_codes.py): `unit_price_minor` is after it.
    unit_discount_minor: int = 0

    @property
    def discount_minor(self) -> int:
        return self.unit_discount_minor * self.quantity

    @property
    def subtotal_minor(self) -> int:
        return self.unit_price_minor * self.quantity

    @property
    def fee_minor(self) -> int:
        return self.unit_fee_minor * self.quantity

    @property
    def total_minor(self) -> int:
        return self.unit_total_minor * self.quantity


@dataclass(frozen=True, slots=True)
class Buyer:
    email: str
    name: str
    language: str | None = None  # the language they bought in (domain/language.py): their mails'; None: English


@dataclass(frozen=True, slots=True)
class CodeUse:
    """The access code a reservation holds uses of: taken in the same atomic write as its tickets,
    given back when the hold ends unpaid, kept when it is confirmed (domain/access_codes.py)."""

    code_id: str
    code: str  # normalised text (the DynamoDB key of the code)
    uses: int  # uses this reservation holds: its tickets, or 1 when the code counts orders
    version: int  # the code's version it was priced from (an edited code is read again)
    max_uses: int | None = None  # the limit at that version (the store's condition)


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    event_id: str
    lines: tuple[ReservationLine, ...]
    buyer: Buyer
    currency: str
    fee_mode: FeeMode
    status: ReservationStatus
    created_at: datetime
    expires_at: datetime
    idempotency_key: str | None = None
    order_id: str | None = None
    closed_at: datetime | None = None
    # What was asked for (see reservations.request_fingerprint): a reused key must ask the same.
    request_fingerprint: str | None = None
    code: CodeUse | None = None  # the access code it was reserved with (domain/access_codes.py)

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal_minor(self) -> int:
        return sum(line.subtotal_minor for line in self.lines)

    @property
    def fee_minor(self) -> int:
        return sum(line.fee_minor for line in self.lines)

    @property
    def total_minor(self) -> int:
        return sum(line.total_minor for line in self.lines)

    def quantities(self) -> dict[str, int]:
        return {line.tier_id: line.quantity for line in self.lines}

    @property
    def discount_minor(self) -> int:
        return sum(line.discount_minor for line in self.lines)


class TicketStatus(StrEnum):
    VALID = "valid"
    VOID = "void"  # refunded (or its event cancelled): it gets nobody in


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    order_id: str
    event_id: str
    tier_id: str
    holder_name: str
    access_key: str  # capability in the ticket link
    secret: str  # seeds the rotating door code; known to its holder and to the event's door devices
    status: TicketStatus = TicketStatus.VALID
    price_minor: int = 0  # the tier price this ticket was bought at
    fee_minor: int = 0  # the platform fee taken on it
    holder_email: str = ""  # the attendee's email when the buyer gave one (domain/attendees.py); else ""
    transfers: int = 0  # times handed on (domain/transfers.py); the door codes sign it, so old codes stop working

    def __post_init__(self) -> None:
        # Stores hand back the plain text they persisted; one conversion here serves them all.
        object.__setattr__(self, "status", TicketStatus(self.status))


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    reservation_id: str
    event_id: str
    buyer: Buyer
    currency: str
    subtotal_minor: int
    fee_minor: int
    total_minor: int
    created_at: datetime
    payment_ref: str
    tickets: tuple[Ticket, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class EventView:
    """An event with its tiers and their live counts, as the public page and API show it."""

    event: Event
    tiers: tuple[Tier, ...]

    def tier(self, tier_id: str) -> Tier | None:
        return next((t for t in self.tiers if t.id == tier_id), None)


@dataclass(frozen=True, slots=True)
class CheckIn:
    """One admission at the door. The first one per ticket is the ticket's check-in."""

    ticket_id: str
    event_id: str
    device_id: str
    scanned_at: datetime  # when the door device admitted the person (its clock, maybe offline)
    nonce: str  # the device's id for this scan: uploading it again changes nothing
    offline: bool = False
    # When the server learned of it. Offline, `scanned_at` is only the device's claim; the two side by side
    # show a late upload or a device clock that is off. None for check-ins recorded before it was kept.
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DoubleAdmission:
    """A ticket admitted by two devices while offline: both scans kept, the earlier one counts."""

    ticket_id: str
    event_id: str
    first: CheckIn
    second: CheckIn
