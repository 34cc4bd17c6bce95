"""Refunds subtracted per source (issue 18): a refunded order's revenue leaves its source's revenue.

The counts per source (domain/traffic.py) are written as sales happen. A refund is not written there: refunds
end in several places (the dashboard, Stripe's webhook, a cancellation, test-mode refunds), each already
recorded once in the payment store. So the read subtracts them: every SUCCEEDED refund of an order takes the
prices of its tickets (ticket prices after discounts, what `revenue_minor` counted; a fee or a processing
line given back was never ticket revenue) out of `revenue_minor` of the order's last-touch source and
`first_revenue_minor` of its first-touch source. Orders and tickets stay counted: they were sold through it.

A succeeded refund never changes, so its share is worked out once per process (the refunds read in full, the
order, the holds' sources in one batched read) and remembered; a read then costs one cheap listing of the
succeeded refunds' ids (`succeeded_refund_ids`: 2,000 refunds decoded on every read were ~18 % of the
analytics answer of a 50,000-order event; bench_analytics.py).
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

    def succeeded_refund_ids(self, event_id: str) -> list[str]:
        """Ids of the event's SUCCEEDED refunds of an order (`order_id` set), sorted; a cheap read (no decoding)
        that every store keeps next to the traffic counts (contract: tests/store/test_contract_hold_sources.py)."""

    def get_order(self, order_id: str) -> Order | None: ...

    def hold_sources(self, reservation_ids: Sequence[str]) -> dict[str, HoldSource]: ...


@dataclass(frozen=True, slots=True)
class RefundShare:
    """What one refund takes back from the sources its order was sold through."""

    first: str
    last: str
    revenue_minor: int


NOTHING = RefundShare(DIRECT, DIRECT, 0)  # a refund that gave no ticket back (a fee line, a payment alone)


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
        ids = self.store.succeeded_refund_ids(event_id)
        with self._lock:
            missing = {refund_id for refund_id in ids if refund_id not in self._shares}
        shares: dict[str, RefundShare] = {}
        if missing:  # read in full only when a refund is new to this process
            shares = self._work_out([r for r in self.store.list_refunds(event_id)
                                     if r.id in missing and r.status is RefundStatus.SUCCEEDED and r.ticket_ids])
            shares.update({refund_id: NOTHING for refund_id in missing - shares.keys()})  # no tickets went back
        with self._lock:
            if len(self._shares) + len(shares) <= MAX_REMEMBERED:
                self._shares.update(shares)
            known = [self._shares.get(refund_id) or shares.get(refund_id, NOTHING) for refund_id in ids]
        last: Counter[str] = Counter()  # plain sums: thousands of refunds cost microseconds each
        first: Counter[str] = Counter()
        for share in known:
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
