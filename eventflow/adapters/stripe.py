"""The Stripe adapter: `ConnectGateway` on stripe-python's `StripeClient`. The only module that
imports the SDK or speaks Stripe's vocabulary: it translates webhook event types, session,
payment intent and refund statuses and metadata keys into the domain's plain records and enums
(`eventflow.domain.payments.gateway`), and back.

Requests retry on network errors, timeouts and 5xx with the same idempotency key (the SDK's own
retries, `max_network_retries`); every create carries a key derived from EventFlow's ids, so a
retry after a timeout gets the object made by the first attempt instead of a second one.
`EVENTFLOW_STRIPE_API_BASE` points the client at another server (the tests' local Stripe).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import stripe
from stripe.params.checkout import SessionCreateParams, SessionCreateParamsPaymentIntentData

from eventflow.domain.payments.gateway import (
    AccountDebit,
    AccountInfo,
    BadSignature,
    Balance,
    ChargeInfo,
    CheckoutRequest,
    DisputeInfo,
    GatewayError,
    MalformedEvent,
    Money,
    PaymentEvent,
    PaymentEventKind,
    PaymentIntentInfo,
    PaymentOutcome,
    PaymentSubject,
    Payout,
    RefundInfo,
    RefundOutcome,
    SessionInfo,
    SessionState,
)
from eventflow.domain.payments.records import DisputeStatus

T = TypeVar("T")
RETRYABLE = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)

# The webhook events EventFlow acts on (the endpoint in Stripe's dashboard subscribes to these);
# every other type is acknowledged and ignored.
EVENT_KINDS: dict[str, PaymentEventKind] = {
    "checkout.session.completed": PaymentEventKind.SESSION_CHANGED,
    "checkout.session.async_payment_succeeded": PaymentEventKind.SESSION_CHANGED,
    "checkout.session.expired": PaymentEventKind.SESSION_CHANGED,
    "checkout.session.async_payment_failed": PaymentEventKind.SESSION_PAYMENT_FAILED,
    "payment_intent.payment_failed": PaymentEventKind.CARD_DECLINED,
    "charge.refunded": PaymentEventKind.CHARGE_REFUNDED,
    "account.updated": PaymentEventKind.ACCOUNT_UPDATED,
    "charge.dispute.created": PaymentEventKind.DISPUTE_CHANGED,
    "charge.dispute.updated": PaymentEventKind.DISPUTE_CHANGED,
    "charge.dispute.closed": PaymentEventKind.DISPUTE_CHANGED,
}
SESSION_STATES = {"open": SessionState.OPEN, "complete": SessionState.COMPLETE, "expired": SessionState.EXPIRED}
# The object each kind of event is about; a signed event about anything else is malformed.
SUBJECT_OF_KIND: dict[PaymentEventKind, type[PaymentSubject]] = {
    PaymentEventKind.SESSION_CHANGED: SessionInfo, PaymentEventKind.SESSION_PAYMENT_FAILED: SessionInfo,
    PaymentEventKind.CARD_DECLINED: PaymentIntentInfo, PaymentEventKind.CHARGE_REFUNDED: ChargeInfo,
    PaymentEventKind.ACCOUNT_UPDATED: AccountInfo, PaymentEventKind.DISPUTE_CHANGED: DisputeInfo,
}
# A dispute in any other status (needs_response, warning_needs_response...) is open. An inquiry
# closed without a chargeback (warning_closed) moved no money: for EventFlow it is won.
DISPUTE_STATUSES = {
    "under_review": DisputeStatus.UNDER_REVIEW, "warning_under_review": DisputeStatus.UNDER_REVIEW,
    "won": DisputeStatus.WON, "warning_closed": DisputeStatus.WON, "lost": DisputeStatus.LOST,
}
# What reading a signed body that is not a well-formed event raises (a key missing, a list where an
# object belongs, text where a number belongs, a timestamp beyond the calendar).
MALFORMED = (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError)
STATUS_OF_SESSION_STATE = {state: status for status, state in SESSION_STATES.items()}
# A payment intent in any other status (processing, requires_action...) is still pending.
PAYMENT_OUTCOMES = {
    "succeeded": PaymentOutcome.SUCCEEDED,
    "requires_payment_method": PaymentOutcome.FAILED,
    "canceled": PaymentOutcome.FAILED,
}
# A refund in any other status (succeeded, pending, requires_action) is accepted: the money goes back.
REFUND_OUTCOMES = {"failed": RefundOutcome.FAILED, "canceled": RefundOutcome.CANCELED}
REFUND_KEY = "eventflow_refund"  # the refund's metadata key holding EventFlow's refund id
# Stripe replaces this in the success URL, so the return page learns which session came back.
SESSION_ID_PLACEHOLDER = "session_id={CHECKOUT_SESSION_ID}"


class StripeConnect:
    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        timeout_seconds: float = 30.0,
        max_network_retries: int = 3,
        webhook_tolerance_seconds: int = 300,
    ) -> None:
        base = api_base.rstrip("/") if api_base else None
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": base, "connect": base, "files": base} if base else None,
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
            max_network_retries=max_network_retries,
        )
        self._webhook_secret = webhook_secret
        self._tolerance = webhook_tolerance_seconds
        self._platform_id: str | None = None  # the platform's own account, for account debits

    # ------------------------------------------------------------ accounts
    def create_account(self, organizer_id: str, email: str, idempotency_key: str) -> AccountInfo:
        account = _call(lambda: self.client.v1.accounts.create(
            {"type": "express", "email": email, "metadata": {"organizer_id": organizer_id},
             "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}}},
            {"idempotency_key": idempotency_key},
        ))
        return account_info(account.to_dict())

    def retrieve_account(self, account_id: str) -> AccountInfo:
        return account_info(_call(lambda: self.client.v1.accounts.retrieve(account_id)).to_dict())

    def onboarding_link(self, account_id: str, refresh_url: str, return_url: str) -> str:
        link = _call(lambda: self.client.v1.account_links.create({
            "account": account_id, "refresh_url": refresh_url, "return_url": return_url,
            "type": "account_onboarding",
        }))
        return str(link.url)

    # ------------------------------------------------------------ checkout sessions
    def create_session(self, request: CheckoutRequest) -> SessionInfo:
        currency = request.currency.lower()
        metadata = {"reservation_id": request.reservation_id, "event_id": request.event_id}
        intent: SessionCreateParamsPaymentIntentData = {
            "transfer_data": {"destination": request.destination_account},
            "metadata": metadata, "description": request.description,
        }
        if request.application_fee_minor:
            intent["application_fee_amount"] = request.application_fee_minor
        if request.on_behalf_of:
            intent["on_behalf_of"] = request.on_behalf_of
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {"quantity": item.quantity,
                 "price_data": {"currency": currency, "unit_amount": item.unit_amount_minor,
                                "product_data": {"name": item.name}}}
                for item in request.line_items
            ],
            "payment_intent_data": intent,
            "metadata": metadata,
            "client_reference_id": request.reservation_id,
            "customer_email": request.customer_email,
            "success_url": _with_query(request.success_url, SESSION_ID_PLACEHOLDER),
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
        }
        session = _call(lambda: self.client.v1.checkout.sessions.create(
            params, {"idempotency_key": request.idempotency_key}))
        return session_info(session.to_dict())

    def retrieve_session(self, session_id: str) -> SessionInfo:
        return session_info(_call(lambda: self.client.v1.checkout.sessions.retrieve(session_id)).to_dict())

    def expire_session(self, session_id: str) -> SessionInfo:
        try:
            return session_info(_call(lambda: self.client.v1.checkout.sessions.expire(session_id)).to_dict())
        except GatewayError as error:
            if error.retryable:
                raise
            # Not open any more (paid or expired meanwhile): say how it ended.
            return self.retrieve_session(session_id)

    def list_sessions(self, state: SessionState, created_since: datetime) -> list[SessionInfo]:
        status = STATUS_OF_SESSION_STATE[state]
        page = _call(lambda: self.client.v1.checkout.sessions.list(
            {"status": status, "created": {"gte": int(created_since.timestamp())}, "limit": 100}))
        return _call(lambda: [session_info(s.to_dict()) for s in page.auto_paging_iter()])

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo:
        return intent_info(_call(lambda: self.client.v1.payment_intents.retrieve(payment_intent_id)).to_dict())

    # ------------------------------------------------------------ refunds
    def create_refund(
        self, payment_intent_id: str, amount_minor: int, refund_key: str, reservation_id: str,
        reversal_minor: int | None = None, debit: AccountDebit | None = None,
    ) -> RefundInfo:
        metadata = {REFUND_KEY: refund_key, "reservation_id": reservation_id}
        if reversal_minor is None:  # Stripe's own proportions are EventFlow's (no processing estimate)
            refund = _call(lambda: self.client.v1.refunds.create(
                {"payment_intent": payment_intent_id, "amount": amount_minor, "refund_application_fee": True,
                 "reverse_transfer": True, "metadata": metadata},
                {"idempotency_key": refund_key},
            ))
            return refund_info(refund.to_dict())
        # The organizer's share first, exactly: a crash before the refund repeats them with the same
        # keys, and a refund found later by `find_refund` always had its debit and reversal made.
        if debit is not None and debit.amount_minor:
            self._debit(debit, metadata, f"{refund_key}-debit")
        if reversal_minor:
            transfer = self._transfer_of(payment_intent_id)
            _call(lambda: self.client.v1.transfers.reversals.create(
                transfer, {"amount": reversal_minor, "metadata": metadata},
                {"idempotency_key": f"{refund_key}-reversal"}))
        refund = _call(lambda: self.client.v1.refunds.create(
            {"payment_intent": payment_intent_id, "amount": amount_minor, "metadata": metadata},
            {"idempotency_key": refund_key},
        ))
        return refund_info(refund.to_dict())

    def _debit(self, debit: AccountDebit, metadata: dict[str, str], key: str) -> None:
        """Stripe's account debit: a Transfer made on the organizer's connected account (the
        `Stripe-Account` header) to the platform's own account (docs/payments.md, its limits)."""
        platform = self._platform_account()
        _call(lambda: self.client.v1.transfers.create(
            {"amount": debit.amount_minor, "currency": debit.currency.lower(), "destination": platform,
             "description": "Processing fee of a refund the organizer gave in full", "metadata": metadata},
            {"idempotency_key": key, "stripe_account": debit.account_id}))

    def _platform_account(self) -> str:
        """The platform's own account id (`GET /v1/account`), read once."""
        if self._platform_id is None:
            self._platform_id = _text(_call(lambda: self.client.v1.accounts.retrieve_current()).to_dict()["id"])
        return self._platform_id

    def transfer_left(self, payment_intent_id: str) -> int:
        transfer_id = self._transfer_of(payment_intent_id)
        transfer = _call(lambda: self.client.v1.transfers.retrieve(transfer_id)).to_dict()
        return _amount(transfer.get("amount")) - _amount(transfer.get("amount_reversed"))

    def reverse_transfer(self, payment_intent_id: str, amount_minor: int, key: str) -> None:
        transfer_id = self._transfer_of(payment_intent_id)
        _call(lambda: self.client.v1.transfers.reversals.create(
            transfer_id, {"amount": amount_minor, "metadata": {"eventflow_recovery": key}}, {"idempotency_key": key}))

    def _transfer_of(self, payment_intent_id: str) -> str:
        """The destination charge's transfer to the organizer."""
        intent = _call(lambda: self.client.v1.payment_intents.retrieve(
            payment_intent_id, {"expand": ["latest_charge"]})).to_dict()
        charge = intent.get("latest_charge")
        transfer = _id(charge.get("transfer")) if isinstance(charge, dict) else None
        if transfer is None:
            raise GatewayError(f"payment {payment_intent_id} has no transfer to reverse", retryable=False)
        return transfer

    def find_refund(self, payment_intent_id: str, refund_key: str) -> RefundInfo | None:
        page = _call(lambda: self.client.v1.refunds.list({"payment_intent": payment_intent_id, "limit": 100}))
        for refund in _call(lambda: [r.to_dict() for r in page.auto_paging_iter()]):
            if (refund.get("metadata") or {}).get(REFUND_KEY) == refund_key:
                return refund_info(refund)
        return None

    def retrieve_dispute(self, dispute_id: str) -> DisputeInfo:
        return dispute_info(_call(lambda: self.client.v1.disputes.retrieve(dispute_id)).to_dict())

    # ------------------------------------------------------------ the organizer's money
    def balance(self, account_id: str) -> Balance:
        data = _call(lambda: self.client.v1.balance.retrieve(options={"stripe_account": account_id})).to_dict()
        return Balance(
            available=tuple(Money(int(b["amount"]), str(b["currency"]).upper()) for b in data.get("available", [])),
            pending=tuple(Money(int(b["amount"]), str(b["currency"]).upper()) for b in data.get("pending", [])),
        )

    def payouts(self, account_id: str, limit: int = 10) -> list[Payout]:
        page = _call(lambda: self.client.v1.payouts.list({"limit": limit}, {"stripe_account": account_id}))
        return [
            Payout(payout_id=p["id"], amount_minor=int(p["amount"]), currency=str(p["currency"]).upper(),
                   arrival_date=_instant(p.get("arrival_date")), status=str(p.get("status", "")))
            for p in (item.to_dict() for item in page.data)
        ]

    # ------------------------------------------------------------ webhooks
    def parse_webhook(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """Verify the signature and its age, then read the body: BadSignature for a delivery that
        does not verify, MalformedEvent for a signed body that is not an event EventFlow can read."""
        try:
            text = payload.decode("utf-8")
            stripe.WebhookSignature.verify_header(text, signature, self._webhook_secret, self._tolerance)
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
            raise BadSignature(str(error)) from None
        assert signature is not None  # it verified
        # The SDK only refuses signatures older than the tolerance; one dated ahead (a clock far off,
        # or a captured delivery kept for later) is refused the same way.
        signed_at = _signed_at(signature)
        if signed_at > time.time() + self._tolerance:
            raise BadSignature(f"Timestamp in the future, beyond the tolerance zone ({signed_at})")
        try:
            return webhook_event(json.loads(text))
        except MALFORMED as error:
            raise MalformedEvent(f"{type(error).__name__}: {error}") from None


# ---------------------------------------------------------------- SDK objects -> records
def webhook_event(data: Any) -> PaymentEvent:
    """A webhook's parsed JSON body as a record; raises one of MALFORMED when it is not a
    well-formed event (only what EventFlow acts on is read: an ignored type needs an id and a type)."""
    if not isinstance(data, dict):
        raise TypeError("the body is not a JSON object")
    event_id, event_type = _text(data["id"]), _text(data["type"])
    kind = EVENT_KINDS.get(event_type)
    if kind is None:
        return PaymentEvent(event_id=event_id, kind=None, provider_type=event_type, subject=None)
    obj = data["data"]["object"]
    if not isinstance(obj, dict):
        raise TypeError("data.object is not a JSON object")
    subject = _subject(obj)
    if not isinstance(subject, SUBJECT_OF_KIND[kind]):
        raise ValueError(f"a {event_type} event about {obj.get('object')!r}")
    return PaymentEvent(event_id=event_id, kind=kind, provider_type=event_type, subject=subject)


def _signed_at(header: str) -> int:
    """The `t=` of a Stripe-Signature header that verified (the first one, as the SDK reads it)."""
    return int(next(value for key, _, value in (item.partition("=") for item in header.split(",")) if key == "t"))


def _text(value: Any) -> str:
    """A required id or name: text, not empty."""
    if not isinstance(value, str) or not value:
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None or value == "" else _text(value)


def _amount(value: Any) -> int:
    """Minor units: an integer (absent is 0); Stripe never sends a fraction, text or true/false."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer amount, got {type(value).__name__}")
    return value


def _call(operation: Callable[[], T]) -> T:
    try:
        return operation()
    except RETRYABLE as error:
        raise GatewayError(_message(error), retryable=True) from error
    except stripe.StripeError as error:
        raise GatewayError(_message(error), retryable=False) from error


def _message(error: stripe.StripeError) -> str:
    return f"{type(error).__name__}: {error.user_message or error}"


def _id(value: Any) -> str | None:
    """An id, whether the field came expanded (an object) or not."""
    if isinstance(value, dict):
        return _text(value.get("id"))
    return _optional_text(value)


def _instant(seconds: Any) -> datetime:
    return datetime.fromtimestamp(_amount(seconds), tz=UTC)


def _with_query(url: str, parameter: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{parameter}"


def _subject(obj: dict[str, Any]) -> PaymentSubject | None:
    """The object a webhook is about, as a record (None for kinds EventFlow does not read)."""
    kind = obj.get("object")
    if kind == "checkout.session":
        return session_info(obj)
    if kind == "account":
        return account_info(obj)
    if kind == "charge":
        return ChargeInfo(
            charge_id=_text(obj["id"]), payment_intent_id=_id(obj.get("payment_intent")),
            amount_minor=_amount(obj.get("amount")), amount_refunded_minor=_amount(obj.get("amount_refunded")),
        )
    if kind == "payment_intent":
        return intent_info(obj)
    if kind == "dispute":
        return dispute_info(obj)
    return None


def account_info(data: dict[str, Any]) -> AccountInfo:
    requirements = data.get("requirements") or {}
    due = list(requirements.get("past_due") or []) + list(requirements.get("currently_due") or [])
    return AccountInfo(
        account_id=_text(data["id"]), charges_enabled=bool(data.get("charges_enabled")),
        payouts_enabled=bool(data.get("payouts_enabled")), details_submitted=bool(data.get("details_submitted")),
        requirements_due=tuple(dict.fromkeys(_text(item) for item in due)),
        disabled_reason=_optional_text(requirements.get("disabled_reason")),
        country=(_optional_text(data.get("country")) or "").upper() or None,
    )


def session_info(data: dict[str, Any]) -> SessionInfo:
    metadata = data.get("metadata") or {}
    status = str(data.get("status") or "")
    return SessionInfo(
        # A status Stripe may add one day is taken as still open: nothing is decided on it.
        session_id=_text(data["id"]), state=SESSION_STATES.get(status, SessionState.OPEN),
        paid=status == "complete" and data.get("payment_status") == "paid",
        reservation_id=_optional_text(metadata.get("reservation_id") or data.get("client_reference_id")),
        url=_optional_text(data.get("url")), amount_minor=_amount(data.get("amount_total")),
        payment_intent_id=_id(data.get("payment_intent")), created=_instant(data.get("created")),
    )


def intent_info(data: dict[str, Any]) -> PaymentIntentInfo:
    error = data.get("last_payment_error") or {}
    return PaymentIntentInfo(
        payment_intent_id=_text(data["id"]),
        outcome=PAYMENT_OUTCOMES.get(str(data.get("status") or ""), PaymentOutcome.PENDING),
        reservation_id=_optional_text((data.get("metadata") or {}).get("reservation_id")),
        failure_message=_optional_text(error.get("message")),
    )


def refund_info(data: dict[str, Any]) -> RefundInfo:
    return RefundInfo(refund_id=data["id"],
                      outcome=REFUND_OUTCOMES.get(str(data.get("status") or ""), RefundOutcome.ACCEPTED),
                      amount_minor=int(data.get("amount") or 0))


def dispute_info(data: dict[str, Any]) -> DisputeInfo:
    transactions = data.get("balance_transactions") or []
    return DisputeInfo(
        dispute_id=_text(data["id"]), payment_intent_id=_id(data.get("payment_intent")),
        amount_minor=_amount(data.get("amount")), currency=str(data.get("currency") or "").upper(),
        status=DISPUTE_STATUSES.get(str(data.get("status") or ""), DisputeStatus.OPEN),
        reason=str(data.get("reason") or ""),
        # The dispute fee is the fee of its balance transactions (a returned fee comes back negative).
        fee_minor=max(0, sum(_amount(t.get("fee")) for t in transactions if isinstance(t, dict))),
        created=_instant(data.get("created")),
    )
