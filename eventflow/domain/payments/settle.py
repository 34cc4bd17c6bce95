"""Card payments with Stripe Connect: one Checkout Session per reservation, webhooks, late
payments, and expiring the session when the hold ends first. `StripePayments` is also what the
edges call for onboarding, which lives in `onboarding.py`.

The promise is that nothing is stranded: every payment that succeeds ends as exactly one order
with its tickets, or as a full refund the buyer is told about. Deciding between the two (confirm
or refund) happens under a per-payment lease, so two instances, or a webhook racing the
reconciliation job, never decide differently; every step is idempotent, so a crash anywhere is
repaired by the next delivery or reconciliation pass. Refunds: `refunds.py`; the periodic pass
that asks Stripe about payments whose outcome is unknown: `reconciliation.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from eventflow.domain.checkout import mail_tickets
from eventflow.domain.errors import Conflict, NotFound, ReservationClosed, SoldOut, ValidationFailed
from eventflow.domain.models import Event, Organizer, Reservation, ReservationLine, new_id
from eventflow.domain.money import FeeMode, format_money
from eventflow.domain.payments.disputes import Disputes
from eventflow.domain.payments.errors import PaymentBusy, PaymentsNotReady, ask_provider
from eventflow.domain.payments.gateway import (
    AccountInfo,
    Balance,
    ChargeInfo,
    CheckoutRequest,
    ConnectGateway,
    DisputeInfo,
    GatewayError,
    LineItem,
    PaymentEvent,
    PaymentEventKind,
    PaymentIntentInfo,
    PaymentOutcome,
    Payout,
    SessionInfo,
    SessionState,
)
from eventflow.domain.payments.onboarding import Onboarding
from eventflow.domain.payments.ports import RefundNotifier
from eventflow.domain.payments.records import (
    ConnectedAccount,
    Payment,
    PaymentState,
    Refund,
    RefundReason,
    RefundStatus,
)
from eventflow.domain.payments.refunds import Refunds, payment_refund
from eventflow.domain.ports import PaymentStore, TicketMailer
from eventflow.domain.processing_fees import (
    PROCESSING_LINE,
    PROCESSOR_PRICES,
    ChargeSplit,
    ProcessingFees,
    ProcessorPrice,
    split_charge,
)
from eventflow.domain.reservations import Ticketing

log = logging.getLogger(__name__)

# Stripe refuses a Checkout Session that ends sooner than 30 minutes after creation; ours ends
# this long after the hold (and is expired by us when the hold ends).
SESSION_GRACE = timedelta(minutes=32)
SESSION_MAX_LIFETIME = timedelta(hours=23)


@dataclass(frozen=True, slots=True)
class PaymentsConfig:
    public_url: str
    test_mode: bool
    lease: timedelta = timedelta(seconds=30)
    restock_refunds: bool = True
    processing: ProcessingFees = ProcessingFees.ABSORB  # who carries the processor's fee
    processor_prices: dict[str, ProcessorPrice] = field(default_factory=lambda: dict(PROCESSOR_PRICES))
    platform_country: str | None = None  # ISO 3166; organizers elsewhere are the merchant (on_behalf_of)


def checkout_lines(
    reservation: Reservation, event: Event, tier_names: dict[str, str], processing_minor: int = 0
) -> tuple[LineItem, ...]:
    """The buyer's breakdown as line items: each tier at its price, then the platform fee when the
    buyer pays it, then "Payment processing" when it is passed on (`processing_minor`, see
    `ChargeSplit.buyer_processing_minor`). They add up to `reservation.total_minor` plus that exactly."""
    items = [
        LineItem(f"{tier_names.get(line.tier_id, 'Ticket')} · {event.title}{_discount_note(reservation, line)}",
                 line.unit_price_minor, line.quantity)
        for line in reservation.lines
    ]
    if reservation.fee_mode is FeeMode.BUYER_PAYS and reservation.fee_minor:
        items.append(LineItem("Platform fee", reservation.fee_minor, 1))
    if processing_minor:
        items.append(LineItem(PROCESSING_LINE, processing_minor, 1))
    return tuple(items)


def _discount_note(reservation: Reservation, line: ReservationLine) -> str:
    """An access code's discount, named on the Checkout Session's line (its amount is already after it)."""
    if not line.unit_discount_minor or reservation.code is None:
        return ""
    return f" (code {reservation.code.code}: {format_money(line.unit_discount_minor, reservation.currency)} off)"


class StripePayments:
    """The `PaymentGateway` of Checkout when Stripe is configured, and the webhook handler."""

    name = "stripe"

    def __init__(
        self,
        ticketing: Ticketing,
        store: PaymentStore,
        gateway: ConnectGateway,
        mailer: TicketMailer,
        notifier: RefundNotifier,
        config: PaymentsConfig,
        checkpoint: Callable[[str], None] | None = None,
        disputes: Disputes | None = None,
    ) -> None:
        self.ticketing = ticketing
        self.store = store
        self.gateway = gateway
        self.mailer = mailer
        self.config = config
        self.clock = ticketing.clock
        self.test_mode = config.test_mode
        self.onboarding = Onboarding(store, gateway, self.clock, config.public_url)
        self.refunds = Refunds(ticketing, store, gateway, notifier, restock_default=config.restock_refunds)
        self.disputes = disputes  # chargebacks (disputes.py); None: their notifications are only logged
        # Named points where a fault test may kill the process (eventflow.app.jobs); no-op otherwise.
        self.checkpoint = checkpoint or (lambda name: None)

    # ------------------------------------------------------------ organizer onboarding (onboarding.py)
    def start_onboarding(self, organizer: Organizer) -> str:
        return self.onboarding.start(organizer)

    def account(self, organizer_id: str) -> ConnectedAccount | None:
        return self.onboarding.account(organizer_id)

    def refresh_account(self, organizer_id: str) -> ConnectedAccount | None:
        return self.onboarding.refresh(organizer_id)

    def require_paid_sales_allowed(self, organizer_id: str) -> None:
        self.onboarding.require_paid_sales_allowed(organizer_id)

    def balance_and_payouts(self, account_id: str) -> tuple[Balance, list[Payout]]:
        return self.onboarding.balance_and_payouts(account_id)

    # ------------------------------------------------------------ checkout
    def start_payment(self, reservation: Reservation, event: Event) -> str:
        """The Checkout Session URL for this reservation: the same session on every call while it
        is open (and the same idempotency key, so a double click never makes two)."""
        account = self.store.get_connected_account(event.organizer_id)
        if account is None or not account.charges_enabled:
            raise PaymentsNotReady("This organizer cannot take card payments right now. You have not been charged.")
        payment = self.store.get_payment(reservation.id)
        if payment is not None and payment.state is PaymentState.OPEN:
            return payment.url
        if payment is not None and payment.state is PaymentState.AWAITING:
            raise ReservationClosed("Your bank is still processing your payment; your tickets follow by email")
        if payment is not None and payment.state not in (PaymentState.EXPIRED, PaymentState.FAILED):
            raise ReservationClosed("This reservation has been paid already")
        generation = payment.generation + 1 if payment else 1
        request = self.checkout_request(reservation, event, account, generation)
        session = ask_provider(self.gateway.create_session, request)
        now = self.clock.now()
        if payment is None:
            created = Payment(
                reservation_id=reservation.id, event_id=event.id, organizer_id=event.organizer_id,
                account_id=account.account_id, session_id=session.session_id, url=session.url or "",
                amount_minor=request.amount_minor, fee_minor=request.application_fee_minor,
                currency=reservation.currency, state=PaymentState.OPEN, created_at=now,
                hold_expires_at=reservation.expires_at, updated_at=now,
                processing_minor=self.charge_split(reservation).processing_minor,
            )
            stored, _ = self.store.add_payment(created)
            return stored.url
        renewed = self.store.update_payment(payment.changed(
            now, session_id=session.session_id, url=session.url or "", generation=generation,
            state=PaymentState.OPEN, created_at=now, account_id=account.account_id, amount_minor=request.amount_minor,
            fee_minor=request.application_fee_minor, processing_minor=self.charge_split(reservation).processing_minor,
        ))
        current = renewed or self.store.get_payment(reservation.id)
        if current is None or current.state is not PaymentState.OPEN:
            raise Conflict("The payment changed meanwhile; please try again")
        return current.url

    def checkout_request(
        self, reservation: Reservation, event: Event, account: ConnectedAccount, generation: int
    ) -> CheckoutRequest:
        """Everything in it derives from the reservation, so a retry sends identical parameters."""
        names = {tier.id: tier.name for tier in self.ticketing.store.get_tiers(event.id)}
        split = self.charge_split(reservation)
        base = self.config.public_url
        expires_at = min(reservation.expires_at + SESSION_GRACE, reservation.created_at + SESSION_MAX_LIFETIME)
        return CheckoutRequest(
            reservation_id=reservation.id, event_id=event.id, currency=reservation.currency,
            line_items=checkout_lines(reservation, event, names, split.buyer_processing_minor),
            application_fee_minor=split.application_fee_minor, destination_account=account.account_id,
            customer_email=reservation.buyer.email,
            success_url=f"{base}/pay/stripe/return/{reservation.id}",  # the adapter adds the session id
            cancel_url=f"{base}/checkout/{reservation.id}", expires_at=expires_at.replace(microsecond=0),
            description=f"{event.title}: {reservation.quantity} ticket(s), reservation {reservation.id}",
            idempotency_key=f"eventflow-checkout-{reservation.id}-{generation}",
            on_behalf_of=account.account_id if self.abroad(account) else None,
        )

    def abroad(self, account: ConnectedAccount) -> bool:
        """Whether the organizer's account is in another country than the platform's (both known)."""
        platform = self.config.platform_country
        return bool(platform and account.country and account.country.upper() != platform.upper())

    def charge_split(self, reservation: Reservation) -> ChargeSplit:
        """The card charge for this reservation: what the buyer pays (with "Payment processing" when
        passed on), the platform's application fee (platform fee + the processor's estimated fee),
        the organizer's transfer. The checkout page, Stripe's line items and the payment record
        all come from here."""
        return split_charge(reservation.total_minor, reservation.fee_minor, reservation.currency,
                            self.config.processing, self.config.processor_prices)

    def buyer_processing(self, reservation: Reservation) -> int:
        """The "Payment processing" line the buyer sees for this reservation (0 when absorbed, free,
        or too small to take by card: paying then says why). Pure arithmetic, no store or provider."""
        return self.buyer_processing_of(reservation.total_minor, reservation.fee_minor, reservation.currency)

    def buyer_processing_of(self, owed_minor: int, platform_fee_minor: int, currency: str) -> int:
        """The same for a cart not reserved yet (the event page shows the all-in price up front)."""
        try:
            return split_charge(owed_minor, platform_fee_minor, currency, self.config.processing,
                                self.config.processor_prices).buyer_processing_minor
        except ValidationFailed:
            return 0

    def sync(self, reservation_id: str) -> Payment | None:
        """Ask Stripe how this reservation's session stands and act on it (the buyer's return page
        does this, so a lost webhook never leaves a buyer waiting)."""
        payment = self.store.get_payment(reservation_id)
        if payment is None or payment.state not in (PaymentState.OPEN, PaymentState.AWAITING):
            return payment
        session = ask_provider(self.gateway.retrieve_session, payment.session_id)
        self.apply_session(session, payment)
        return self.store.get_payment(reservation_id)

    # ------------------------------------------------------------ webhooks
    def handle_webhook(self, payload: bytes, signature: str | None) -> str:
        """Verify, de-duplicate by event id, handle. Returns processed / duplicate / ignored.

        Raises BadSignature (nothing changes), PaymentBusy while another delivery of the same
        event or a decision on the same payment is in progress (the provider redelivers)."""
        event = self.gateway.parse_webhook(payload, signature)
        if event.kind is None:
            return "ignored"
        now = self.clock.now()
        if not self.store.begin_webhook_event(event.event_id, event.provider_type, now, now + self.config.lease):
            if self.store.webhook_event_done(event.event_id):
                return "duplicate"
            raise PaymentBusy("This event is being processed right now")
        try:
            self.checkpoint(f"webhook_claimed:{event.provider_type}")
            self.dispatch(event)
        except BaseException:
            self.store.abandon_webhook_event(event.event_id)
            raise
        self.store.finish_webhook_event(event.event_id, self.clock.now())
        return "processed"

    def dispatch(self, event: PaymentEvent) -> None:
        match event.kind, event.subject:
            case PaymentEventKind.SESSION_CHANGED, SessionInfo() as session:
                self.apply_session(session)
            case PaymentEventKind.SESSION_PAYMENT_FAILED, SessionInfo() as session:
                self._with_payment(session, self._payment_failed_locked)
            case PaymentEventKind.ACCOUNT_UPDATED, AccountInfo() as account:
                self.onboarding.account_updated(account.account_id)
            case PaymentEventKind.CARD_DECLINED, PaymentIntentInfo() as intent:
                self._note_decline(intent)
            case PaymentEventKind.CHARGE_REFUNDED, ChargeInfo() as charge:
                self.refunds.charge_refunded(charge)
            case PaymentEventKind.DISPUTE_CHANGED, DisputeInfo() as dispute:
                if self.disputes is None:
                    log.warning("dispute %s notified, but disputes are not set up here", dispute.dispute_id)
                else:
                    self.disputes.dispute_changed(dispute, self._deciding)

    # ------------------------------------------------------------ settling a session
    def apply_session(self, session: SessionInfo, payment: Payment | None = None) -> None:
        """Bring our records in line with the session as Stripe reports it (any order, any number
        of times)."""
        if session.state is SessionState.OPEN:
            return
        self._with_payment(session, self._apply_session_locked, payment)

    def _with_payment(
        self, session: SessionInfo, action: Callable[[Payment, SessionInfo], None], payment: Payment | None = None
    ) -> None:
        reservation_id = session.reservation_id or (payment.reservation_id if payment else None)
        if not reservation_id:
            log.warning("session %s carries no reservation id: not from EventFlow, ignored", session.session_id)
            return
        if self.store.get_payment(reservation_id) is None and self._adopt(reservation_id, session) is None:
            return
        with self._deciding(reservation_id):
            current = self.store.get_payment(reservation_id)
            if current is not None:
                action(current, session)

    def _apply_session_locked(self, payment: Payment, session: SessionInfo) -> None:
        if session.paid:
            self._settle_paid_locked(payment, session)
        elif session.state is SessionState.COMPLETE:  # a delayed payment method: the money is not in yet
            self._complete_unpaid_locked(payment, session)
        elif session.state is SessionState.EXPIRED and session.session_id == payment.session_id:
            if payment.state is PaymentState.OPEN:
                self._update(payment, state=PaymentState.EXPIRED)
            self.ticketing.expire(payment.reservation_id)  # the hold too, once it is due

    def _complete_unpaid_locked(self, payment: Payment, session: SessionInfo) -> None:
        if payment.state is PaymentState.OPEN:
            payment = self._update(payment, state=PaymentState.AWAITING, session_id=session.session_id,
                                   payment_intent_id=session.payment_intent_id)
        if payment.state is not PaymentState.AWAITING or not session.payment_intent_id:
            return
        intent = ask_provider(self.gateway.retrieve_payment_intent, session.payment_intent_id)
        if intent.outcome is PaymentOutcome.SUCCEEDED:
            self._settle_paid_locked(payment, replace(session, paid=True))
        elif intent.outcome is PaymentOutcome.FAILED:
            self._payment_failed_locked(payment, session)

    def _settle_paid_locked(self, payment: Payment, session: SessionInfo) -> None:
        """The money is in: issue the order, or refund when that cannot be done."""
        intent = session.payment_intent_id or f"session:{session.session_id}"
        if payment.state is PaymentState.PAID:
            if payment.payment_intent_id != intent:
                self._refund_extra_payment(payment, session, intent)
            return
        if payment.state in (PaymentState.REFUNDING, PaymentState.REFUNDED):
            if payment.payment_intent_id == intent:
                self._finish_late_refund(payment)
            else:
                self._refund_extra_payment(payment, session, intent)
            return
        self.checkpoint("before_confirm")
        try:
            order, _ = self.ticketing.confirm_once(payment.reservation_id, payment_ref=intent, late_ok=True)
        except SoldOut:
            refund = payment_refund(payment, intent, session.amount_minor or payment.amount_minor,
                                    RefundReason.LATE_SOLD_OUT, self.clock.now())
            payment = self._update(payment, state=PaymentState.REFUNDING, payment_intent_id=intent,
                                   session_id=session.session_id, refund_id=refund.id)
            self._finish_late_refund(payment, refund)
            return
        self.checkpoint("after_confirm")
        if order.payment_ref != intent:  # the reservation was paid by another session already
            self._refund_extra_payment(payment, session, intent)
            return
        # Mail before PAID: a crash in between mails twice, never zero times.
        mail_tickets(self.ticketing, self.mailer, order, payment.amount_minor)
        self._update(payment, state=PaymentState.PAID, order_id=order.id, payment_intent_id=intent,
                     session_id=session.session_id)

    def _finish_late_refund(self, payment: Payment, refund: Refund | None = None) -> None:
        refund = refund or self.store.get_refund(payment.refund_id or "")
        if refund is None:  # decided, but the refund record itself was never written
            refund = payment_refund(payment, payment.payment_intent_id or "", payment.amount_minor,
                                    RefundReason.LATE_SOLD_OUT, self.clock.now())
        done = self.refunds.execute(refund)
        if payment.state is PaymentState.REFUNDING and done.status is RefundStatus.SUCCEEDED:
            self._update(payment, state=PaymentState.REFUNDED)
            self.refunds.tell_buyer(done)

    def _refund_extra_payment(self, payment: Payment, session: SessionInfo, intent: str) -> None:
        """A second payment for a reservation that is already settled: give it back in full."""
        refund = payment_refund(payment, intent, session.amount_minor or payment.amount_minor,
                                RefundReason.DUPLICATE, self.clock.now())
        stored = self.store.get_refund(refund.id)
        done = self.refunds.execute(stored or refund)
        if stored is None or stored.status is RefundStatus.PENDING:
            self.refunds.tell_buyer(done)

    def _payment_failed_locked(self, payment: Payment, session: SessionInfo) -> None:
        if payment.state in (PaymentState.OPEN, PaymentState.AWAITING) and session.session_id == payment.session_id:
            self._update(payment, state=PaymentState.FAILED)
            with suppress(ReservationClosed, NotFound):
                self.ticketing.cancel(payment.reservation_id)

    def _note_decline(self, intent: PaymentIntentInfo) -> None:
        """A declined card: the session stays open for another try; remembered for the organizer."""
        payment = self.store.get_payment(intent.reservation_id or "")
        if payment is not None and payment.state is PaymentState.OPEN:
            self.store.update_payment(payment.changed(self.clock.now(), last_error=intent.failure_message))
        log.info("payment of reservation %s declined: %s", intent.reservation_id, intent.failure_message)

    def _adopt(self, reservation_id: str, session: SessionInfo) -> Payment | None:
        """A session we have no record of (the process died between creating it and saving it)."""
        reservation = self.ticketing.store.get_reservation(reservation_id)
        event = self.ticketing.store.get_event(reservation.event_id) if reservation else None
        if reservation is None or event is None:
            log.warning("session %s names unknown reservation %s", session.session_id, reservation_id)
            return None
        account = self.store.get_connected_account(event.organizer_id)
        now = self.clock.now()
        split = self.charge_split(reservation)
        payment, _ = self.store.add_payment(Payment(
            reservation_id=reservation.id, event_id=event.id, organizer_id=event.organizer_id,
            account_id=account.account_id if account else "", session_id=session.session_id,
            url=session.url or "", amount_minor=split.buyer_total_minor, fee_minor=split.application_fee_minor,
            currency=reservation.currency, state=PaymentState.OPEN, created_at=session.created or now,
            hold_expires_at=reservation.expires_at, updated_at=now, processing_minor=split.processing_minor,
        ))
        return payment

    # ------------------------------------------------------------ holds that end first
    def expire_ended_sessions(self, limit: int = 200) -> int:
        """Expire the sessions of holds that ended (Stripe's own expiry is 30+ minutes away). A
        session that was paid meanwhile comes back complete and is settled as a late payment."""
        handled = 0
        for payment in self.store.open_payments(hold_ended_by=self.clock.now(), limit=limit):
            try:
                self.expire_one(payment)
                handled += 1
            except PaymentBusy:
                continue
            except GatewayError as error:
                log.warning("expiring session %s failed: %s", payment.session_id, error)
        return handled

    def expire_one(self, payment: Payment) -> None:
        with self._deciding(payment.reservation_id):
            current = self.store.get_payment(payment.reservation_id)
            if current is None or current.state is not PaymentState.OPEN:
                return
            session = self.gateway.expire_session(current.session_id)
            self.checkpoint("session_expired")
            self._apply_session_locked(current, replace(session, reservation_id=current.reservation_id))

    # ------------------------------------------------------------ helpers
    @contextmanager
    def _deciding(self, reservation_id: str) -> Iterator[None]:
        owner = new_id("lease", 12)  # per decision, so two threads of one process exclude each other too
        now = self.clock.now()
        if not self.store.claim_payment(reservation_id, owner, now, now + self.config.lease):
            raise PaymentBusy()
        try:
            yield
        finally:
            self.store.release_payment_claim(reservation_id, owner)

    def _update(self, payment: Payment, **changes: Any) -> Payment:
        """Apply `changes` with compare-and-set, re-reading when a non-deciding writer (a new
        decline message, say) got in first."""
        for _ in range(10):
            stored = self.store.update_payment(payment.changed(self.clock.now(), **changes))
            if stored is not None:
                return stored
            fresh = self.store.get_payment(payment.reservation_id)
            if fresh is None:
                raise NotFound("The payment vanished")
            payment = fresh
        raise Conflict("The payment kept changing; please try again")
