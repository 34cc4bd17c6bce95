"""Access codes' model and rules (the organizer's use cases: domain/access_codes.py, which re-exports
these names): the code record, its errors, the one rule of which tiers a buyer may see and buy and at
what price (`tier_sellable`, `price_with_code`, `buyer_view`), a code's states, and the store's port."""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from eventflow.domain.errors import N_, Conflict, NotFound, ValidationFailed
from eventflow.domain.models import (
    CodeUse,
    Event,
    EventView,
    Tier,
)
from eventflow.domain.money import TicketPrice, round_half_up_div

# Generated codes use no character a person could misread: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 8
MAX_CODES_PER_BATCH = 500  # one bulk generation (a guest list, sponsors)
STORE_BATCH = 100  # codes added per store call (one DynamoDB transaction)
MAX_CODES_PER_EVENT = 5000
_TYPED = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")


# ---------------------------------------------------------------------- errors (JSON 4xx)
class CodeInvalid(NotFound):
    """This code is not valid for this event."""

    code = "code_invalid"


class CodeUsedUp(Conflict):
    """This code has been used up."""

    code = "code_used_up"


class CodeNotActive(Conflict):
    """This code is not active right now."""

    code = "code_not_active"


class CodeTaken(Conflict):
    """This event already has that code."""

    code = "code_taken"


class CodeRequired(Conflict):
    """These tickets are sold only with an access code."""

    code = "code_required"


# ---------------------------------------------------------------------- the model
class UsesCount(StrEnum):
    """What one use of a code is: a ticket, or an order (however many tickets it has)."""

    TICKETS = "tickets"
    ORDERS = "orders"


@dataclass(frozen=True, slots=True)
class AccessCode:
    """One code of one event. Settings are the organizer's; the counters below them only the store
    changes (reserve / release / confirm), never `update_access_code`."""

    id: str
    event_id: str
    code: str  # normalised: upper case
    created_at: datetime
    unlocks_tiers: tuple[str, ...] | None = ()  # None: every hidden tier; (): none
    discount_percent: int | None = None  # 1-100
    discount_minor: int | None = None  # fixed amount off per ticket, in the event's minor units
    discount_tiers: tuple[str, ...] | None = None  # tiers the discount applies to; None: every tier
    max_uses: int | None = None  # None: unlimited
    uses_count: UsesCount = UsesCount.TICKETS
    max_per_order: int | None = None  # tickets per order bought with the code
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    paused: bool = False
    deleted: bool = False  # deleted after it was used: kept for the figures, works no more
    label: str = ""  # the organizer's note ("Sponsors", a bulk batch's name)
    version: int = 1  # bumped by every settings change, so a hold priced from an old read is refused
    uses: int = 0  # held + confirmed uses (what `max_uses` limits)
    confirmed_uses: int = 0
    tickets_sold: int = 0
    revenue_minor: int = 0  # ticket prices paid (after discount, before fees) on confirmed orders
    discount_given_minor: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "uses_count", UsesCount(self.uses_count))

    @property
    def held_uses(self) -> int:
        return max(0, self.uses - self.confirmed_uses)

    @property
    def uses_left(self) -> int | None:
        return None if self.max_uses is None else max(0, self.max_uses - self.uses)

    @property
    def has_discount(self) -> bool:
        return bool(self.discount_percent) or bool(self.discount_minor)

    def unlocks(self, tier: Tier) -> bool:
        """Whether the code reveals this hidden tier."""
        return tier.hidden and (self.unlocks_tiers is None or tier.id in self.unlocks_tiers)

    def discounts(self, tier: Tier) -> bool:
        return self.has_discount and (self.discount_tiers is None or tier.id in self.discount_tiers)

    def discount_on(self, price_minor: int, tier: Tier) -> int:
        """The discount per ticket of this tier: never more than the price."""
        if not self.discounts(tier) or price_minor <= 0:
            return 0
        off = round_half_up_div(price_minor * (self.discount_percent or 0), 100) + (self.discount_minor or 0)
        return min(price_minor, off)

    def applies_to(self, tier: Tier) -> bool:
        return self.unlocks(tier) or self.discounts(tier)

    def state_at(self, now: datetime) -> str:
        """`active`, `paused`, `scheduled` (before valid_from), `ended` (from valid_until on),
        `used_up` or `deleted`: what the organizer's list and a buyer's refusal say."""
        if self.deleted:
            return "deleted"
        if self.paused:
            return "paused"
        if self.valid_from is not None and now < self.valid_from:
            return "scheduled"
        if self.valid_until is not None and now >= self.valid_until:
            return "ended"
        if self.max_uses is not None and self.uses >= self.max_uses:
            return "used_up"
        return "active"

    def uses_for(self, tickets: int) -> int:
        return tickets if self.uses_count is UsesCount.TICKETS else 1

    def use(self, tickets: int) -> CodeUse:
        return CodeUse(self.id, self.code, self.uses_for(tickets), self.version, self.max_uses)


@dataclass(frozen=True, slots=True)
class CodeSettings:
    """What an organizer sets on a code (create, bulk generation, and each field of an edit)."""

    code: str | None = None  # None: generate one
    unlocks_tiers: tuple[str, ...] | None = ()
    discount_percent: int | None = None
    discount_minor: int | None = None
    discount_tiers: tuple[str, ...] | None = None
    max_uses: int | None = None
    uses_count: UsesCount | str = UsesCount.TICKETS
    max_per_order: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    label: str = ""


SETTING_NAMES = frozenset(f.name for f in fields(CodeSettings)) - {"code"}


def normalize_code(text: str) -> str:
    """Case-insensitive, surrounding spaces ignored. Anything but letters, digits, '-' and '_'
    (3-40 characters) can be no code: CodeInvalid, as an unknown code (never a 500)."""
    code = text.strip().upper() if isinstance(text, str) else ""
    if not _TYPED.match(code) or not code.isascii():
        raise CodeInvalid()
    return code


def generate_code(length: int = GENERATED_LENGTH) -> str:
    """A random code in the unambiguous alphabet (8 characters: 40 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


# ---------------------------------------------------------------------- the buyer's side: one rule
@dataclass(frozen=True, slots=True)
class TierOffer:
    """A tier as a buyer sees it, with a code applied or not."""

    tier: Tier
    price: TicketPrice  # after the discount: price, fee on it, buyer's total, organizer's net
    list_price_minor: int  # the tier's price before the discount
    discount_minor: int  # per ticket
    unlocked: bool  # a hidden tier this code reveals


@dataclass(frozen=True, slots=True)
class BuyerView:
    """The event as a buyer sees it: public tiers plus the ones the code unlocks, priced with it."""

    view: EventView
    code: AccessCode | None
    tiers: tuple[TierOffer, ...]

    @property
    def event(self) -> Event:
        return self.view.event

    def offer(self, tier_id: str) -> TierOffer | None:
        return next((o for o in self.tiers if o.tier.id == tier_id), None)


def tier_sellable(tier: Tier, code: AccessCode | None) -> bool:
    """THE rule: a public tier is sold to anyone, a hidden one only with a code that unlocks it."""
    return not tier.hidden or (code is not None and code.unlocks(tier))


def price_with_code(tier: Tier, event: Event, code: AccessCode | None) -> tuple[TicketPrice, int]:
    """(the ticket's price after the code's discount with the platform fee on what is paid, discount
    per ticket). A 100 % discount makes a free ticket: no fee."""
    discount = code.discount_on(tier.price_minor, tier) if code is not None else 0
    return TicketPrice.of(tier.price_minor - discount, event.currency, event.fee_mode), discount


def buyer_view(view: EventView, code: AccessCode | None) -> BuyerView:
    """What a buyer sees (`code` already checked by `AccessCodes.check`)."""
    offers = []
    for tier in view.tiers:
        if not tier_sellable(tier, code):
            continue
        price, discount = price_with_code(tier, view.event, code)
        offers.append(TierOffer(tier, price, tier.price_minor, discount, tier.hidden))
    return BuyerView(view, code, tuple(offers))


def require_usable(code: AccessCode | None, now: datetime, tickets: int = 0) -> AccessCode:
    """The code, if a buyer may use it now (for `tickets` more tickets); else why not."""
    if code is None or code.deleted:
        raise CodeInvalid()
    state = code.state_at(now)
    if state == "used_up":
        raise CodeUsedUp()
    if state != "active":
        raise CodeNotActive({"paused": N_("This code is paused right now."),
                             "scheduled": N_("This code is not valid yet."),
                             "ended": N_("This code has expired.")}.get(state, ""))
    if code.max_uses is not None and tickets and code.uses + code.uses_for(tickets) > code.max_uses:
        raise CodeUsedUp("This code has {left} uses left", left=code.max_uses - code.uses)
    if code.max_per_order is not None and tickets > code.max_per_order:
        raise ValidationFailed("At most {count} tickets per order with this code", field="code",
                               count=code.max_per_order)
    return code


class RecentCodes:
    """Codes as read at most `ttl_seconds` ago, for pricing holds without a read per reserve (a ticket
    drop's buyers share one VIP link). Staleness is harmless, as with `CatalogCache`: the store takes the
    uses conditionally on the version the hold was priced from and on the limit, a mismatch makes the
    reserve read the code afresh, and only a fresh read may refuse a code as used up."""

    def __init__(self, ttl_seconds: float = 1.0) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[tuple[str, str], tuple[float, AccessCode]] = {}
        self._lock = threading.Lock()

    def get(self, event_id: str, code: str) -> AccessCode | None:
        with self._lock:
            entry = self._entries.get((event_id, code))
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        return entry[1]

    def put(self, code: AccessCode) -> None:
        with self._lock:
            if len(self._entries) > 10_000:  # bulk codes of many events: never grow without bound
                self._entries.clear()
            self._entries[(code.event_id, code.code)] = (time.monotonic(), code)


# ---------------------------------------------------------------------- the store's part
class AccessCodeStore(Protocol):
    """Codes on every store (SQLite, DynamoDB, the tests' fake), checked by
    tests/store/test_access_codes*.py. Redemption itself is part of `Store.reserve` / `release` /
    `release_expired` / `confirm` (a reservation's `code`): see domain/ports.py."""

    def add_access_codes(self, codes: Sequence[AccessCode]) -> None:
        """Store new codes (at most STORE_BATCH), all or none, counters zero whatever they say.
        CodeTaken when one's text is taken in its event (deleted codes keep theirs), or its id."""

    def get_access_code(self, event_id: str, code_id: str) -> AccessCode | None:
        """The code with its counters, deleted ones included; None when unknown or another event's."""

    def find_access_code(self, event_id: str, code: str) -> AccessCode | None:
        """The event's code by its normalised text, deleted ones included."""

    def list_access_codes(self, event_id: str) -> list[AccessCode]:
        """The event's codes but deleted ones, ordered by (created_at, id)."""

    def update_access_code(self, code: AccessCode) -> AccessCode:
        """Save a code's settings (unlocks, discount, limits, window, paused, label; never its text
        or counters), conditional on `code.version` still being stored (else StaleCatalog, also
        for an unknown or deleted code) and on `max_uses` covering the uses taken (else CodeUsedUp).
        Returns the stored code, version bumped."""

    def delete_access_code(self, event_id: str, code_id: str) -> bool:
        """Remove a code nobody has used (uses == 0); one with uses is marked deleted instead (kept
        for the figures and for giving back its held uses), its version bumped. False when unknown
        (or deleted already)."""
