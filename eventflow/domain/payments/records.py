"""What EventFlow remembers about card payments: connected accounts, one payment per reservation,
refunds. Plain records; the rules that move them live in `settle.py` and `refunds.py`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

DEMO_PAYMENTS = "demo_"  # the payment reference of an order paid with the demo provider (test mode)


def demo_payment_ref(reservation_id: str) -> str:
    """The payment reference of a reservation paid with the demo provider: no money moved."""
    return f"{DEMO_PAYMENTS}{reservation_id}"


def paid_in_test_mode(payment_ref: str) -> bool:
    return payment_ref.startswith(DEMO_PAYMENTS)


@dataclass(frozen=True, slots=True)
class ConnectedAccount:
    """An organizer's Stripe Express account, as last read from Stripe."""

    organizer_id: str
    account_id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...]  # what Stripe still needs from the organizer
    disabled_reason: str | None
    updated_at: datetime
    country: str | None = None  # ISO 3166 code of the organizer's business (decides `on_behalf_of`)


class PaymentState(StrEnum):
    OPEN = "open"  # a Checkout Session exists; how it ends is not known yet
    AWAITING = "awaiting"  # checkout completed with a delayed method (bank debit): money not in yet
    PAID = "paid"  # paid, and the order is issued
    REFUNDING = "refunding"  # paid but cannot be honoured: the refund is decided, maybe not yet done
    REFUNDED = "refunded"  # paid and given back in full (late payment without capacity, duplicate)
    EXPIRED = "expired"  # the session ended unpaid
    FAILED = "failed"  # a delayed payment (bank debit...) failed


@dataclass(frozen=True, slots=True)
class Payment:
    """The card payment of one reservation: a Checkout Session with a destination charge.

    `version` makes every change an optimistic compare-and-set (see PaymentStore.update_payment);
    `generation` counts sessions: a new one is only made when the previous one is known expired."""

    reservation_id: str
    event_id: str
    organizer_id: str
    account_id: str  # the organizer's connected account: the charge's destination
    session_id: str
    url: str
    amount_minor: int  # what the buyer is charged
    fee_minor: int  # the platform's application fee
    currency: str
    state: PaymentState
    created_at: datetime
    hold_expires_at: datetime  # when the reservation's hold ends; the session is expired then
    updated_at: datetime
    generation: int = 1
    version: int = 1
    payment_intent_id: str | None = None
    order_id: str | None = None
    refund_id: str | None = None
    last_error: str | None = None  # the last decline, shown to nobody but the organizer's logs
    # The processor's fee as estimated at checkout (domain/processing_fees.py): part of `fee_minor`,
    # and of `amount_minor` when the buyer pays it ("Payment processing"); never refunded.
    processing_minor: int = 0

    def changed(self, now: datetime, **changes: Any) -> Payment:
        """A copy with `changes` (field names; an unknown one raises) and `updated_at` now."""
        return replace(self, updated_at=now, **changes)


class RefundStatus(StrEnum):
    PENDING = "pending"  # recorded, tickets claimed; Stripe not (yet) known to have it
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # Stripe refused; the tickets are free to refund again


class RefundReason(StrEnum):
    ORGANIZER = "requested_by_organizer"
    LATE_SOLD_OUT = "late_payment_sold_out"  # paid after the hold ended, nothing left to sell
    DUPLICATE = "duplicate_payment"  # a second payment for a reservation already paid
    EXTERNAL = "refunded_outside_eventflow"  # seen in charge.refunded, made in Stripe's dashboard
    EVENT_CANCELLED = "event_cancelled"  # the organizer cancelled the event: everything back (cancellation.py)
    ORDER_VOIDED = "order_voided"  # the organizer voided the order (cancellation.py)
    BUYER_REQUEST = "requested_by_buyer"  # the event was postponed and the buyer asked for their money


@dataclass(frozen=True, slots=True)
class Refund:
    """Money going back to a buyer, with what it undoes: tickets, platform fee, transfer."""

    id: str  # deterministic per request, so a retried refund is the same refund (Stripe idempotency key)
    event_id: str
    reservation_id: str
    order_id: str | None  # None for a payment that never became an order
    payment_intent_id: str
    ticket_ids: tuple[str, ...]
    tier_quantities: tuple[tuple[str, int], ...]  # tickets per tier, given back to sale when restocked
    amount_minor: int  # back to the buyer
    fee_minor: int  # platform fee given back (proportional)
    currency: str
    reason: RefundReason
    restock: bool
    status: RefundStatus
    created_at: datetime
    stripe_refund_id: str | None = None
    finished_at: datetime | None = None
    failure: str | None = None

    @property
    def test_mode(self) -> bool:
        """Of an order paid with the demo provider: recorded as refunded, no money moves."""
        return paid_in_test_mode(self.payment_intent_id)

    @property
    def transfer_reversal_minor(self) -> int:
        """What comes back from the organizer's account: the refund less the platform's share."""
        return self.amount_minor - self.fee_minor


class DisputeStatus(StrEnum):
    """Where a chargeback stands (the provider's finer statuses mapped to what the organizer acts on)."""

    OPEN = "open"  # the buyer's bank asked; evidence may still be sent (inquiries included)
    UNDER_REVIEW = "under_review"  # evidence sent, the bank decides
    WON = "won"  # decided for the organizer (or an inquiry closed without a chargeback): nothing moves
    LOST = "lost"  # decided for the buyer: the amount and the dispute fee are gone

    @property
    def closed(self) -> bool:
        return self in (DisputeStatus.WON, DisputeStatus.LOST)

    @property
    def rank(self) -> int:
        """Disputes only move forward: a stale read never reopens a closed one."""
        return {DisputeStatus.OPEN: 0, DisputeStatus.UNDER_REVIEW: 1}.get(self, 2)


@dataclass(frozen=True, slots=True)
class Dispute:
    """A buyer's chargeback of one payment (one record per provider dispute, however often and in
    whatever order its notifications arrive)."""

    id: str  # the provider's dispute id
    event_id: str
    organizer_id: str
    reservation_id: str
    order_id: str | None  # None when the disputed payment never became an order
    payment_intent_id: str
    amount_minor: int  # what the buyer's bank took back (or may take)
    fee_minor: int  # the provider's dispute fee
    currency: str
    status: DisputeStatus
    reason: str  # the bank's reason, in the provider's words (fraudulent, product_not_received...)
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    organizer_told: bool = False  # the organizer's mail is queued (exactly once per dispute)
    # Lost: what is taken back from the organizer's transfer (amount + fee, as far as the transfer
    # allows), decided before the provider is asked so a retry asks for the same; then done.
    recovery_minor: int | None = None
    recovered: bool = False

    @property
    def flags_tickets(self) -> bool:
        """Its order's tickets are flagged at the door until the dispute is won."""
        return self.status is not DisputeStatus.WON
