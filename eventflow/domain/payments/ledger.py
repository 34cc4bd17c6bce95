"""The event's money ledger: the platform's own account of what buyers paid for an event, what
went back to them, and what the organizer and the platform keep (the dashboard's money panel and
`GET /api/v1/events/{id}/ledger`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eventflow.domain.models import Event, Order
from eventflow.domain.payments.records import Refund, RefundStatus


@dataclass(frozen=True, slots=True)
class EventLedger:
    """The platform's own account of an event's money, in the event's currency (minor units)."""

    currency: str
    orders: int
    charged_minor: int  # everything buyers paid, including payments that were refunded without an order
    platform_fee_minor: int  # platform fees taken on those payments
    refunded_minor: int  # given back to buyers (refunds not failed)
    fee_refunded_minor: int  # platform fees given back with them
    pending_refunds: int

    @property
    def net_platform_fee_minor(self) -> int:
        return self.platform_fee_minor - self.fee_refunded_minor

    @property
    def organizer_net_minor(self) -> int:
        """What the organizer keeps: charged, less refunds, less the platform's net fees."""
        return self.charged_minor - self.refunded_minor - self.net_platform_fee_minor


def event_ledger(event: Event, orders: Sequence[Order], refunds: Sequence[Refund]) -> EventLedger:
    live = [r for r in refunds if r.status is not RefundStatus.FAILED]
    orderless = [r for r in live if r.order_id is None]  # late or second payments, refunded whole
    return EventLedger(
        currency=event.currency, orders=len(orders),
        charged_minor=sum(o.total_minor for o in orders) + sum(r.amount_minor for r in orderless),
        platform_fee_minor=sum(o.fee_minor for o in orders if o.total_minor) + sum(r.fee_minor for r in orderless),
        refunded_minor=sum(r.amount_minor for r in live),
        fee_refunded_minor=sum(r.fee_minor for r in live),
        pending_refunds=sum(1 for r in live if r.status is RefundStatus.PENDING),
    )
