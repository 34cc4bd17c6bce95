"""Refunds of test-mode (demo provider) orders from the dashboard's money panel: the same choice of
tickets, amounts and fee share as a card refund (domain/payments/refunds.py), recorded without a
provider, since no money moved. So an organizer trying EventFlow without Stripe sees what a refund
does: tickets stop working, go back on sale if asked, the ledger's "Refunded" and net change, and
the buyer's refund notice (saying that no money moved)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from eventflow.domain.attendee_mail import refund_notice_key, refund_notice_mail
from eventflow.domain.errors import Conflict, NotFound
from eventflow.domain.models import TicketStatus
from eventflow.domain.money import FeeMode
from eventflow.domain.outbox import Outbox
from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus, paid_in_test_mode
from eventflow.domain.payments.refunds import record_without_provider, ticket_refund_amounts
from eventflow.domain.ports import PaymentStore
from eventflow.domain.reservations import Ticketing


class DemoRefunds:
    def __init__(self, ticketing: Ticketing, store: PaymentStore, outbox: Outbox, base_url: str) -> None:
        self.ticketing, self.store, self.outbox, self.base_url = ticketing, store, outbox, base_url

    def refund_order(self, organizer_id: str, event_id: str, order_id: str, ticket_ids: Sequence[str],
                     restock: bool) -> Refund:
        """Refund these valid tickets of a demo-paid order of the organizer's event (idempotent per
        choice of tickets: a double click records one refund)."""
        event = self.ticketing.catalog.own_event(organizer_id, event_id)
        order = self.ticketing.store.get_order(order_id)
        if order is None or order.event_id != event.id:
            raise NotFound("No such order")
        if not paid_in_test_mode(order.payment_ref):
            raise Conflict("Only orders paid in test mode are refunded here")
        valid = {t.id: t for t in order.tickets if t.status is not TicketStatus.VOID}
        wanted = list(dict.fromkeys(ticket_ids))
        if not wanted or any(t not in valid for t in wanted):
            raise Conflict("Choose valid tickets of this order (refunded already?)")
        reservation = self.ticketing.store.get_reservation(order.reservation_id)
        earlier = [r for r in self.store.list_refunds(event.id)
                   if r.order_id == order.id and r.status is not RefundStatus.FAILED]
        amount, fee = ticket_refund_amounts(order, reservation.fee_mode if reservation else FeeMode.BUYER_PAYS,
                                            [valid[t] for t in wanted], earlier)
        digest = hashlib.sha256(f"{order.id}|{','.join(sorted(wanted))}".encode()).hexdigest()
        refund = record_without_provider(self.ticketing, self.store, Refund(
            id=f"rf_{digest[:24]}", event_id=event.id, reservation_id=order.reservation_id, order_id=order.id,
            payment_intent_id=order.payment_ref, ticket_ids=tuple(wanted),
            tier_quantities=tuple(sorted(Counter(valid[t].tier_id for t in wanted).items())),
            amount_minor=amount, fee_minor=fee, currency=order.currency, reason=RefundReason.ORGANIZER,
            restock=restock, status=RefundStatus.PENDING, created_at=self.ticketing.clock.now()))
        if refund.status is RefundStatus.SUCCEEDED and reservation is not None:
            # The outbox job sends it (one per refund: a double click queues one).
            self.outbox.enqueue(refund_notice_key(refund), refund_notice_mail(refund, reservation.buyer, event,
                                                                              self.base_url),
                                event_id=event.id, batch="refunds")
        return refund
