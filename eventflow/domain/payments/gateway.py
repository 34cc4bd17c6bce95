"""The port to the card payment provider (Stripe Connect), in the domain's own terms.

The adapter (`eventflow.adapters.stripe`) is the only place that knows the SDK; everything it
returns is one of the plain records below, so the use cases and their tests never see SDK types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class GatewayError(Exception):
    """The provider did not do what was asked. `retryable` when trying again later may work
    (network, timeouts, 5xx), False when the request itself was refused."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class BadSignature(Exception):
    """A webhook whose signature does not verify (or is too old): ignore it."""


@dataclass(frozen=True, slots=True)
class AccountInfo:
    account_id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...] = ()
    disabled_reason: str | None = None


@dataclass(frozen=True, slots=True)
class LineItem:
    name: str
    unit_amount_minor: int
    quantity: int


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """One Checkout Session with a destination charge."""

    reservation_id: str
    event_id: str
    currency: str  # ISO code, upper case (the adapter lowers it for Stripe)
    line_items: tuple[LineItem, ...]
    application_fee_minor: int
    destination_account: str
    customer_email: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    description: str
    idempotency_key: str

    @property
    def amount_minor(self) -> int:
        return sum(item.unit_amount_minor * item.quantity for item in self.line_items)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A Checkout Session as the provider sees it now."""

    session_id: str
    status: str  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    reservation_id: str | None  # from the session's metadata
    url: str | None = None
    amount_minor: int = 0
    currency: str = ""
    payment_intent_id: str | None = None
    created: datetime | None = None

    @property
    def paid(self) -> bool:
        return self.status == "complete" and self.payment_status == "paid"


@dataclass(frozen=True, slots=True)
class RefundInfo:
    refund_id: str
    status: str  # succeeded | pending | failed | canceled | requires_action
    amount_minor: int
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChargeInfo:
    """A charge as seen in `charge.refunded`."""

    charge_id: str
    payment_intent_id: str | None
    amount_minor: int
    amount_refunded_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class PaymentIntentInfo:
    payment_intent_id: str
    status: str  # succeeded | processing | requires_payment_method | canceled | ...
    reservation_id: str | None
    failure_message: str | None = None


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str  # upper case


@dataclass(frozen=True, slots=True)
class Balance:
    available: tuple[Money, ...]
    pending: tuple[Money, ...]


@dataclass(frozen=True, slots=True)
class Payout:
    payout_id: str
    amount_minor: int
    currency: str
    arrival_date: datetime
    status: str


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified webhook: its id (for de-duplication), type, and the object it is about."""

    event_id: str
    event_type: str
    created: datetime
    subject: SessionInfo | AccountInfo | ChargeInfo | PaymentIntentInfo | None


class ConnectGateway(Protocol):
    """Stripe Connect as EventFlow uses it: Express accounts, destination charges via Checkout."""

    def create_account(self, organizer_id: str, email: str, idempotency_key: str) -> AccountInfo: ...

    def retrieve_account(self, account_id: str) -> AccountInfo: ...

    def onboarding_link(self, account_id: str, refresh_url: str, return_url: str) -> str: ...

    def create_session(self, request: CheckoutRequest) -> SessionInfo:
        """Create (or, for a repeated idempotency key, get back) the Checkout Session."""
        ...

    def retrieve_session(self, session_id: str) -> SessionInfo: ...

    def expire_session(self, session_id: str) -> SessionInfo:
        """Expire an open session; for one that is no longer open, its current state."""
        ...

    def list_sessions(self, status: str, created_since: datetime) -> list[SessionInfo]:
        """Every session with this status created at or after `created_since` (paged through)."""
        ...

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo: ...

    def create_refund(
        self, payment_intent_id: str, amount_minor: int, idempotency_key: str, metadata: dict[str, str]
    ) -> RefundInfo:
        """Refund with the platform fee and the transfer reversed in proportion."""
        ...

    def find_refund(self, payment_intent_id: str, refund_key: str) -> RefundInfo | None:
        """The refund made earlier for `refund_key` (kept in its metadata), if there is one."""
        ...

    def balance(self, account_id: str) -> Balance: ...

    def payouts(self, account_id: str, limit: int = 10) -> list[Payout]: ...

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify signature and age; raises BadSignature."""
        ...
