"""What an organizer owes the buyers when an event is cancelled or postponed: the record of that
batch, kept in the store so any instance can resume it after a crash or a restart.

One record per event (the latest change wins). The batch walks the event's orders in the store's
order, (created_at, id), and `cursor` is the last order it settled, so a restarted batch goes on
after it; each order's work is idempotent on its own (deterministic refund ids, outbox keys), so
redoing the order a crash interrupted changes nothing. The rules that move it: `cancellation.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class ChangeKind(StrEnum):
    CANCELLED = "cancelled"  # every ticket void, every paid order refunded in full
    POSTPONED = "postponed"  # new date; tickets stay valid; refunds on request until a deadline


@dataclass(frozen=True, slots=True)
class EventChange:
    """A cancellation or postponement being announced (and, when cancelled, refunded) order by order."""

    id: str  # one per change: the outbox keys of its mails carry it, so a later change mails again
    event_id: str
    organizer_id: str
    kind: ChangeKind
    message: str  # the organizer's words to the buyers
    created_at: datetime
    total: int  # orders to settle
    done: int = 0  # settled (refunded and told)
    cursor: str = ""  # "<created_at>|<order id>" of the last order the batch passed
    failures: tuple[tuple[str, str], ...] = ()  # (order id, why), waiting for the organizer's retry
    retry: tuple[str, ...] = ()  # failed orders the organizer asked to try again
    finished_at: datetime | None = None
    refund_deadline: datetime | None = None  # postponed: buyers may ask for their money until then
    starts_at: datetime | None = None  # postponed: the new date
    ends_at: datetime | None = None
    previous_starts_at: datetime | None = None  # postponed: the date it had before (schema.org previousStartDate)
    # Cancelled: a hold taken before the cancellation may still be paid (late) and become an order
    # until about then; the batch stays open, looking for such orders now and then (`checked_at`).
    watch_until: datetime | None = None
    checked_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ChangeKind(self.kind))

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def percent(self) -> int:
        """Share of orders settled; 100 only when every one is (failures keep it below)."""
        return 100 if self.total == 0 else min(100, self.done * 100 // self.total)

    @property
    def running(self) -> bool:
        return self.finished_at is None

    @property
    def settled(self) -> bool:
        """Every order known so far had its turn (done or failed) and no retry is waiting."""
        return self.done + self.failed >= self.total and not self.retry

    @property
    def busy(self) -> bool:
        """Work in hand: what "cancelling" / "postponing" means to the organizer."""
        return self.running and not self.settled

    def changed(self, **changes: Any) -> EventChange:
        return replace(self, **changes)
