"""Drop mode (issue 13): shorter holds while a tier sells fast, so tickets held by buyers who walk
away come back within minutes rather than a quarter of an hour.

Automatic: a tier "sells fast" when its open holds are at least `FAST_HELD_SHARE` of its capacity
(many buyers in checkout at once: a drop). A reservation touching such a tier gets the drop hold
(`Settings.drop_hold_minutes`, default 5) instead of the normal one. The hold length is decided
here, in the domain, and written as the reservation's `expires_at`: both stores simply honour it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from eventflow.domain.models import Tier

FAST_HELD_SHARE = 0.25  # open holds / capacity from which a tier counts as selling fast


def sells_fast(tier: Tier) -> bool:
    return tier.capacity > 0 and tier.held >= FAST_HELD_SHARE * tier.capacity


def hold_length(tiers: Iterable[Tier], normal: timedelta, drop: timedelta | None) -> timedelta:
    """How long a new hold on these tiers lasts: the drop hold when any of them sells fast."""
    if drop is None or drop >= normal:
        return normal
    return drop if any(sells_fast(tier) for tier in tiers) else normal
