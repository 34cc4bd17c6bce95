"""An event's fair-sale settings (issue 13): the organizer's choices per event, over the platform's defaults.

- one standing hold per buyer (domain/buyer_limits.py): on unless the organizer switches it off;
- drop mode (domain/drop_mode.py): shorter holds while a tier sells fast;
- the waiting room (domain/waiting_room.py): the sale opens at `opens_at`, arrivals before it drawn in a
  random order, admitted `admissions_per_minute` at a time (unset: computed from capacity and hold length).

A reserve reads these settings through `SaleRules`, a per-process copy at most a second old (as the
catalogue's `recent_view`): an event without a waiting room costs no store round trip per reserve, and an
organizer's change reaches every instance within a second.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from eventflow.domain.errors import ValidationFailed

MAX_ADMISSIONS_PER_MINUTE = 100_000
MAX_TICKETS_PER_BUYER = 1_000
MIN_COMPUTED_ADMISSIONS = 10  # per minute: a small event's room still moves


@dataclass(frozen=True, slots=True)
class SaleSettings:
    event_id: str
    one_hold_per_buyer: bool | None = None  # None: the platform's default (EVENTFLOW_ONE_HOLD_PER_BUYER)
    drop_mode: bool | None = None  # None: on when the platform has a drop hold (EVENTFLOW_DROP_HOLD_MINUTES)
    waiting_room: bool = False
    opens_at: datetime | None = None  # the sale's opening; the waiting room draws its order then
    admissions_per_minute: int | None = None  # None: computed (`admission_rate`)
    max_tickets_per_buyer: int | None = None  # held + bought per buyer email (domain/buyer_caps.py); None: no cap

    def validated(self) -> SaleSettings:
        if self.opens_at is not None and self.opens_at.tzinfo is None:
            raise ValidationFailed("opens_at needs a timezone", field="opens_at")
        if self.waiting_room and self.opens_at is None:
            raise ValidationFailed("A waiting room needs the time the sale opens", field="opens_at")
        if self.admissions_per_minute is not None and not 1 <= self.admissions_per_minute <= MAX_ADMISSIONS_PER_MINUTE:
            raise ValidationFailed("Admissions per minute must be between 1 and {most}",
                                   field="admissions_per_minute", most=MAX_ADMISSIONS_PER_MINUTE)
        if self.max_tickets_per_buyer is not None and not 1 <= self.max_tickets_per_buyer <= MAX_TICKETS_PER_BUYER:
            raise ValidationFailed("Tickets per buyer must be between 1 and {most}", field="max_tickets_per_buyer",
                                   most=MAX_TICKETS_PER_BUYER)
        return self

    @property
    def has_room(self) -> bool:
        return self.waiting_room and self.opens_at is not None


def admission_rate(settings: SaleSettings, capacity: int, hold: timedelta) -> int:
    """Admissions per minute: the organizer's, or as many as the checkout serves: the capacity once per
    hold length (each admitted buyer holds for at most a hold, so more at once only queue in checkout)."""
    if settings.admissions_per_minute:
        return settings.admissions_per_minute
    minutes = max(hold.total_seconds() / 60, 1.0)
    return max(MIN_COMPUTED_ADMISSIONS, math.ceil(capacity / minutes))


class SaleSettingsStore(Protocol):
    def get_sale_settings(self, event_id: str) -> SaleSettings | None:
        """The event's settings as last saved; None when never saved (the defaults apply)."""

    def save_sale_settings(self, settings: SaleSettings) -> None:
        """Insert or overwrite the event's settings."""


class SaleRules:
    """The settings a reserve obeys, per event, as read at most `ttl` seconds ago in this process."""

    def __init__(self, store: SaleSettingsStore, one_hold_default: bool = False,
                 drop_hold_default: timedelta | None = None, ttl_seconds: float = 1.0) -> None:
        self.store = store
        self.one_hold_default = one_hold_default
        self.drop_hold_default = drop_hold_default
        self._ttl = ttl_seconds
        self._copies: dict[str, tuple[float, SaleSettings]] = {}
        self._lock = threading.Lock()

    def cached(self, event_id: str) -> SaleSettings | None:
        """The recent copy, or None when there is none (the caller reads off the loop: `settings`)."""
        entry = self._copies.get(event_id)  # one dict read is atomic: no lock (4 reads per reserve)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        return entry[1]

    def settings(self, event_id: str) -> SaleSettings:
        """The recent copy or a fresh read (one store read per event and second at most)."""
        copy = self.cached(event_id)
        if copy is None:
            copy = self.store.get_sale_settings(event_id) or SaleSettings(event_id)
            with self._lock:
                self._copies[event_id] = (time.monotonic(), copy)
        return copy

    def stored(self, event_id: str) -> SaleSettings:
        """The settings as saved now (a fresh read: what the organizer's screens show)."""
        return self.store.get_sale_settings(event_id) or SaleSettings(event_id)

    def forget(self, event_id: str) -> None:
        with self._lock:
            self._copies.pop(event_id, None)

    def one_hold_per_buyer(self, event_id: str, default: bool | None = None) -> bool:
        """The event's choice, else `default` (the caller's platform setting), else this object's."""
        value = self.settings(event_id).one_hold_per_buyer
        if value is not None:
            return value
        return self.one_hold_default if default is None else default

    def drop_hold(self, event_id: str, default: timedelta | None = None) -> timedelta | None:
        value = self.settings(event_id).drop_mode
        if value is False:
            return None
        platform = default or self.drop_hold_default
        # Asked for by the organizer while the platform has none: five minutes, the example.
        return platform or (timedelta(minutes=5) if value else None)

    def save(self, settings: SaleSettings) -> SaleSettings:
        """Write the organizer's settings (the caller checked they own the event)."""
        settings = settings.validated()
        self.store.save_sale_settings(settings)
        self.forget(settings.event_id)
        return settings

    def change(self, event_id: str, **fields: object) -> SaleSettings:
        """Save the current settings with some fields changed (None in `fields` is kept as None)."""
        current = self.store.get_sale_settings(event_id) or SaleSettings(event_id)
        return self.save(replace(current, **fields))  # type: ignore[arg-type]
