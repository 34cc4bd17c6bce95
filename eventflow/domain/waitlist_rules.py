"""The waitlist's records and its store port (issue 13); the use case is domain/waitlist.py.

A sold-out tier keeps a queue of entries (email, name, quantity). Tickets that come back while anyone
waits are not given to the public: the store moves them from the hold that ended to the tier's
**owed** count in the same atomic write that closes the hold (they stay counted in `held`, so the
public availability never shows them), and `Waitlist.process` turns owed tickets into **offers**: a
HELD reservation for the next entry, made by `WaitlistStore.make_offer` in one atomic write that
also moves the entry from waiting to offered and takes the tickets off `owed`. So one released
ticket makes exactly one offer however many reapers and instances run (every step is a conditional
write), and a crash after the release leaves owed tickets that the next `process` offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from eventflow.domain.errors import Conflict
from eventflow.domain.models import Reservation

DEFAULT_OFFER_MINUTES = 30


class NotSoldOut(Conflict):
    """Tickets of this tier are on sale: buy them instead of joining the waitlist."""

    code = "not_sold_out"


class EntryStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # a hold was made for the entry; the claim link is in its mail
    CLAIMED = "claimed"  # the offer was bought
    EXPIRED = "expired"  # the offer ran out (or was cancelled) unbought
    LEFT = "left"  # the buyer left the waitlist


@dataclass(frozen=True, slots=True)
class WaitlistEntry:
    """One buyer's place in a tier's queue. `position` is the tier's queue number taken from an
    atomic counter at the join (never reused); `key` is the buyer's capability for the entry."""

    id: str
    event_id: str
    tier_id: str
    email: str
    name: str
    quantity: int
    key: str
    created_at: datetime
    position: int = 0
    status: EntryStatus = EntryStatus.WAITING
    reservation_id: str | None = None  # the offer's hold
    offer_expires_at: datetime | None = None
    offered_quantity: int = 0
    by_hand: bool = False  # the organizer's offer out of order
    language: str | None = None  # the language they joined in (domain/language.py): the offer mail's; None: English


@dataclass(frozen=True, slots=True)
class WaitlistTier:
    """A tier's queue counters: the next queue number, how many wait, tickets owed to the queue."""

    event_id: str
    tier_id: str
    next_position: int = 0
    waiting: int = 0
    owed: int = 0
    paused: bool = False
    offers_out: int = 0  # entries with an open offer


@dataclass(frozen=True, slots=True)
class WaitlistSettings:
    """The organizer's choices per event: how long an offer lasts, whether an entry for 3 is offered
    the 2 that came back (`partial`) or waits for all 3, and the pause (tickets go public)."""

    event_id: str
    offer_minutes: int = DEFAULT_OFFER_MINUTES
    partial: bool = True
    paused: bool = False

    @property
    def offer_length(self) -> timedelta:
        return timedelta(minutes=self.offer_minutes)


def entry_id_for(tier_id: str, position: int) -> str:
    """An entry's id names its tier and queue number (the key, not the id, is the secret)."""
    return f"wle_{position}_{tier_id}"


def parse_entry_id(entry_id: str) -> tuple[str, int] | None:
    """(tier id, queue number) of an entry id, None for anything else."""
    parts = entry_id.split("_", 2)
    if len(parts) != 3 or parts[0] != "wle" or not parts[1].isdigit() or not parts[2]:
        return None
    return parts[2], int(parts[1])


def offer_quantity(entry: WaitlistEntry, owed: int, partial: bool) -> int:
    """Tickets to offer the head of the queue out of `owed`: all it asked for, or with `partial` what
    there is; 0 means it waits."""
    if owed >= entry.quantity:
        return entry.quantity
    return owed if partial and owed > 0 else 0


class WaitlistStore(Protocol):
    """Waitlist records on every store (SQLite, DynamoDB, the in-memory fake); each call is atomic.

    Owed tickets: `release`, `release_expired` (the reaper) move the tickets of a hold on a tier whose
    waitlist has someone waiting and is not paused to the tier's `owed`, in the same atomic write."""

    def join_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry:
        """Store the entry with the tier's next queue number (an atomic counter; the id from
        `entry_id_for`) and count it waiting; returns it as stored."""
        ...

    def get_waitlist_entry(self, entry_id: str) -> WaitlistEntry | None: ...

    def waiting_ahead(self, entry: WaitlistEntry) -> int:
        """How many entries of its tier with a lower queue number are still waiting."""
        ...

    def next_waiting(self, event_id: str, tier_id: str) -> WaitlistEntry | None:
        """The waiting entry with the lowest queue number."""
        ...

    def waitlist_entries(self, event_id: str) -> list[WaitlistEntry]:
        """Every entry of the event, by tier id then queue number."""
        ...

    def waitlist_tiers(self, event_id: str | None = None) -> list[WaitlistTier]:
        """The queues (of one event, or all with someone waiting, tickets owed or offers out)."""
        ...

    def leave_waitlist(self, entry_id: str) -> bool:
        """waiting -> left (waiting - 1); False when it was not waiting."""
        ...

    def make_offer(self, entry: WaitlistEntry, offer: Reservation) -> bool:
        """One atomic write: the entry waiting -> offered (its hold, expiry, quantity, by_hand),
        waiting - 1, offers_out + 1, owed - quantity, the offer's HELD reservation stored without taking tickets
        again (they are held already). False, with nothing written, when the entry is no longer
        waiting or fewer tickets are owed."""
        ...

    def settle_offer(self, entry_id: str, status: EntryStatus) -> bool:
        """offered -> claimed / expired / left (offers_out - 1); False when it was not offered."""
        ...

    def capture_for_waitlist(self, event_id: str, tier_id: str) -> int:
        """Tickets on public sale of a tier with someone waiting (not paused) -> owed, atomically
        (capacity raised, a refund restocked, a release that raced a join); returns how many."""
        ...

    def return_owed(self, event_id: str, tier_id: str) -> int:
        """Owed tickets back to public sale when nobody waits or the list is paused; how many."""
        ...

    def get_waitlist_settings(self, event_id: str) -> WaitlistSettings | None: ...

    def save_waitlist_settings(self, settings: WaitlistSettings) -> None:
        """Store the settings and mark every queue of the event paused or not, atomically."""
        ...
