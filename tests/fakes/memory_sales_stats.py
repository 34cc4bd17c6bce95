"""The dashboard's aggregates on `InMemoryStore`: computed by scanning its dicts, which is what the
real stores' aggregates must equal (domain/sales_stats.py holds the scan; the contract test checks)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from eventflow.domain.models import CheckIn, Order, Ticket
from eventflow.domain.sales_stats import (
    RECENT_ADMISSIONS,
    DoorSummary,
    SalesSummary,
    door_summary_of,
    newest_first_page,
    sales_summary_of,
)


class InMemorySalesStatsMixin:
    """Mixed into InMemoryStore, whose lock and dicts it reads."""

    _lock: threading.Lock
    _orders: dict[str, Order]
    _tickets: dict[str, Ticket]
    _checkins: dict[str, CheckIn]

    def _orders_of(self, event_id: str) -> list[Order]:
        """The event's orders with their tickets as they are now (a refund voids some)."""
        return [replace(o, tickets=tuple(self._tickets[t.id] for t in o.tickets))
                for o in self._orders.values() if o.event_id == event_id]

    def sales_summary(self, event_id: str, since: datetime | None = None) -> SalesSummary:
        with self._lock:
            return sales_summary_of(self._orders_of(event_id), since)

    def door_summary(self, event_id: str, recent: int = RECENT_ADMISSIONS,
                     since: datetime | None = None) -> DoorSummary:
        with self._lock:
            checkins = [c for c in self._checkins.values() if c.event_id == event_id]
            known = {c.ticket_id: self._tickets[c.ticket_id] for c in checkins if c.ticket_id in self._tickets}
            return door_summary_of(checkins, {t.id: (t.tier_id, t.holder_name) for t in known.values()}, recent,
                                   since)

    def orders_page(
        self, event_id: str, after: tuple[datetime, str] | None, limit: int, search: str = "",
        payment_ref_prefix: str = "",
    ) -> list[Order]:
        with self._lock:
            return newest_first_page(self._orders_of(event_id), after, limit, search, payment_ref_prefix)
