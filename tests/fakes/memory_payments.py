"""`PaymentStore` in dicts: the card-payment half of `InMemoryStore` (tests/fakes/memory_store.py).

A mixin like SqlitePaymentsMixin: it shares the store's one lock and its tiers, because a
succeeded restocking refund gives tickets back to sale (sold -= n) in the same atomic step.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from eventflow.domain.errors import TicketsBeingRefunded
from eventflow.domain.models import Tier
from eventflow.domain.payments.records import ConnectedAccount, Payment, PaymentState, Refund, RefundStatus
from tests.fakes.round_trip import as_stored


@dataclass
class _Lease:
    """Who holds a claim (a payment's decider, a named job) and until when."""

    owner: str
    until: datetime

    def free_for(self, owner: str, now: datetime) -> bool:
        return self.until <= now or self.owner == owner


class InMemoryPaymentsMixin:
    """Uses `_lock`, `_tiers` and `_write_tiers` of InMemoryStore."""

    if TYPE_CHECKING:
        _lock: threading.Lock
        _tiers: dict[str, Tier]

        def _write_tiers(self, changed: dict[str, Tier]) -> None: ...

    def __init__(self) -> None:
        self._accounts: dict[str, ConnectedAccount] = {}  # per organizer
        self._payments: dict[str, Payment] = {}  # per reservation
        self._payment_claims: dict[str, _Lease] = {}
        self._webhook_claims: dict[str, datetime] = {}  # event ids being processed, until when
        self._webhooks_done: set[str] = set()
        self._refunds: dict[str, Refund] = {}
        self._refunded_tickets: dict[str, str] = {}  # ticket id -> the refund claiming it
        self._leases: dict[str, _Lease] = {}

    # ---------------------------------------------------------------- connected accounts
    def save_connected_account(self, account: ConnectedAccount) -> None:
        with self._lock:
            self._accounts[account.organizer_id] = as_stored(account)

    def get_connected_account(self, organizer_id: str) -> ConnectedAccount | None:
        with self._lock:
            return self._accounts.get(organizer_id)

    def find_connected_account(self, account_id: str) -> ConnectedAccount | None:
        with self._lock:
            return next((a for a in self._accounts.values() if a.account_id == account_id), None)

    # ---------------------------------------------------------------- payments
    def add_payment(self, payment: Payment) -> tuple[Payment, bool]:
        with self._lock:
            stored = self._payments.get(payment.reservation_id)
            if stored is not None:
                return stored, False
            stored = self._payments[payment.reservation_id] = as_stored(payment)
            return stored, True

    def get_payment(self, reservation_id: str) -> Payment | None:
        with self._lock:
            return self._payments.get(reservation_id)

    def find_payment_by_intent(self, payment_intent_id: str) -> Payment | None:
        with self._lock:
            return next((p for p in self._payments.values() if p.payment_intent_id == payment_intent_id), None)

    def update_payment(self, payment: Payment) -> Payment | None:
        with self._lock:
            stored = self._payments.get(payment.reservation_id)
            if stored is None or stored.version != payment.version:
                return None
            saved = self._payments[payment.reservation_id] = as_stored(replace(payment, version=payment.version + 1))
            return saved

    def open_payments(
        self, hold_ended_by: datetime | None = None, limit: int = 1000, after: Payment | None = None,
        state: PaymentState = PaymentState.OPEN,
    ) -> list[Payment]:
        with self._lock:
            found = sorted(
                (p for p in self._payments.values()
                 if p.state is state and (hold_ended_by is None or p.hold_expires_at <= hold_ended_by)
                 and (after is None or (p.hold_expires_at, p.reservation_id)
                      > (after.hold_expires_at, after.reservation_id))),
                key=lambda p: (p.hold_expires_at, p.reservation_id),
            )
        return found[: max(limit, 0)]

    def claim_payment(self, reservation_id: str, owner: str, now: datetime, until: datetime) -> bool:
        with self._lock:
            if reservation_id not in self._payments:
                return False
            lease = self._payment_claims.get(reservation_id)
            if lease is not None and not lease.free_for(owner, now):
                return False
            self._payment_claims[reservation_id] = _Lease(owner, until)
            return True

    def release_payment_claim(self, reservation_id: str, owner: str) -> None:
        with self._lock:
            lease = self._payment_claims.get(reservation_id)
            if lease is not None and lease.owner == owner:
                del self._payment_claims[reservation_id]

    # ---------------------------------------------------------------- webhook events
    def begin_webhook_event(self, event_id: str, event_type: str, now: datetime, until: datetime) -> bool:
        with self._lock:
            if event_id in self._webhooks_done:
                return False
            claimed_until = self._webhook_claims.get(event_id)
            if claimed_until is not None and claimed_until > now:  # someone is still processing it
                return False
            self._webhook_claims[event_id] = until
            return True

    def finish_webhook_event(self, event_id: str, now: datetime) -> None:
        with self._lock:
            if self._webhook_claims.pop(event_id, None) is not None:
                self._webhooks_done.add(event_id)

    def abandon_webhook_event(self, event_id: str) -> None:
        with self._lock:
            self._webhook_claims.pop(event_id, None)

    def webhook_event_done(self, event_id: str) -> bool:
        with self._lock:
            return event_id in self._webhooks_done

    # ---------------------------------------------------------------- refunds
    def start_refund(self, refund: Refund) -> tuple[Refund, bool]:
        with self._lock:
            existing = self._refunds.get(refund.id)
            if existing is not None:
                return existing, False
            if any(ticket_id in self._refunded_tickets for ticket_id in refund.ticket_ids):
                raise TicketsBeingRefunded()
            self._refunded_tickets.update((ticket_id, refund.id) for ticket_id in refund.ticket_ids)
            self._refunds[refund.id] = as_stored(refund)
        return refund, True

    def finish_refund(
        self, refund_id: str, status: RefundStatus, now: datetime, stripe_refund_id: str | None = None,
        failure: str | None = None,
    ) -> Refund | None:
        if status is RefundStatus.PENDING:
            raise ValueError("a refund finishes as succeeded or failed")
        with self._lock:
            refund = self._refunds.get(refund_id)
            if refund is None or refund.status is not RefundStatus.PENDING:
                return None
            finished = as_stored(replace(refund, status=status, finished_at=now, failure=failure,
                                         stripe_refund_id=stripe_refund_id or refund.stripe_refund_id))
            if status is RefundStatus.FAILED:  # its tickets may be refunded by another refund
                for ticket_id in refund.ticket_ids:
                    self._refunded_tickets.pop(ticket_id, None)
            elif refund.restock:
                changed: dict[str, Tier] = {}
                for tier_id, quantity in refund.tier_quantities:
                    tier = changed.get(tier_id) or self._tiers.get(tier_id)
                    if tier is None or tier.sold < quantity:
                        raise RuntimeError(f"sold count of tier {tier_id} is inconsistent")
                    changed[tier_id] = replace(tier, sold=tier.sold - quantity)
                self._write_tiers(changed)
            self._refunds[refund_id] = finished
            return finished

    def get_refund(self, refund_id: str) -> Refund | None:
        with self._lock:
            return self._refunds.get(refund_id)

    def list_refunds(self, event_id: str) -> list[Refund]:
        with self._lock:
            return sorted((r for r in self._refunds.values() if r.event_id == event_id),
                          key=lambda r: (r.created_at, r.id))

    def pending_refunds(self, limit: int = 500) -> list[Refund]:
        with self._lock:
            pending = sorted((r for r in self._refunds.values() if r.status is RefundStatus.PENDING),
                             key=lambda r: (r.created_at, r.id))
        return pending[: max(limit, 0)]

    # ---------------------------------------------------------------- leases
    def acquire_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        with self._lock:
            lease = self._leases.get(name)
            if lease is not None and not lease.free_for(owner, now):
                return False
            self._leases[name] = _Lease(owner, until)
            return True
