"""Access codes: VIP pre-sale links, hidden-tier unlocks and promo discounts, one rule in one module.

(Not to be confused with domain/codes.py, the door's rotating ticket codes.)

An organizer gives an event codes (typed or generated, case-insensitive). A code may *unlock* hidden
tiers (all of them, or chosen ones) and/or *discount* tiers (a percentage or a fixed amount off per
ticket, never below zero), within limits: total uses (counted in tickets or in orders), tickets per
order, a validity window, pause/resume.

Which tiers a buyer may see and buy, and at what price, is decided in one place (`tier_sellable`,
`price_with_code`, `buyer_view`, kept with the model in domain/access_code_rules.py and re-exported
here): the event page, the API's event view and `Ticketing.reserve` (domain/reservations.py) all ask
it. A hidden tier is sold only with a code that unlocks it.

Redemption is part of the reservation: the code's use count is a conditional write inside the same
atomic write as the tier holds (`Store.reserve`), given back exactly once when the hold ends unpaid
(`release`, `release_expired`) and kept by `confirm`, which also adds the code's sales figures. So a
code never exceeds its limit, however many buyers race for it: the same guarantee as a tier's capacity.
"""

from __future__ import annotations

import builtins
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol
from urllib.parse import quote

from eventflow.domain.access_code_rules import (
    CODE_ALPHABET,
    GENERATED_LENGTH,
    MAX_CODES_PER_BATCH,
    SETTING_NAMES,
    STORE_BATCH,
    AccessCode,
    AccessCodeStore,
    BuyerView,
    CodeInvalid,
    CodeNotActive,
    CodeRequired,
    CodeSettings,
    CodeTaken,
    CodeUsedUp,
    RecentCodes,
    TierOffer,
    UsesCount,
    buyer_view,
    generate_code,
    normalize_code,
    price_with_code,
    require_usable,
    tier_sellable,
)
from eventflow.domain.clock import Clock
from eventflow.domain.dates import require_instant
from eventflow.domain.errors import Conflict, NotFound, StaleCatalog, ValidationFailed
from eventflow.domain.models import (
    MAX_TICKETS_PER_RESERVATION,
    Event,
    EventView,
    Tier,
    new_id,
)

__all__ = [
    "CODE_ALPHABET",
    "GENERATED_LENGTH",
    "MAX_CODES_PER_BATCH",
    "SETTING_NAMES",
    "STORE_BATCH",
    "AccessCode",
    "AccessCodeStore",
    "AccessCodes",
    "BuyerView",
    "CodeInvalid",
    "CodeNotActive",
    "CodeOwner",
    "CodeRequired",
    "CodeSettings",
    "CodeStats",
    "CodeTaken",
    "CodeUsedUp",
    "RecentCodes",
    "TierOffer",
    "UsesCount",
    "buyer_view",
    "codes_csv",
    "generate_code",
    "normalize_code",
    "price_with_code",
    "require_usable",
    "tier_sellable",
]


# ---------------------------------------------------------------------- the organizer's use cases
@dataclass(frozen=True, slots=True)
class CodeStats:
    """One row of the dashboard's code table."""

    code: AccessCode
    state: str  # AccessCode.state_at
    uses: int
    max_uses: int | None
    held_uses: int
    tickets: int
    revenue_minor: int
    discount_minor: int


class CodeOwner(Protocol):
    """What `AccessCodes` needs of the catalogue: the organizer's own event, and an event's view."""

    def own_event(self, organizer_id: str, event_id: str) -> Event: ...

    def event_view(self, event_id: str) -> EventView: ...


class AccessCodes:
    """Create, edit, pause, delete and generate codes (organizer); check one and see an event with
    it (buyer). Organizer calls take the organizer's id: another organizer's event is NotFound."""

    def __init__(self, store: AccessCodeStore, clock: Clock, catalog: CodeOwner) -> None:
        self.store = store
        self.clock = clock
        self.catalog = catalog

    # ------------------------------------------------------------ organizer
    def create(self, organizer_id: str, event_id: str, settings: CodeSettings) -> AccessCode:
        event = self.catalog.own_event(organizer_id, event_id)
        code = self._new(event, settings, settings.code)
        self.store.add_access_codes([code])
        return self.store.get_access_code(event_id, code.id) or code

    def generate(self, organizer_id: str, event_id: str, count: int, settings: CodeSettings) -> list[AccessCode]:
        """`count` single-use codes (one order each, unless `settings.max_uses` says otherwise),
        generated in the unambiguous alphabet: for a guest list or sponsors (CSV: `codes_csv`)."""
        if not 1 <= count <= MAX_CODES_PER_BATCH:
            raise ValidationFailed("Generate between 1 and {most} codes at once", field="count",
                                   most=MAX_CODES_PER_BATCH)
        event = self.catalog.own_event(organizer_id, event_id)
        if settings.max_uses is None:
            settings = replace(settings, max_uses=1, uses_count=UsesCount.ORDERS)
        made: list[AccessCode] = []
        while len(made) < count:
            chunk = [self._new(event, settings, None) for _ in range(min(STORE_BATCH, count - len(made)))]
            try:
                self.store.add_access_codes(chunk)
            except CodeTaken:
                continue  # a generated code met an existing one (1 in ~10^12 per pair): new ones
            made.extend(chunk)
        return made

    def list(self, organizer_id: str, event_id: str) -> list[AccessCode]:
        self.catalog.own_event(organizer_id, event_id)
        return self.store.list_access_codes(event_id)

    def get(self, organizer_id: str, event_id: str, code_id: str) -> AccessCode:
        self.catalog.own_event(organizer_id, event_id)
        code = self.store.get_access_code(event_id, code_id)
        if code is None or code.deleted:
            raise NotFound("No such code")
        return code

    def update(self, organizer_id: str, event_id: str, code_id: str, **changes: Any) -> AccessCode:
        """Change some settings (names of `CodeSettings` fields, plus `paused`); the text stays."""
        unknown = set(changes) - SETTING_NAMES - {"paused"}
        if unknown:
            raise ValidationFailed("Cannot change {fields} of a code", fields=", ".join(sorted(unknown)))
        event = self.catalog.own_event(organizer_id, event_id)
        paused = changes.pop("paused", None)
        for _ in range(3):
            current = self.get(organizer_id, event_id, code_id)
            settings = replace(_settings_of(current), **changes)
            edited = replace(self._new(event, settings, current.code), id=current.id, created_at=current.created_at,
                             version=current.version, paused=current.paused if paused is None else bool(paused))
            try:
                return self.store.update_access_code(edited)
            except StaleCatalog:
                continue  # a buyer's reserve does not bump the version: another edit won; read again
        raise Conflict("The code kept changing while saving; please try again")

    def pause(self, organizer_id: str, event_id: str, code_id: str) -> AccessCode:
        return self.update(organizer_id, event_id, code_id, paused=True)

    def resume(self, organizer_id: str, event_id: str, code_id: str) -> AccessCode:
        return self.update(organizer_id, event_id, code_id, paused=False)

    def delete(self, organizer_id: str, event_id: str, code_id: str) -> None:
        self.catalog.own_event(organizer_id, event_id)
        if not self.store.delete_access_code(event_id, code_id):
            raise NotFound("No such code")

    def stats(self, organizer_id: str, event_id: str) -> builtins.list[CodeStats]:
        """Per code: uses / limit, tickets, revenue, discount given (kept by the store's writes)."""
        now = self.clock.now()
        return [CodeStats(c, c.state_at(now), c.uses, c.max_uses, c.held_uses, c.tickets_sold,
                          c.revenue_minor, c.discount_given_minor)
                for c in self.list(organizer_id, event_id)]

    # ------------------------------------------------------------ buyer
    def check(self, event_id: str, text: str) -> AccessCode:
        """A buyer's code, if usable now: CodeInvalid / CodeNotActive / CodeUsedUp otherwise."""
        return require_usable(self.store.find_access_code(event_id, normalize_code(text)), self.clock.now())

    def buyer_view(self, event_id: str, text: str | None = None) -> BuyerView:
        """The published event as a buyer with this code (or none) sees it; the code checked first."""
        view = self.catalog.event_view(event_id)
        code = self.check(event_id, text) if text else None
        return buyer_view(view, code)

    # ------------------------------------------------------------ helpers
    def _new(self, event: Event, settings: CodeSettings, text: str | None) -> AccessCode:
        tiers = {tier.id: tier for tier in self.catalog.event_view(event.id).tiers}
        try:
            code = normalize_code(text) if text else generate_code()
        except CodeInvalid:
            raise ValidationFailed("A code is 3-40 letters, digits, '-' or '_'", field="code") from None
        _check_settings(settings, tiers)
        return AccessCode(
            id=new_id("acc", 9), event_id=event.id, code=code, created_at=self.clock.now(),
            unlocks_tiers=_tier_ids(settings.unlocks_tiers), discount_percent=settings.discount_percent or None,
            discount_minor=settings.discount_minor or None, discount_tiers=_tier_ids(settings.discount_tiers),
            max_uses=settings.max_uses, uses_count=UsesCount(settings.uses_count),
            max_per_order=settings.max_per_order, valid_from=settings.valid_from,
            valid_until=settings.valid_until, label=settings.label.strip(),
        )


def _tier_ids(ids: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if ids is None else tuple(dict.fromkeys(ids))


def _settings_of(code: AccessCode) -> CodeSettings:
    return CodeSettings(**{name: getattr(code, name) for name in SETTING_NAMES})


def _check_settings(s: CodeSettings, tiers: dict[str, Tier]) -> None:
    """Every field's rule, with the field it is about."""
    try:
        UsesCount(s.uses_count)
    except ValueError:
        raise ValidationFailed("uses_count is tickets or orders", field="uses_count") from None
    for name in ("unlocks_tiers", "discount_tiers"):
        unknown = [t for t in getattr(s, name) or () if t not in tiers]
        if unknown:
            raise ValidationFailed("{name}: no such tier {tier!r} in this event", field=name, name=name,
                                   tier=unknown[0])
    if s.discount_percent is not None and s.discount_minor is not None:
        raise ValidationFailed("Give a percentage or an amount off, not both", field="discount_percent")
    if s.discount_percent is not None and not 0 <= s.discount_percent <= 100:
        raise ValidationFailed("discount_percent is between 1 and 100", field="discount_percent")
    if s.discount_minor is not None and not 0 <= s.discount_minor <= 100_000_000_00:
        raise ValidationFailed("discount_minor is an amount of zero or more", field="discount_minor")
    if s.max_uses is not None and not 1 <= s.max_uses <= 10_000_000:
        raise ValidationFailed("max_uses is at least 1", field="max_uses")
    if s.max_per_order is not None and not 1 <= s.max_per_order <= MAX_TICKETS_PER_RESERVATION:
        raise ValidationFailed("max_per_order is between 1 and {most}", field="max_per_order",
                               most=MAX_TICKETS_PER_RESERVATION)
    for name in ("valid_from", "valid_until"):
        if getattr(s, name) is not None:
            require_instant(name, getattr(s, name))
    if s.valid_from and s.valid_until and s.valid_until <= s.valid_from:
        raise ValidationFailed("valid_until must be after valid_from", field="valid_until")
    if not (s.discount_percent or s.discount_minor) and s.unlocks_tiers == ():
        raise ValidationFailed("A code unlocks hidden tiers, gives a discount, or both", field="unlocks_tiers")
    if len(s.label) > 120:
        raise ValidationFailed("label: up to 120 characters", field="label")


def codes_csv(codes: Sequence[AccessCode], event_link: str) -> str:
    """The codes as CSV for a mail merge: code, its event link with the code applied, limits."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "link", "max_uses", "uses_count", "valid_from", "valid_until", "label"])
    for c in codes:
        writer.writerow([c.code, f"{event_link}?code={quote(c.code)}", c.max_uses or "", c.uses_count.value,
                         c.valid_from.isoformat() if c.valid_from else "",
                         c.valid_until.isoformat() if c.valid_until else "", c.label])
    return out.getvalue()
