"""Refunds of card payments that carried the processor's fee (`Payment.processing_minor` > 0).

The processor keeps its fee when a payment is refunded, and the organizer's transfer can only be
reversed by what it was sent, so such a refund is fitted to `ChargeSplit.refund`
(domain/processing_fees.py): together the refunds of an order give back at most what the buyer
paid less the processing estimate, the platform gives back its platform fee (never the
processing part) in proportion, and the organizer's transfer is reversed by the rest
(`ConnectGateway.create_refund(reversal_minor=...)`). Payments without a processing estimate are
refunded exactly as before, with the processor's own proportions.

One exception: a payment that never became an order (paid after its hold ended with nothing left
to sell, or paid twice) goes back whole, processing included; the platform carries the processor's
fee on those (its own race, never the buyer's).
"""

from __future__ import annotations

from dataclasses import replace

from eventflow.domain.payments.records import Payment, Refund, RefundStatus
from eventflow.domain.ports import PaymentStore
from eventflow.domain.processing_fees import ChargeSplit


def charge_of(payment: Payment) -> ChargeSplit:
    """A payment's charge as it was split at checkout."""
    return ChargeSplit(
        buyer_total_minor=payment.amount_minor, platform_fee_minor=payment.fee_minor - payment.processing_minor,
        processing_minor=payment.processing_minor, processing_on_buyer=False,  # who paid it does not matter here
    )


def within_what_the_processor_left(refund: Refund, payment: Payment | None, store: PaymentStore) -> Refund:
    """`refund` with its amount and platform fee fitted to the charge (see the module docstring);
    unchanged for payments without a processing estimate, orderless refunds, and refunds already
    recorded (the stored one stands). Deterministic: a retry computes the same refund."""
    if payment is None or not payment.processing_minor or refund.order_id is None:
        return refund
    if store.get_refund(refund.id) is not None:
        return refund
    charge = charge_of(payment)
    earlier = [r for r in store.list_refunds(refund.event_id)
               if r.payment_intent_id == refund.payment_intent_id and r.id != refund.id
               and r.status is not RefundStatus.FAILED]
    before = sum(r.amount_minor for r in earlier)
    fee_before = sum(r.fee_minor for r in earlier)
    amount = max(0, min(refund.amount_minor, charge.refundable_minor - before))
    piece = charge.refund(amount, before, fee_before)
    return replace(refund, amount_minor=piece.amount_minor, fee_minor=piece.platform_fee_back_minor)
