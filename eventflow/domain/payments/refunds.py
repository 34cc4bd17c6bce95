"""Refunds of card payments.

A refund gives the buyer's money back with the platform fee and the organizer's transfer reversed
in proportion (Stripe's `refund_application_fee` and `reverse_transfer`; for a charge that held the
processor's fee, the split of `processing.py`, the organizer's balance debited for that fee when the
buyer gets everything back); its tickets are voided
and, when restocked, go back on sale. Every refund has a deterministic id that is also Stripe's
idempotency key, and its tickets are claimed when it is recorded, so a double click, a retry after
a crash, or two organizers at once never refund a ticket twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from eventflow.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from eventflow.domain.models import Order, Ticket, TicketStatus
from eventflow.domain.money import FeeMode, round_half_up_div
from eventflow.domain.payments.errors import PaymentProviderUnavailable, PaymentRefused
from eventflow.domain.payments.gateway import AccountDebit, ChargeInfo, ConnectGateway, GatewayError, RefundOutcome
from eventflow.domain.payments.ports import RefundNotifier
from eventflow.domain.payments.processing import carries_processing, organizer_share, within_what_the_processor_left
from eventflow.domain.payments.records import Payment, Refund, RefundReason, RefundStatus
from eventflow.domain.ports import PaymentStore
from eventflow.domain.reservations import Ticketing

log = logging.getLogger(__name__)

PENDING_GRACE = timedelta(minutes=1)  # younger pending refunds may still be in flight: leave them be


def ticket_refund_amounts(
    order: Order, fee_mode: FeeMode, tickets: Sequence[Ticket], earlier: Sequence[Refund]
) -> tuple[int, int]:
    """(amount back to the buyer, platform fee given back) for refunding `tickets` of `order`.

    The buyer gets what they paid for those tickets (price, plus the fee when they paid it). The fee
    given back is the order's fee in proportion to everything refunded so far, rounded half up,
    less what earlier refunds gave back: refunding every ticket one by one returns exactly the
    whole fee, and the organizer's transfer is reversed by the rest."""
    amount = sum(t.price_minor + (t.fee_minor if fee_mode is FeeMode.BUYER_PAYS else 0) for t in tickets)
    before_amount = sum(r.amount_minor for r in earlier)
    before_fee = sum(r.fee_minor for r in earlier)
    if before_amount + amount > order.total_minor:
        raise ValidationFailed("That is more than was paid for this order")
    if order.total_minor == 0:
        return 0, 0
    cumulative_fee = round_half_up_div(order.fee_minor * (before_amount + amount), order.total_minor)
    return amount, cumulative_fee - before_fee


def payment_refund(
    payment: Payment, intent: str, amount_minor: int, reason: RefundReason, now: datetime
) -> Refund:
    """A whole payment going back (late payment without capacity, or a second payment)."""
    prefix = "late" if reason is RefundReason.LATE_SOLD_OUT else "dup"
    fee = payment.fee_minor if amount_minor >= payment.amount_minor else round_half_up_div(
        payment.fee_minor * amount_minor, max(1, payment.amount_minor))
    return Refund(
        id=f"rf_{prefix}_{intent}", event_id=payment.event_id, reservation_id=payment.reservation_id,
        order_id=None, payment_intent_id=intent, ticket_ids=(), tier_quantities=(), amount_minor=amount_minor,
        fee_minor=fee, currency=payment.currency, reason=reason, restock=False, status=RefundStatus.PENDING,
        created_at=now,
    )


# Refunds that the batch or the organizer's "void" make and mail about themselves (cancellation.py):
# the pending-refund retry finishes them without a refund notice of its own.
MAILED_BY_CALLER = frozenset({RefundReason.EVENT_CANCELLED, RefundReason.ORDER_VOIDED, RefundReason.BUYER_REQUEST})


def rest_of_order_refund(
    order: Order, earlier: Sequence[Refund], reason: RefundReason, prefix: str, restock: bool, now: datetime,
    paid_minor: int | None = None,
) -> Refund | None:
    """Everything of `order` not given back yet, as one refund: the rest of what the buyer paid
    (platform fee included) and every ticket no earlier refund claimed. None when nothing is left.
    `paid_minor`: what the card was charged, when more than the order's total (a passed-on
    "Payment processing" line, which goes back too).

    `earlier` are the order's refunds of any status. The id is `rf_<prefix>_<order>_<attempt>`,
    attempt counting this prefix's FAILED refunds: retried after a crash it is the same refund,
    retried after Stripe refused it is a new one."""
    live = [r for r in earlier if r.status is not RefundStatus.FAILED]
    claimed = {t for r in live for t in r.ticket_ids}
    tickets = [t for t in order.tickets if t.id not in claimed and t.status is not TicketStatus.VOID]
    amount = max(0, max(order.total_minor, paid_minor or 0) - sum(r.amount_minor for r in live))
    fee = max(0, (order.fee_minor if order.total_minor else 0) - sum(r.fee_minor for r in live))
    if not tickets and amount == 0:
        return None
    stem = f"rf_{prefix}_{order.id}_"
    attempt = sum(1 for r in earlier if r.id.startswith(stem) and r.status is RefundStatus.FAILED)
    return Refund(
        id=f"{stem}{attempt}", event_id=order.event_id, reservation_id=order.reservation_id, order_id=order.id,
        payment_intent_id=order.payment_ref, ticket_ids=tuple(t.id for t in tickets),
        tier_quantities=tuple(sorted(Counter(t.tier_id for t in tickets).items())), amount_minor=amount,
        fee_minor=min(fee, amount), currency=order.currency, reason=reason, restock=restock,
        status=RefundStatus.PENDING, created_at=now,
    )


def record_without_provider(ticketing: Ticketing, store: PaymentStore, refund: Refund) -> Refund:
    """A refund no payment provider has to make: a free order (nothing paid), an order paid with
    the demo provider (test mode: no money moved; its `payment_intent_id` is the demo reference),
    or nothing left to pay back. Recorded like any other, so its tickets are claimed, voided and
    counted once; idempotent per refund id."""
    stored, _ = store.start_refund(refund)
    if stored.status is not RefundStatus.PENDING:
        return stored
    for ticket_id in stored.ticket_ids:
        ticketing.store.set_ticket_status(ticket_id, TicketStatus.VOID)
    finished = store.finish_refund(stored.id, RefundStatus.SUCCEEDED, ticketing.clock.now())
    if finished is not None:
        ticketing.notify_changed(finished.event_id)
    return finished or store.get_refund(stored.id) or stored


class Refunds:
    def __init__(
        self, ticketing: Ticketing, store: PaymentStore, gateway: ConnectGateway, notifier: RefundNotifier,
        restock_default: bool = True,
    ) -> None:
        self.ticketing = ticketing
        self.store = store
        self.gateway = gateway
        self.notifier = notifier
        self.restock_default = restock_default
        # Named points where a fault test may kill the process (eventflow.app.jobs.crash_point); no-op otherwise.
        self.checkpoint: Callable[[str], None] = lambda name: None

    # ------------------------------------------------------------ from the dashboard
    def refund_order(
        self, organizer_id: str, event_id: str, order_id: str, ticket_ids: Sequence[str] | None = None,
        restock: bool | None = None,
    ) -> Refund:
        """Refund a whole order (every ticket still valid) or some of its tickets."""
        event = self.ticketing.catalog.own_event(organizer_id, event_id)
        order = self.ticketing.store.get_order(order_id)
        if order is None or order.event_id != event.id:
            raise NotFound("No such order")
        payment = self.store.get_payment(order.reservation_id)
        if payment is None or payment.payment_intent_id != order.payment_ref:
            raise Conflict("Only orders paid by card through Stripe can be refunded here")
        valid = {t.id: t for t in order.tickets if t.status is not TicketStatus.VOID}
        wanted = list(dict.fromkeys(ticket_ids)) if ticket_ids else list(valid)
        if not wanted:
            raise Conflict("Every ticket of this order has been refunded already")
        unknown = [t for t in wanted if t not in valid]
        if unknown:
            raise Conflict("Not a valid ticket of this order (refunded already?): {tickets}",
                           tickets=", ".join(unknown))
        reservation = self.ticketing.store.get_reservation(order.reservation_id)
        fee_mode = reservation.fee_mode if reservation else FeeMode.BUYER_PAYS
        of_order = [r for r in self.store.list_refunds(event.id) if r.order_id == order.id]
        earlier = [r for r in of_order if r.status is not RefundStatus.FAILED]
        amount, fee = ticket_refund_amounts(order, fee_mode, [valid[t] for t in wanted], earlier)
        attempt = sum(1 for r in of_order if r.status is RefundStatus.FAILED)
        digest = hashlib.sha256(f"{order.id}|{','.join(sorted(wanted))}|{attempt}".encode()).hexdigest()
        tiers = Counter(valid[t].tier_id for t in wanted)
        refund = Refund(
            id=f"rf_{digest[:24]}", event_id=event.id, reservation_id=order.reservation_id, order_id=order.id,
            payment_intent_id=order.payment_ref, ticket_ids=tuple(wanted), tier_quantities=tuple(sorted(tiers.items())),
            amount_minor=amount, fee_minor=fee, currency=order.currency, reason=RefundReason.ORGANIZER,
            restock=self.restock_default if restock is None else restock, status=RefundStatus.PENDING,
            created_at=self.ticketing.clock.now(),
        )
        done = self.execute(refund)
        if done.status is RefundStatus.SUCCEEDED:
            self.tell_buyer(done)
        return done

    # ------------------------------------------------------------ doing it, idempotently
    def execute(self, refund: Refund) -> Refund:
        """Record (claiming the tickets), refund at Stripe, void the tickets, finish (restocking).

        Safe to call again for the same refund at any point: a pending refund is looked up at
        Stripe by its key before a new one is asked for."""
        payment = self.store.get_payment(refund.reservation_id)
        refund = within_what_the_processor_left(refund, payment, self.store)  # processing_fees.py
        stored, created = self.store.start_refund(refund)
        if stored.status is not RefundStatus.PENDING:
            return stored
        if stored.amount_minor == 0 and stored.order_id is not None:  # nothing left to pay back: tickets only
            return record_without_provider(self.ticketing, self.store, stored)
        clock = self.ticketing.clock
        reversal: int | None = None
        debit: AccountDebit | None = None
        if payment is not None and carries_processing(payment, stored):  # processing.py: who pays what
            reversal, debit_minor = organizer_share(stored, payment, self.store)
            debit = AccountDebit(payment.account_id, debit_minor, stored.currency) if debit_minor else None
        try:
            info = None if created else self.gateway.find_refund(stored.payment_intent_id, stored.id)
            info = info or self.gateway.create_refund(
                stored.payment_intent_id, stored.amount_minor, stored.id, stored.reservation_id, reversal, debit)
        except GatewayError as error:
            if error.retryable:
                log.warning("refund %s not confirmed by Stripe yet (%s); it will be retried", stored.id, error)
                raise PaymentProviderUnavailable(
                    "Stripe did not answer; the refund is recorded and will be retried automatically") from error
            self.store.finish_refund(stored.id, RefundStatus.FAILED, clock.now(), failure=str(error))
            raise PaymentRefused("Stripe refused the refund: {error}", error=str(error)) from error
        if info.outcome is not RefundOutcome.ACCEPTED:
            self.store.finish_refund(stored.id, RefundStatus.FAILED, clock.now(), info.refund_id, info.outcome.value)
            raise PaymentRefused("Stripe could not refund: the refund {outcome}", outcome=str(info.outcome))
        self.checkpoint(f"refund_accepted:{stored.reason.value}")  # Stripe has it; we have not written it yet
        for ticket_id in stored.ticket_ids:
            self.ticketing.store.set_ticket_status(ticket_id, TicketStatus.VOID)
        finished = self.store.finish_refund(stored.id, RefundStatus.SUCCEEDED, clock.now(), info.refund_id)
        if finished is not None and (finished.ticket_ids or finished.restock):
            self.ticketing.notify_changed(finished.event_id)
        return finished or self.store.get_refund(stored.id) or stored

    def retry_pending(self) -> int:
        """Finish refunds left pending by a crash or an unreachable Stripe (reconciliation)."""
        done = 0
        cutoff = self.ticketing.clock.now() - PENDING_GRACE
        for refund in self.store.pending_refunds():
            if refund.created_at > cutoff:
                continue
            try:
                finished = self.execute(refund)
            except DomainError as problem:
                log.warning("pending refund %s: %s", refund.id, problem.detail)
                continue
            done += 1
            told_elsewhere = finished.reason is RefundReason.EXTERNAL or finished.reason in MAILED_BY_CALLER
            if finished.status is RefundStatus.SUCCEEDED and not told_elsewhere:
                self.tell_buyer(finished)
        return done

    # ------------------------------------------------------------ charge.refunded
    def charge_refunded(self, charge: ChargeInfo) -> None:
        """Finish our pending refunds of this charge; record what was refunded outside EventFlow
        (in Stripe's dashboard). A charge refunded in full voids the order's remaining tickets."""
        payment = self.store.find_payment_by_intent(charge.payment_intent_id or "")
        if payment is None:
            return
        for refund in self._refunds_of(payment, charge):
            if refund.status is RefundStatus.PENDING:
                self.execute(refund)
        known = sum(r.amount_minor for r in self._refunds_of(payment, charge) if r.status is not RefundStatus.FAILED)
        extra = charge.amount_refunded_minor - known
        if extra <= 0:
            return
        tickets: tuple[Ticket, ...] = ()
        order = self.ticketing.store.get_order(payment.order_id or "")
        if order is not None and charge.amount_refunded_minor >= charge.amount_minor:
            tickets = tuple(t for t in order.tickets if t.status is not TicketStatus.VOID)
        refund = Refund(
            id=f"rf_ext_{charge.charge_id}_{charge.amount_refunded_minor}", event_id=payment.event_id,
            reservation_id=payment.reservation_id, order_id=payment.order_id,
            payment_intent_id=charge.payment_intent_id or "", ticket_ids=tuple(t.id for t in tickets),
            tier_quantities=tuple(sorted(Counter(t.tier_id for t in tickets).items())), amount_minor=extra,
            fee_minor=0, currency=payment.currency, reason=RefundReason.EXTERNAL, restock=self.restock_default,
            status=RefundStatus.PENDING, created_at=self.ticketing.clock.now(),
        )
        log.warning("charge %s: %s refunded outside EventFlow", charge.charge_id, extra)
        try:
            stored, _ = self.store.start_refund(refund)
        except Conflict:  # some of those tickets are being refunded by us right now: keep the amount only
            stored, _ = self.store.start_refund(replace(refund, ticket_ids=(), tier_quantities=()))
        for ticket_id in stored.ticket_ids:
            self.ticketing.store.set_ticket_status(ticket_id, TicketStatus.VOID)
        self.store.finish_refund(stored.id, RefundStatus.SUCCEEDED, self.ticketing.clock.now())
        self.ticketing.notify_changed(payment.event_id)

    def _refunds_of(self, payment: Payment, charge: ChargeInfo) -> list[Refund]:
        return [r for r in self.store.list_refunds(payment.event_id) if r.payment_intent_id == charge.payment_intent_id]

    def tell_buyer(self, refund: Refund) -> None:
        reservation = self.ticketing.store.get_reservation(refund.reservation_id)
        event = self.ticketing.store.get_event(refund.event_id)
        if reservation is None or event is None:
            return
        try:
            self.notifier.send_refund_notice(refund, reservation.buyer, event)
        except Exception:  # the refund stands; the return page says so too
            log.exception("telling the buyer about refund %s failed", refund.id)
