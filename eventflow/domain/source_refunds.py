"""Refunds subtracted per source (issue 18): a refunded order's revenue leaves its source's revenue.

The counts per source (domain/traffic.py) are written as sales happen. A refund is not written there: refunds
end in several places (the dashboard, Stripe's webhook, a cancellation, test-mode refunds), each already
recorded once in the payment store. So the read subtracts them: every SUCCEEDED refund of an order takes the
prices of its tickets (ticket prices after discounts, what `revenue_minor` counted; a fee or a processing
line given back was never ticket revenue) out of `revenue_minor` of the order's last-touch source and
`first_revenue_minor` of its first-touch source. Orders and tickets stay counted: they were sold through it.

A succeeded refund never changes, so its share is worked out once per process (the order read, the holds'
sources in one batched read) and remembered; a read then costs the refund listing only.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from eventflow.domain.models import Order
from eventflow.domain.payments.records import Refund, RefundStatus
from eventflow.domain.traffic import DIRECT, HoldSource, SourceFigures

MAX_REMEMBERED = 500_000  # refunds whose share is kept in memory; past it they are worked out on each read


@runtime_checkable
class RefundReads(Protocol):
    """The store reads this needs (every full store has them)."""

    def list_refunds(self, event_id: str) -> list[Refund]: ...

    def get_order(self, order_id: str) -> Order | None: ...

    def hold_sources(self, reservation_ids: Sequence[str]) -> dict[str, HoldSource]: ...


@dataclass(frozen=True, slots=True)
class RefundShare:
    """What one refund takes back from the sources its order was sold through."""

    first: str
    last: str
    revenue_minor: int


def refunded_ticket_revenue(order: Order, refund: Refund) -> int:
    """The prices of the refund's tickets (as the sale counted them)."""
    refunded = set(refund.ticket_ids)
    return sum(ticket.price_minor for ticket in order.tickets if ticket.id in refunded)


class RefundedRevenue:
    """Refunded ticket revenue per source of an event, as negative `SourceFigures` rows to add to the counts."""

    def __init__(self, store: RefundReads) -> None:
        self.store = store
        self._shares: dict[str, RefundShare] = {}
        self._lock = threading.Lock()

    def figures(self, event_id: str) -> list[SourceFigures]:
        """One row per source a refund touched: `revenue_minor` and `first_revenue_minor` negative."""
        refunds = [r for r in self.store.list_refunds(event_id)
                   if r.status is RefundStatus.SUCCEEDED and r.order_id and r.ticket_ids]
        with self._lock:
            new = [r for r in refunds if r.id not in self._shares]
        shares = self._work_out(new) if new else {}
        with self._lock:
            if len(self._shares) + len(shares) <= MAX_REMEMBERED:
                self._shares.update(shares)
            known = {r.id: self._shares.get(r.id) or shares[r.id] for r in refunds}
        last: Counter[str] = Counter()  # plain sums: thousands of refunds cost microseconds each
        first: Counter[str] = Counter()
        for share in known.values():
            last[share.last] += share.revenue_minor
            first[share.first] += share.revenue_minor
        return [SourceFigures(event_id, source, revenue_minor=-last[source], first_revenue_minor=-first[source])
                for source in sorted(set(last) | set(first)) if last[source] or first[source]]

    def _work_out(self, refunds: Sequence[Refund]) -> dict[str, RefundShare]:
        sources = self.store.hold_sources([r.reservation_id for r in refunds])
        orders: dict[str, Order | None] = {}
        shares: dict[str, RefundShare] = {}
        for refund in refunds:
            order_id = refund.order_id or ""
            if order_id not in orders:
                orders[order_id] = self.store.get_order(order_id)
            order = orders[order_id]
            kept = sources.get(refund.reservation_id)
            shares[refund.id] = RefundShare(kept.first if kept else DIRECT, kept.last if kept else DIRECT,
                                            refunded_ticket_revenue(order, refund) if order else 0)
        return shares
