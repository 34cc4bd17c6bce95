"""Refunds of card payments that carried the processor's fee (`Payment.processing_minor` > 0).

The processor keeps its fee when a payment is refunded, and the organizer's transfer can only be
reversed by what it was sent (the charge less the platform fee and the processing estimate). Who
then pays the processor's fee depends on who chose the refund:

- **the organizer refunds tickets** from the dashboard (`RefundReason.ORGANIZER`): the refund is
  fitted to `ChargeSplit.refund` (domain/processing_fees.py): together the refunds of an order give
  back at most what the buyer paid less the processing estimate, the platform gives back its
  platform fee (never the processing part) in proportion, and the organizer's transfer is reversed
  by the rest (`ConnectGateway.create_refund(reversal_minor=...)`);
- **the buyer did not choose it** (`FULL_REFUNDS`: the event was cancelled, the organizer voided
  the order, or the buyer of a postponed event asked for their money): the buyer gets back
  everything left of what they paid, platform fee and a passed-on "Payment processing" line
  included. The platform gives back the rest of its platform fee; the organizer's share is taken
  from what is left of the transfer and, beyond it, debited from the organizer's Stripe balance
  (`AccountDebit`: the processor's fee, which the transfer never held). The platform's take stays
  `application fee - processor's fee - platform fee given back >= 0`.

Payments without a processing estimate are refunded exactly as before, with the processor's own
proportions. One exception: a payment that never became an order (paid after its hold ended with
nothing left to sell, or paid twice) goes back whole, processing included; the platform carries
the processor's fee on those (its own race, never the buyer's).
"""

from __future__ import annotations

from dataclasses import replace

from eventflow.domain.payments.records import Payment, Refund, RefundReason, RefundStatus
from eventflow.domain.ports import PaymentStore
from eventflow.domain.processing_fees import ChargeSplit

# Refunds the buyer did not ask for (or asked for because the organizer moved the date): everything back.
FULL_REFUNDS = frozenset({RefundReason.EVENT_CANCELLED, RefundReason.ORDER_VOIDED, RefundReason.BUYER_REQUEST})


def charge_of(payment: Payment) -> ChargeSplit:
    """A payment's charge as it was split at checkout."""
    return ChargeSplit(
        buyer_total_minor=payment.amount_minor, platform_fee_minor=payment.fee_minor - payment.processing_minor,
        processing_minor=payment.processing_minor, processing_on_buyer=False,  # who paid it does not matter here
    )


def carries_processing(payment: Payment | None, refund: Refund) -> bool:
    """Whether `refund` is split by this module (a card order whose charge held a processing estimate)."""
    return payment is not None and payment.processing_minor > 0 and refund.order_id is not None


def _earlier(refund: Refund, store: PaymentStore) -> list[Refund]:
    """The other live refunds of the same charge."""
    return [r for r in store.list_refunds(refund.event_id)
            if r.payment_intent_id == refund.payment_intent_id and r.id != refund.id
            and r.status is not RefundStatus.FAILED]


def within_what_the_processor_left(refund: Refund, payment: Payment | None, store: PaymentStore) -> Refund:
    """`refund` with its amount and platform fee fitted to the charge (see the module docstring);
    unchanged for payments without a processing estimate, orderless refunds, and refunds already
    recorded (the stored one stands). Deterministic: a retry computes the same refund."""
    if payment is None or not carries_processing(payment, refund):
        return refund
    if store.get_refund(refund.id) is not None:
        return refund
    charge = charge_of(payment)
    earlier = _earlier(refund, store)
    before = sum(r.amount_minor for r in earlier)
    fee_before = sum(r.fee_minor for r in earlier)
    if refund.reason in FULL_REFUNDS:
        amount = max(0, charge.buyer_total_minor - before)
        fee_back = max(0, charge.platform_fee_minor - fee_before)
        return replace(refund, amount_minor=amount, fee_minor=min(fee_back, amount))
    amount = max(0, min(refund.amount_minor, charge.refundable_minor - before))
    piece = charge.refund(amount, before, fee_before)
    return replace(refund, amount_minor=piece.amount_minor, fee_minor=piece.platform_fee_back_minor)


def organizer_share(refund: Refund, payment: Payment, store: PaymentStore) -> tuple[int, int]:
    """(taken back from the organizer's transfer, debited from the organizer's balance) for a
    recorded `refund` of a charge that carried the processor's fee.

    The organizer's share of a refund is what the platform does not give back (amount less platform
    fee). Shares come out of the transfer until it is used up, then out of the organizer's balance:
    only a full refund (`FULL_REFUNDS`) ever reaches past the transfer, and then by exactly the
    processor's fee. Computed from the stored refunds, so a retry after a crash asks for the same."""
    transfer = charge_of(payment).organizer_minor
    shared_before = sum(max(0, r.amount_minor - r.fee_minor) for r in _earlier(refund, store))
    share = max(0, refund.amount_minor - refund.fee_minor)
    reversal = min(shared_before + share, transfer) - min(shared_before, transfer)
    return reversal, share - reversal
