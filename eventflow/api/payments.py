"""Card payments (Stripe Connect): the signed webhook, the organizer's connected account and
onboarding, payouts, refunds and the event's ledger.

Every route but the webhook is a plain `def`: they call Stripe's SDK (network), so they run in
FastAPI's thread pool whichever store is configured. The webhook is `async` to retry a busy
payment without holding a thread; its work runs in the thread pool too."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool

from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router, services
from eventflow.api.errors import ERRORS, error_response
from eventflow.api.schemas import Strict
from eventflow.domain.errors import NotFound
from eventflow.domain.payments.errors import PaymentBusy
from eventflow.domain.payments.gateway import BadSignature, MalformedEvent
from eventflow.domain.payments.ledger import event_ledger
from eventflow.domain.payments.records import ConnectedAccount, Refund
from eventflow.domain.payments.settle import StripePayments
from eventflow.services import Services

router = resource_router()
log = logging.getLogger(__name__)
WEBHOOK_BUSY_RETRIES = 20


def card_payments(app: Services) -> StripePayments:
    if app.payments is None:
        raise NotFound("Card payments (Stripe) are not configured on this server")
    return app.payments


class AccountOut(BaseModel):
    connected: bool
    account_id: str | None = None
    charges_enabled: bool = False
    payouts_enabled: bool = False
    details_submitted: bool = False
    requirements_due: list[str] = []
    disabled_reason: str | None = None


class OnboardingOut(BaseModel):
    account_id: str
    url: str


class RefundIn(Strict):
    order_id: str = Field(max_length=64)
    ticket_ids: list[str] | None = Field(default=None, max_length=50)  # none: the whole order
    restock: StrictBool | None = None  # default: the server's EVENTFLOW_REFUND_RESTOCK


class RefundOut(BaseModel):
    id: str
    order_id: str | None
    ticket_ids: list[str]
    amount_minor: int
    fee_minor: int  # platform fee given back
    transfer_reversal_minor: int  # taken back from the organizer's account
    currency: str
    reason: str
    status: str
    restock: bool
    created_at: datetime


class LedgerOut(BaseModel):
    currency: str
    orders: int
    charged_minor: int
    platform_fee_minor: int
    refunded_minor: int
    fee_refunded_minor: int
    organizer_net_minor: int
    pending_refunds: int


class MoneyOut(BaseModel):
    amount_minor: int
    currency: str


class PayoutOut(BaseModel):
    id: str
    amount_minor: int
    currency: str
    arrival_date: datetime
    status: str


class PayoutsOut(BaseModel):
    available: list[MoneyOut]
    pending: list[MoneyOut]
    payouts: list[PayoutOut]


def account_out(account: ConnectedAccount | None) -> AccountOut:
    if account is None:
        return AccountOut(connected=False)
    return AccountOut(
        connected=True, account_id=account.account_id, charges_enabled=account.charges_enabled,
        payouts_enabled=account.payouts_enabled, details_submitted=account.details_submitted,
        requirements_due=list(account.requirements_due), disabled_reason=account.disabled_reason,
    )


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id, order_id=refund.order_id, ticket_ids=list(refund.ticket_ids), amount_minor=refund.amount_minor,
        fee_minor=refund.fee_minor, transfer_reversal_minor=refund.transfer_reversal_minor, currency=refund.currency,
        reason=refund.reason.value, status=refund.status.value, restock=refund.restock, created_at=refund.created_at,
    )


@router.post("/stripe/webhook", response_model=dict[str, str], responses=ERRORS)
async def stripe_webhook(request: Request) -> dict[str, str] | JSONResponse:
    """Stripe's signed webhooks: verified (signature and age), each event id handled once.

    400 `bad_signature` (no signature, a wrong one, older or newer than the tolerance) and 400
    `malformed_event` (signed, but not an event we can read) change nothing; 409 `payment_busy` and
    503 make Stripe deliver again later."""
    payments = card_payments(services(request))
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    for attempt in range(WEBHOOK_BUSY_RETRIES + 1):
        try:
            outcome = await services(request).in_thread(payments.handle_webhook, payload, signature)
        except BadSignature as problem:
            return error_response(400, "bad_signature", f"The Stripe-Signature header does not verify: {problem}")
        except MalformedEvent as problem:
            # Signed with our secret, so worth a look: Stripe changed a payload or the secret leaked.
            log.warning("signed Stripe webhook refused as malformed: %s", problem)
            return error_response(400, "malformed_event", f"The event cannot be read: {problem}")
        except PaymentBusy:
            # Another request is settling the same payment (a matter of milliseconds): wait a little
            # rather than make Stripe redeliver much later.
            if attempt == WEBHOOK_BUSY_RETRIES:
                raise
            await asyncio.sleep(0.1)
            continue
        return {"status": outcome}
    raise AssertionError("unreachable")


@router.get("/payments/account", responses=ERRORS)
def payment_account(app: ServicesDep, organizer_id: OrganizerDep) -> AccountOut:
    """The organizer's Stripe account as last reported (kept current by `account.updated`)."""
    return account_out(card_payments(app).account(organizer_id))


@router.post("/payments/onboarding", responses=ERRORS)
def payment_onboarding(app: ServicesDep, organizer_id: OrganizerDep) -> OnboardingOut:
    """Create the organizer's Express account (first time) and return a fresh onboarding link."""
    payments = card_payments(app)
    organizer = app.queries.organizer(organizer_id)
    if organizer is None:
        raise NotFound("No such organizer")
    url = payments.start_onboarding(organizer)
    account = payments.account(organizer_id)
    assert account is not None
    return OnboardingOut(account_id=account.account_id, url=url)


@router.get("/payments/payouts", responses=ERRORS)
def payment_payouts(app: ServicesDep, organizer_id: OrganizerDep) -> PayoutsOut:
    """The connected account's balance and recent payouts, straight from Stripe."""
    payments = card_payments(app)
    account = payments.account(organizer_id)
    if account is None:
        raise NotFound("No Stripe account connected yet")
    balance, payouts = payments.balance_and_payouts(account.account_id)
    return PayoutsOut(
        available=[MoneyOut(amount_minor=m.amount_minor, currency=m.currency) for m in balance.available],
        pending=[MoneyOut(amount_minor=m.amount_minor, currency=m.currency) for m in balance.pending],
        payouts=[PayoutOut(id=p.payout_id, amount_minor=p.amount_minor, currency=p.currency,
                           arrival_date=p.arrival_date, status=p.status) for p in payouts],
    )


@router.post("/events/{event_id}/refunds", status_code=201, responses=ERRORS)
def refund(event_id: str, body: RefundIn, app: ServicesDep, organizer_id: OrganizerDep) -> RefundOut:
    """Refund a whole order or some of its tickets: tickets voided, fee and transfer reversed in proportion."""
    refunds = card_payments(app).refunds
    return refund_out(refunds.refund_order(organizer_id, event_id, body.order_id, body.ticket_ids, body.restock))


@router.get("/events/{event_id}/refunds", responses=ERRORS)
def list_refunds(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> list[RefundOut]:
    app.catalog.own_event(organizer_id, event_id)
    card_payments(app)  # 404 when card payments are off
    return [refund_out(r) for r in app.queries.refunds(event_id)]


@router.get("/events/{event_id}/ledger", responses=ERRORS)
def ledger(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> LedgerOut:
    """The platform's own account of the event's money: charged, fees, refunds, the organizer's net."""
    event = app.catalog.own_event(organizer_id, event_id)
    orders = app.queries.orders(event_id)
    disputes = app.payments.disputes.of_event(event_id) if app.payments and app.payments.disputes else []
    book = event_ledger(event, orders, app.queries.refunds(event_id), disputes).with_processing(
        app.queries.card_payments(orders))  # processing fees and chargebacks (docs/payments.md)
    return LedgerOut(
        currency=book.currency, orders=book.orders, charged_minor=book.charged_minor,
        platform_fee_minor=book.platform_fee_minor, refunded_minor=book.refunded_minor,
        fee_refunded_minor=book.fee_refunded_minor, organizer_net_minor=book.organizer_net_minor,
        pending_refunds=book.pending_refunds,
    )
