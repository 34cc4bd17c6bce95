"""Pricing suggestions for the organizer's dashboard, each with the reasoning that made it, each firing only
on the condition it names (issue 18), and the port that keeps the organizer's dismissals.

- **Sold out in hours with a waitlist** (`RAISE`): a tier whose hourly sales reached its capacity within
  `FAST_HOURS` of its sales opening, and that people joined the waitlist of -> next time ask more (a
  price `RAISE_PERCENT` or `RAISE_PERCENT_HIGH` higher, rounded up to a whole currency unit; never for a
  free tier) or offer more places (the capacity plus the people who joined the waitlist).
- **Far behind its usual curve** (`CODE`): with at least `MIN_PAST_EVENTS` past events of the organizer
  that sold, a tier past `MIN_PROGRESS` of its sale window that has sold less than `BEHIND_RATIO` of what
  the organizer's past tiers usually (median) had sold at the same point, and at least `BEHIND_GAP`
  of its capacity less -> an access code for the channel that converts best (domain/traffic.py's funnel:
  the tracked source, not `direct`, with the most paid orders per visitor and at least
  `MIN_CHANNEL_VISITORS` visitors), or, with none yet, a tracking link first.

A suggestion's `key` names its kind and tier, so a dismissal (kept per event and key by the store,
`SuggestionDismissals`) stays dismissed across reloads and for the tier it was about only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from statistics import median
from typing import Protocol

from eventflow.domain.forecast import HOUR, MIN_SALES, SaleCurve
from eventflow.domain.models import Tier
from eventflow.domain.money import currency_exponent
from eventflow.domain.traffic import DIRECT, SourceFigures

FAST_HOURS = 24  # "sold out in hours": within a day of its sales opening
RAISE_PERCENT = 10
RAISE_PERCENT_HIGH = 20  # when the waitlist is a quarter of the capacity or more
MIN_PAST_EVENTS = 2  # "its usual curve" needs at least two past events that sold
MIN_PROGRESS = 0.1  # a tenth of the sale window gone: earlier, every curve is still near zero
BEHIND_RATIO = 0.5  # "far behind": less than half of the usual fraction sold...
BEHIND_GAP = 0.15  # ...and at least 15 % of the capacity less
MIN_CHANNEL_VISITORS = 20  # a conversion rate from fewer visitors is noise


class SuggestionKind(StrEnum):
    RAISE = "raise_price_or_capacity"
    CODE = "code_for_channel"


# The words of each kind, English with {placeholders}; pages/components/forecast_panel.py marks the same
# strings for translation (a test holds them equal).
TITLES = {
    SuggestionKind.RAISE: "Next time: a higher price or more places for {tier}",
    SuggestionKind.CODE: "{tier} is behind: share an access code",
}
REASONS = {
    SuggestionKind.RAISE: "{tier} sold out ({capacity} tickets) {hours} h after its sales opened; waitlist "
                          "sign-ups: {waitlist}.",
    SuggestionKind.CODE: "{tier} has sold {sold_percent} % of its tickets with {progress_percent} % of its sale "
                         "time gone; at that point your past events had usually sold {usual_percent} %.",
}
ADVICE = {
    "raise": "Try {price} instead of {old_price}, or {new_capacity} places.",
    "capacity": "Try {new_capacity} places.",
    "channel": "Give an access code to \"{channel}\": it converts {conversion} % of its visitors.",
    "no_channel": "No tracked channel converts yet: make a tracking link per channel first, then a code for the "
                  "best one.",
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggestion: `facts` are the figures its words are filled with (money in minor units)."""

    key: str  # "<kind>:<tier id>"
    kind: SuggestionKind
    tier_id: str
    tier_name: str
    advice: str  # a key of ADVICE
    facts: Mapping[str, int | float | str | None] = field(default_factory=dict)


class SuggestionDismissals(Protocol):
    """The organizer's dismissed suggestions, per event and suggestion key, on every store."""

    def dismiss_suggestion(self, event_id: str, key: str, at: datetime) -> None:
        """Keep the dismissal (dismissing again keeps the first time)."""

    def dismissed_suggestions(self, event_id: str) -> set[str]:
        """The keys dismissed for the event; empty for an unknown event."""
        ...


def raised_price(price_minor: int, percent: int, currency: str) -> int:
    """The price `percent` higher, rounded up to a whole unit of the currency (integer minor units)."""
    unit = 10 ** currency_exponent(currency)
    return math.ceil(price_minor * (100 + percent) / 100 / unit) * unit


def sold_out_fast(tier: Tier, curve: SaleCurve, waitlist_joined: int, currency: str) -> Suggestion | None:
    """`RAISE` when the tier sold out within `FAST_HOURS` of opening and someone joined its waitlist."""
    sold_out_at = curve.sold_out_at
    if sold_out_at is None or waitlist_joined <= 0:
        return None
    hours = math.ceil((sold_out_at - curve.opened_at) / HOUR)
    if hours > FAST_HOURS:
        return None
    percent = RAISE_PERCENT_HIGH if waitlist_joined * 4 >= tier.capacity else RAISE_PERCENT
    price = raised_price(tier.price_minor, percent, currency) if tier.price_minor > 0 else None
    return Suggestion(f"{SuggestionKind.RAISE}:{tier.id}", SuggestionKind.RAISE, tier.id, tier.name,
                      "raise" if price is not None else "capacity",
                      {"capacity": tier.capacity, "hours": hours, "waitlist": waitlist_joined,
                       "old_price_minor": tier.price_minor, "price_minor": price, "percent": percent,
                       "new_capacity": tier.capacity + waitlist_joined, "currency": currency})


def usual_at(past: Sequence[SaleCurve], progress: float) -> float | None:
    """The median fraction sold by past tier curves at `progress` of their sale window (None without
    `MIN_PAST_EVENTS` past events that sold)."""
    selling = [c for c in past if c.sold >= MIN_SALES and c.capacity > 0]
    if len({c.event_id for c in selling}) < MIN_PAST_EVENTS:
        return None
    return median(c.fraction_at(progress) for c in selling)


def best_channel(sources: Sequence[SourceFigures]) -> tuple[str, float] | None:
    """The tracked source with the most paid orders per visitor (enough visitors, at least one order)."""
    rated = [(row.orders / row.visitors, row.source) for row in sources
             if row.source != DIRECT and row.visitors >= MIN_CHANNEL_VISITORS and row.orders > 0]
    if not rated:
        return None
    conversion, source = max(rated, key=lambda pair: (pair[0], pair[1]))
    return source, conversion


def behind_usual(tier: Tier, curve: SaleCurve, past: Sequence[SaleCurve], sources: Sequence[SourceFigures],
                 now: datetime) -> Suggestion | None:
    """`CODE` when the tier is far behind the organizer's usual curve at the same point of the sale."""
    if curve.capacity <= 0 or now >= curve.closes_at or now <= curve.opened_at:
        return None
    progress = (now - curve.opened_at) / curve.span
    sold = curve.sold_by(now) / curve.capacity
    usual = usual_at(past, progress) if progress >= MIN_PROGRESS else None
    if usual is None or sold >= BEHIND_RATIO * usual or usual - sold < BEHIND_GAP:
        return None
    channel = best_channel(sources)
    return Suggestion(f"{SuggestionKind.CODE}:{tier.id}", SuggestionKind.CODE, tier.id, tier.name,
                      "channel" if channel else "no_channel",
                      {"sold_percent": round(sold * 100), "progress_percent": round(progress * 100),
                       "usual_percent": round(usual * 100), "channel": channel[0] if channel else None,
                       "conversion": round(channel[1] * 100, 1) if channel else None})


def suggestions(tiers: Sequence[Tier], curves: Mapping[str, SaleCurve], past: Sequence[SaleCurve],
                waitlist_joined: Mapping[str, int], sources: Sequence[SourceFigures], currency: str,
                now: datetime) -> list[Suggestion]:
    """Every suggestion that fires for the event's tiers (`curves`: per tier id), dismissed or not."""
    found: list[Suggestion] = []
    for tier in tiers:
        curve = curves[tier.id]
        fast = sold_out_fast(tier, curve, waitlist_joined.get(tier.id, 0), currency)
        slow = None if fast else behind_usual(tier, curve, past, sources, now)
        found.extend(s for s in (fast, slow) if s is not None)
    return found
