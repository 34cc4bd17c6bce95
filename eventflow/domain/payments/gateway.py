"""The port to the card payment provider (Stripe Connect), in the domain's own terms.

The adapter (`eventflow.adapters.stripe`) is the only place that knows the SDK and Stripe's
vocabulary (event type names, status strings, metadata keys): everything it returns is one of the
plain records and enums below, so the use cases decide on EventFlow's words and their tests never
see SDK types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum, auto
from typing import Protocol

from eventflow.domain.payments.records import DisputeStatus


class GatewayError(Exception):
    """The provider did not do what was asked. `retryable` when trying again later may work
    (network, timeouts, 5xx), False when the request itself was refused."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class BadSignature(Exception):
    """A webhook whose signature does not verify (or is too old): ignore it."""


class MalformedEvent(Exception):
    """A correctly signed webhook that cannot be read (a field missing or of the wrong type, an
    object that does not fit the event's type): refused, nothing changes."""


@dataclass(frozen=True, slots=True)
class AccountInfo:
    account_id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...] = ()
    disabled_reason: str | None = None
    country: str | None = None  # upper case ISO 3166


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
    # The organizer's account when it is in another country than the platform: the charge is
    # settled by the organizer as merchant of record (their statement descriptor, their country's
    # card rules and prices), still a destination charge with the platform's application fee.
    on_behalf_of: str | None = None

    @property
    def amount_minor(self) -> int:
        return sum(item.unit_amount_minor * item.quantity for item in self.line_items)


class SessionState(Enum):
    """Where a hosted checkout page stands."""

    OPEN = auto()  # the buyer may still pay
    COMPLETE = auto()  # the buyer finished: paid, or paid by a delayed method (bank debit) not in yet
    EXPIRED = auto()  # ended without a payment


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A Checkout Session as the provider sees it now."""

    session_id: str
    state: SessionState
    paid: bool  # complete and the money is in
    reservation_id: str | None  # the reservation it was made for (None: not made by EventFlow)
    url: str | None = None
    amount_minor: int = 0
    payment_intent_id: str | None = None
    created: datetime | None = None


class RefundOutcome(StrEnum):
    """What the provider did with a refund request (the words appear in messages)."""

    ACCEPTED = "accepted"  # done, or on its way: the money goes back
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True)
class RefundInfo:
    refund_id: str
    outcome: RefundOutcome
    amount_minor: int


@dataclass(frozen=True, slots=True)
class AccountDebit:
    """Money taken from an organizer's connected account balance to the platform's (Stripe's
    "account debits"): what a refund must give back beyond what is left of the charge's transfer,
    i.e. the processor's fee the organizer carries when the buyer gets everything back."""

    account_id: str
    amount_minor: int
    currency: str  # upper case


@dataclass(frozen=True, slots=True)
class ChargeInfo:
    """A charge as seen in `charge.refunded`."""

    charge_id: str
    payment_intent_id: str | None
    amount_minor: int
    amount_refunded_minor: int


@dataclass(frozen=True, slots=True)
class DisputeInfo:
    """A chargeback as the provider sees it now."""

    dispute_id: str
    payment_intent_id: str | None
    amount_minor: int
    currency: str  # upper case
    status: DisputeStatus
    reason: str
    fee_minor: int = 0  # the provider's dispute fee, as far as it has been charged
    created: datetime | None = None


class PaymentOutcome(Enum):
    """How the attempt to collect a payment stands."""

    SUCCEEDED = auto()  # the money is in
    FAILED = auto()  # declined or cancelled: it needs another payment method
    PENDING = auto()  # still processing, or waiting for the buyer


@dataclass(frozen=True, slots=True)
class PaymentIntentInfo:
    payment_intent_id: str
    outcome: PaymentOutcome
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


class PaymentEventKind(Enum):
    """What a provider notification tells EventFlow, i.e. what it has to act on."""

    SESSION_CHANGED = auto()  # a session completed, expired, or its delayed payment arrived
    SESSION_PAYMENT_FAILED = auto()  # a session's delayed payment (bank debit...) failed
    CARD_DECLINED = auto()  # one attempt failed; the session stays open for another
    CHARGE_REFUNDED = auto()  # money went back, by EventFlow or in the provider's dashboard
    ACCOUNT_UPDATED = auto()  # an organizer's connected account changed
    DISPUTE_CHANGED = auto()  # a chargeback opened, changed or closed


PaymentSubject = SessionInfo | AccountInfo | ChargeInfo | PaymentIntentInfo | DisputeInfo


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A verified notification (webhook) from the provider.

    `kind` None: nothing EventFlow acts on. `provider_type` is the provider's own name for it,
    kept for the record (and named in fault tests' crash points); decisions use `kind`."""

    event_id: str  # for de-duplication: the provider delivers at least once
    kind: PaymentEventKind | None
    provider_type: str
    subject: PaymentSubject | None


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

    def list_sessions(self, state: SessionState, created_since: datetime) -> list[SessionInfo]:
        """Every session in this state created at or after `created_since` (paged through)."""
        ...

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntentInfo: ...

    def create_refund(
        self, payment_intent_id: str, amount_minor: int, refund_key: str, reservation_id: str,
        reversal_minor: int | None = None, debit: AccountDebit | None = None,
    ) -> RefundInfo:
        """Refund with the platform fee and the transfer reversed in proportion; or, with
        `reversal_minor` (a charge whose application fee holds the processor's fee, which the
        processor keeps), the platform refunds and takes exactly `reversal_minor` back from the
        organizer's transfer first, and `debit` from the organizer's balance before that (a full
        refund: the processor's fee, which the transfer never held). `refund_key` is the
        idempotency key (the reversal's and the debit's are derived from it), and is kept with the
        refund so `find_refund` finds it again; a refund found always had its reversal and debit."""
        ...

    def find_refund(self, payment_intent_id: str, refund_key: str) -> RefundInfo | None:
        """The refund made earlier for `refund_key`, if there is one."""
        ...

    def retrieve_dispute(self, dispute_id: str) -> DisputeInfo: ...

    def transfer_left(self, payment_intent_id: str) -> int:
        """What of the destination charge's transfer to the organizer is not reversed yet."""
        ...

    def reverse_transfer(self, payment_intent_id: str, amount_minor: int, key: str) -> None:
        """Take `amount_minor` back from the organizer's transfer (idempotency key `key`)."""
        ...

    def balance(self, account_id: str) -> Balance: ...

    def payouts(self, account_id: str, limit: int = 10) -> list[Payout]: ...

    def parse_webhook(self, payload: bytes, signature: str | None) -> PaymentEvent:
        """Verify signature and age; raises BadSignature."""
        ...
