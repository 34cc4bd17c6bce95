"""The reconciliation pass: find payments whose outcome is unknown and ask Stripe.

A webhook can be lost, arrive while the app is down, or be refused while another instance
held the payment's lease; this pass (every 5 minutes, and `python -m eventflow.app.reconcile`)
settles every session created but never reported final: paid ones are confirmed (or refunded,
as late payments), expired ones released, open ones whose hold ended are expired at Stripe.
Pending refunds are finished too. A named lease keeps concurrent instances from doing the same
work twice; and because every step is idempotent, two passes at once would still be correct.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from eventflow.domain.errors import DomainError
from eventflow.domain.models import new_id
from eventflow.domain.payments.errors import PaymentBusy
from eventflow.domain.payments.gateway import GatewayError, SessionInfo, SessionState
from eventflow.domain.payments.records import Payment, PaymentState
from eventflow.domain.payments.settle import StripePayments

log = logging.getLogger(__name__)

LEASE_NAME = "stripe-reconciliation"
RETRIEVE_ONE_BY_ONE = 50  # up to this many unknown payments, one GET each; beyond, list sessions by page
LIST_MARGIN = timedelta(minutes=5)  # clock differences between us and Stripe


@dataclass
class ReconcileReport:
    skipped: bool = False  # another instance holds the lease
    checked: int = 0
    settled: int = 0  # payments whose state changed (paid, refunded, expired, failed)
    expired: int = 0  # sessions expired at Stripe because their hold had ended
    still_open: int = 0
    busy: int = 0  # being settled by someone else right now
    errors: int = 0
    refunds_finished: int = 0

    def __str__(self) -> str:
        if self.skipped:
            return "skipped: another instance is reconciling"
        return (f"checked {self.checked}, settled {self.settled}, expired {self.expired}, still open "
                f"{self.still_open}, busy {self.busy}, errors {self.errors}, refunds finished {self.refunds_finished}")


class Reconciler:
    def __init__(self, payments: StripePayments, lease: timedelta = timedelta(minutes=4)) -> None:
        self.payments = payments
        self.store = payments.store
        self.clock = payments.clock
        self.lease = lease
        self.owner = new_id("reconciler", 12)

    def run_once(self) -> ReconcileReport:
        now = self.clock.now()
        if not self.store.acquire_lease(LEASE_NAME, self.owner, now, now + self.lease):
            return ReconcileReport(skipped=True)
        report = ReconcileReport()
        unknown = self._unknown_payments()
        report.checked = len(unknown)
        sessions = self._sessions_of(unknown, report)
        for payment in unknown:
            self._reconcile_one(payment, sessions.get(payment.session_id), report)
        report.refunds_finished = self.payments.refunds.retry_pending()
        done = self.clock.now()
        self.store.acquire_lease(LEASE_NAME, self.owner, done, done)  # hand the lease back: ends now
        if report.checked or report.refunds_finished:
            log.info("reconciliation: %s", report)
        return report

    def _unknown_payments(self) -> list[Payment]:
        found: list[Payment] = []
        for state in (PaymentState.OPEN, PaymentState.AWAITING):
            after: Payment | None = None
            while True:
                page = self.store.open_payments(limit=1000, after=after, state=state)
                found.extend(page)
                if len(page) < 1000:
                    break
                after = page[-1]
        return found

    def _sessions_of(self, payments: list[Payment], report: ReconcileReport) -> dict[str, SessionInfo]:
        """How Stripe sees each payment's session: one GET each for a few, else every complete and
        expired session since the oldest one (100 per request) and the rest taken as open."""
        sessions: dict[str, SessionInfo] = {}
        if len(payments) <= RETRIEVE_ONE_BY_ONE:
            for payment in payments:
                try:
                    sessions[payment.session_id] = self.payments.gateway.retrieve_session(payment.session_id)
                except GatewayError as error:
                    report.errors += 1
                    log.warning("reconciliation: session %s: %s", payment.session_id, error)
            return sessions
        wanted = {payment.session_id for payment in payments}
        since = min(payment.created_at for payment in payments) - LIST_MARGIN
        for state in (SessionState.COMPLETE, SessionState.EXPIRED):
            try:
                listed = self.payments.gateway.list_sessions(state, since)
            except GatewayError as error:
                report.errors += 1
                log.warning("reconciliation: listing %s sessions: %s", state.name.lower(), error)
                continue
            sessions.update((s.session_id, s) for s in listed if s.session_id in wanted)
        return sessions

    def _reconcile_one(self, payment: Payment, session: SessionInfo | None, report: ReconcileReport) -> None:
        try:
            if session is not None and session.state is not SessionState.OPEN:
                self.payments.apply_session(session, payment)
            elif payment.state is PaymentState.OPEN and payment.hold_expires_at <= self.clock.now():
                self.payments.expire_one(payment)
                report.expired += 1
            else:
                report.still_open += 1
                return
        except PaymentBusy:
            report.busy += 1
            return
        except (GatewayError, DomainError) as error:
            report.errors += 1
            log.warning("reconciliation: reservation %s: %s", payment.reservation_id, error)
            return
        after = self.store.get_payment(payment.reservation_id)
        if after is not None and after.state is not payment.state:
            report.settled += 1
