"""`InMemoryStore`'s waitlists (domain/waitlist_rules.py): dicts under the store's own lock, since an
offer and a release touch tiers and reservations in the same atomic step."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from eventflow.domain.models import Reservation, Tier
from eventflow.domain.waitlist_rules import (
    EntryStatus,
    WaitlistEntry,
    WaitlistSettings,
    WaitlistTier,
    entry_id_for,
)
from tests.fakes.round_trip import as_stored


class InMemoryWaitlistMixin:
    _lock: threading.Lock
    _tiers: dict[str, Tier]
    _reservations: dict[str, Reservation]

    def __init__(self) -> None:
        self._queues: dict[str, WaitlistTier] = {}
        self._entries: dict[str, WaitlistEntry] = {}
        self._waitlist_settings: dict[str, WaitlistSettings] = {}

    def _owe_to_waitlist(self, tier_id: str, quantity: int) -> bool:
        """The release's hook (lock held): True when the tickets became owed to the tier's queue."""
        queue = self._queues.get(tier_id)
        if queue is None or queue.waiting <= 0 or queue.paused:
            return False
        self._queues[tier_id] = replace(queue, owed=queue.owed + quantity)
        return True

    def join_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry:
        with self._lock:
            settings = self._waitlist_settings.get(entry.event_id)
            queue = self._queues.get(entry.tier_id) or WaitlistTier(
                event_id=entry.event_id, tier_id=entry.tier_id, paused=bool(settings and settings.paused))
            position = queue.next_position + 1
            self._queues[entry.tier_id] = replace(queue, next_position=position, waiting=queue.waiting + 1)
            stored = as_stored(replace(entry, id=entry_id_for(entry.tier_id, position), position=position,
                                       status=EntryStatus.WAITING))
            self._entries[stored.id] = stored
        return stored

    def get_waitlist_entry(self, entry_id: str) -> WaitlistEntry | None:
        with self._lock:
            return self._entries.get(entry_id)

    def waiting_ahead(self, entry: WaitlistEntry) -> int:
        with self._lock:
            return sum(1 for e in self._entries.values() if e.tier_id == entry.tier_id
                       and e.status is EntryStatus.WAITING and e.position < entry.position)

    def next_waiting(self, event_id: str, tier_id: str) -> WaitlistEntry | None:
        with self._lock:
            waiting = [e for e in self._entries.values() if e.tier_id == tier_id and e.status is EntryStatus.WAITING]
        return min(waiting, key=lambda e: e.position, default=None)

    def waitlist_entries(self, event_id: str) -> list[WaitlistEntry]:
        with self._lock:
            return sorted((e for e in self._entries.values() if e.event_id == event_id),
                          key=lambda e: (e.tier_id, e.position))

    def waitlist_tiers(self, event_id: str | None = None) -> list[WaitlistTier]:
        with self._lock:
            queues = [q for q in self._queues.values()
                      if (q.event_id == event_id if event_id is not None else q.waiting or q.owed or q.offers_out)]
        return sorted(queues, key=lambda q: (q.event_id, q.tier_id))

    def _move(self, entry_id: str, was: EntryStatus, now: EntryStatus, **counters: int) -> bool:
        with self._lock:
            entry = self._entries.get(entry_id)
            if entry is None or entry.status is not was:
                return False
            self._entries[entry_id] = replace(entry, status=now)
            queue = self._queues[entry.tier_id]
            changes: dict[str, Any] = {name: getattr(queue, name) + step for name, step in counters.items()}
            self._queues[entry.tier_id] = replace(queue, **changes)
        return True

    def leave_waitlist(self, entry_id: str) -> bool:
        return self._move(entry_id, EntryStatus.WAITING, EntryStatus.LEFT, waiting=-1)

    def settle_offer(self, entry_id: str, status: EntryStatus) -> bool:
        return self._move(entry_id, EntryStatus.OFFERED, status, offers_out=-1)

    def make_offer(self, entry: WaitlistEntry, offer: Reservation) -> bool:
        with self._lock:
            stored = self._entries.get(entry.id)
            queue = self._queues.get(entry.tier_id)
            if (stored is None or stored.status is not EntryStatus.WAITING or queue is None
                    or queue.owed < offer.quantity or offer.id in self._reservations):
                return False
            self._entries[entry.id] = as_stored(entry)
            self._queues[entry.tier_id] = replace(queue, owed=queue.owed - offer.quantity, waiting=queue.waiting - 1,
                                                  offers_out=queue.offers_out + 1)
            self._reservations[offer.id] = as_stored(offer)
        return True

    def capture_for_waitlist(self, event_id: str, tier_id: str) -> int:
        with self._lock:
            queue, tier = self._queues.get(tier_id), self._tiers.get(tier_id)
            if queue is None or tier is None or queue.waiting <= 0 or queue.paused or tier.available <= 0:
                return 0
            free = tier.available
            self._tiers[tier_id] = replace(tier, held=tier.held + free)
            self._queues[tier_id] = replace(queue, owed=queue.owed + free)
        return free

    def return_owed(self, event_id: str, tier_id: str) -> int:
        with self._lock:
            queue, tier = self._queues.get(tier_id), self._tiers.get(tier_id)
            if queue is None or tier is None or queue.owed <= 0 or (queue.waiting and not queue.paused):
                return 0
            if tier.held < queue.owed:
                raise RuntimeError(f"held count of tier {tier_id} is below what its waitlist is owed")
            self._tiers[tier_id] = replace(tier, held=tier.held - queue.owed)
            self._queues[tier_id] = replace(queue, owed=0)
            return queue.owed

    def get_waitlist_settings(self, event_id: str) -> WaitlistSettings | None:
        with self._lock:
            return self._waitlist_settings.get(event_id)

    def save_waitlist_settings(self, settings: WaitlistSettings) -> None:
        with self._lock:
            self._waitlist_settings[settings.event_id] = settings
            for tier_id, queue in list(self._queues.items()):
                if queue.event_id == settings.event_id:
                    self._queues[tier_id] = replace(queue, paused=settings.paused)
