"""The event's money ledger: the platform's own account of what buyers paid for an event, what
went back to them, and what the organizer and the platform keep (the dashboard's money panel and
`GET /api/v1/events/{id}/ledger`).

Chargebacks: an open dispute moves nothing yet (its amount is shown as at stake); a won one moves
nothing; a lost one takes its amount and the processor's dispute fee out of what the organizer
keeps (the provider took both from the platform, which recovers them from the organizer)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from eventflow.domain.models import Event, Order
from eventflow.domain.payments.records import Dispute, DisputeStatus, Payment, Refund, RefundStatus


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
    disputes_open: int = 0  # chargebacks not decided yet
    disputed_open_minor: int = 0  # at stake in them
    dispute_lost_minor: int = 0  # taken back by buyers' banks in lost disputes
    dispute_fees_minor: int = 0  # the processor's fees on lost disputes
    processing_minor: int = 0  # the processor's fees on the orders' charges (estimated at checkout)
    buyer_processing_minor: int = 0  # the part buyers paid as "Payment processing" (in charged_minor)

    @property
    def net_platform_fee_minor(self) -> int:
        return self.platform_fee_minor - self.fee_refunded_minor

    @property
    def organizer_net_minor(self) -> int:
        """What the organizer keeps: charged, less refunds, less the platform's net fees."""
        return (self.charged_minor - self.refunded_minor - self.net_platform_fee_minor - self.processing_minor
                - self.dispute_lost_minor - self.dispute_fees_minor)

    def with_processing(self, paid: Sequence[tuple[Order, Payment]]) -> EventLedger:
        """This ledger with the processor's fees on the orders' card payments: the platform took them
        in its application fee and paid the processor, so they leave the organizer's net; passed on,
        the buyers paid them on top of the orders (never refunded: domain/processing_fees.py)."""
        mine = [(order, payment) for order, payment in paid if payment.order_id == order.id]
        passed = sum(max(0, payment.amount_minor - order.total_minor) for order, payment in mine)
        return replace(self, charged_minor=self.charged_minor - self.buyer_processing_minor + passed,
                       buyer_processing_minor=passed,
                       processing_minor=sum(payment.processing_minor for _, payment in mine))

    def with_disputes(self, disputes: Sequence[Dispute]) -> EventLedger:
        """This ledger with the event's disputes and their outcomes counted."""
        still_open = [d for d in disputes if not d.status.closed]
        lost = [d for d in disputes if d.status is DisputeStatus.LOST]
        return replace(self, disputes_open=len(still_open), disputed_open_minor=sum(d.amount_minor for d in still_open),
                       dispute_lost_minor=sum(d.amount_minor for d in lost),
                       dispute_fees_minor=sum(d.fee_minor for d in lost))


def event_ledger(
    event: Event, orders: Sequence[Order], refunds: Sequence[Refund], disputes: Sequence[Dispute] = ()
) -> EventLedger:
    live = [r for r in refunds if r.status is not RefundStatus.FAILED]
    orderless = [r for r in live if r.order_id is None]  # late or second payments, refunded whole
    return EventLedger(
        currency=event.currency, orders=len(orders),
        charged_minor=sum(o.total_minor for o in orders) + sum(r.amount_minor for r in orderless),
        platform_fee_minor=sum(o.fee_minor for o in orders if o.total_minor) + sum(r.fee_minor for r in orderless),
        refunded_minor=sum(r.amount_minor for r in live),
        fee_refunded_minor=sum(r.fee_minor for r in live),
        pending_refunds=sum(1 for r in live if r.status is RefundStatus.PENDING),
    ).with_disputes(disputes)
