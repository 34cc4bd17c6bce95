"""The public JSON API (`/api/v1`): thin translation between HTTP and the domain services.

Every error leaves as `{"error": code, "detail": text}` with a 4xx status; see
`install_error_handlers`.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from eventflow.domain.analytics import orders_csv
from eventflow.domain.checkin import OfflineScan, ScanOutcome, ScanResult
from eventflow.domain.checkout import Paid, PaymentRequired
from eventflow.domain.codes import ACCEPTED_STEPS, CODE_DIGITS, STEP_SECONDS, code_valid_until, qr_payload
from eventflow.domain.errors import DomainError, MethodNotAllowed, NotFound, Unauthorized
from eventflow.domain.links import ticket_url
from eventflow.domain.models import Buyer, CheckIn, Event, EventStatus, Order, Reservation, StaffAccess, Tier
from eventflow.domain.money import TicketPrice
from eventflow.domain.payments.errors import PaymentBusy
from eventflow.domain.payments.gateway import BadSignature
from eventflow.domain.payments.records import ConnectedAccount, Refund
from eventflow.domain.payments.refunds import event_ledger
from eventflow.domain.payments.settle import StripePayments
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.services import Services

router = APIRouter(prefix="/api/v1", tags=["EventFlow API v1"])
T = TypeVar("T")


# ------------------------------------------------------------------ schemas
class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=20_000)


class SignupIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    name: str = Field(max_length=120)


class TokenIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    totp: str | None = Field(default=None, max_length=20)


class TokenOut(BaseModel):
    organizer_id: str
    token: str


class EventIn(Strict):
    title: str = Field(max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: str = Field(max_length=64)
    venue: str = Field(default="", max_length=300)
    currency: str = Field(min_length=3, max_length=3)
    description: str = ""
    fee_mode: Literal["buyer_pays", "organizer_absorbs"] = "buyer_pays"


class TierIn(Strict):
    name: str = Field(max_length=120)
    price_minor: StrictInt
    capacity: StrictInt
    max_per_order: StrictInt | None = None
    sales_start: AwareDatetime | None = None
    sales_end: AwareDatetime | None = None
    hidden: StrictBool = False


class TierOut(BaseModel):
    id: str
    name: str
    price_minor: int
    fee_minor: int
    total_minor: int  # what the buyer pays per ticket
    capacity: int
    available: int
    sold_out: bool
    max_per_order: int
    sales_start: datetime | None
    sales_end: datetime | None
    hidden: bool


class EventOut(BaseModel):
    id: str
    slug: str
    organizer_id: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    currency: str
    fee_mode: str
    status: str
    url: str
    tiers: list[TierOut]


class LineIn(Strict):
    tier_id: str = Field(max_length=64)
    quantity: StrictInt


class BuyerIn(Strict):
    email: str = Field(max_length=254)
    name: str = Field(max_length=120)


class ReservationIn(Strict):
    lines: list[LineIn] = Field(max_length=50)
    buyer: BuyerIn
    idempotency_key: str | None = Field(default=None, max_length=200)


class LineOut(BaseModel):
    tier_id: str
    quantity: int
    unit_price_minor: int
    unit_fee_minor: int
    unit_total_minor: int
    subtotal_minor: int
    fee_minor: int
    total_minor: int


class ReservationOut(BaseModel):
    id: str
    event_id: str
    status: str
    expires_at: datetime
    lines: list[LineOut]
    subtotal_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    fee_mode: str
    order_id: str | None


class ErrorOut(BaseModel):
    error: str
    detail: Any


# ------------------------------------------------------------------ dependencies
def services(request: Request) -> Services:
    return request.app.state.eventflow


async def ticketing(request: Request) -> Ticketing:
    # async on purpose: FastAPI runs a plain `def` dependency in the thread pool, a hop per request
    return services(request).ticketing


def current_organizer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send Authorization: Bearer <token>")
    return services(request).organizer_for_token(token.strip()).id


ServiceDep = Annotated[Ticketing, Depends(ticketing)]
OrganizerDep = Annotated[str, Depends(current_organizer)]


async def store_bound(service: Ticketing, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a domain call that reaches the store: inline when the store says a call is cheaper than
    a thread hop (embedded SQLite), else in the thread pool, so network waits never stall the loop."""
    if service.inline_safe:
        return call(*args, **kwargs)
    return await run_in_threadpool(call, *args, **kwargs)


# ------------------------------------------------------------------ presenters
def model_response(model: BaseModel, status: int = 200) -> Response:
    """A reply already shaped by its model: serialized once (pydantic's Rust encoder), not re-validated."""
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


def tier_out(tier: Tier, event: Event) -> TierOut:
    price = TicketPrice.of(tier.price_minor, event.currency, event.fee_mode)
    return TierOut(
        id=tier.id, name=tier.name, price_minor=tier.price_minor, fee_minor=price.fee_minor,
        total_minor=price.buyer_total_minor, capacity=tier.capacity, available=tier.available,
        sold_out=tier.available == 0, max_per_order=tier.max_per_order,
        sales_start=tier.sales_start, sales_end=tier.sales_end, hidden=tier.hidden,
    )


def event_out(request: Request, event: Event, tiers: tuple[Tier, ...], public: bool) -> EventOut:
    shown = [t for t in tiers if not (public and t.hidden)]
    return EventOut(
        id=event.id, slug=event.slug, organizer_id=event.organizer_id, title=event.title,
        description=event.description, starts_at=event.starts_at, ends_at=event.ends_at,
        timezone=event.timezone, venue=event.venue, currency=event.currency,
        fee_mode=event.fee_mode.value, status=event.status.value,
        url=f"{services(request).settings.public_url}/e/{event.slug}",
        tiers=[tier_out(t, event) for t in shown],
    )


def reservation_out(reservation: Reservation) -> ReservationOut:
    return ReservationOut(
        id=reservation.id, event_id=reservation.event_id, status=reservation.status.value,
        expires_at=reservation.expires_at,
        lines=[
            LineOut(
                tier_id=line.tier_id, quantity=line.quantity,
                unit_price_minor=line.unit_price_minor, unit_fee_minor=line.unit_fee_minor,
                unit_total_minor=line.unit_total_minor, subtotal_minor=line.subtotal_minor,
                fee_minor=line.fee_minor, total_minor=line.total_minor,
            )
            for line in reservation.lines
        ],
        subtotal_minor=reservation.subtotal_minor, fee_minor=reservation.fee_minor,
        total_minor=reservation.total_minor, currency=reservation.currency,
        fee_mode=reservation.fee_mode.value, order_id=reservation.order_id,
    )


# ------------------------------------------------------------------ routes
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 404, 409, 422)
}


@router.get("/health", responses=ERRORS)
def health(request: Request) -> dict[str, str]:
    services(request).ticketing.store.ping()
    return {"status": "ok"}


@router.post("/auth/signup", status_code=201, responses=ERRORS)
def sign_up(body: SignupIn, request: Request) -> TokenOut:
    organizer = services(request).accounts.sign_up(body.email, body.password, body.name)
    return TokenOut(organizer_id=organizer.id, token=services(request).tokens.organizer_token(organizer))


@router.post("/auth/token", responses=ERRORS)
def token(body: TokenIn, request: Request) -> TokenOut:
    """With two-factor login on, `totp` (or a recovery code) is required: 401 `totp_required`."""
    organizer = services(request).accounts.authenticate(body.email, body.password, body.totp)
    return TokenOut(organizer_id=organizer.id, token=services(request).tokens.organizer_token(organizer))


@router.post("/events", status_code=201, responses=ERRORS)
def create_event(
    body: EventIn, request: Request, service: ServiceDep, organizer_id: OrganizerDep
) -> EventOut:
    event = service.create_event(organizer_id, **body.model_dump())
    return event_out(request, event, (), public=False)


@router.post("/events/{event_id}/tiers", status_code=201, responses=ERRORS)
def create_tier(
    event_id: str, body: TierIn, service: ServiceDep, organizer_id: OrganizerDep
) -> TierOut:
    tier = service.add_tier(organizer_id, event_id, **body.model_dump())
    return tier_out(tier, service.own_event(organizer_id, event_id))


@router.post("/events/{event_id}/publish", responses=ERRORS)
def publish(
    event_id: str, request: Request, service: ServiceDep, organizer_id: OrganizerDep
) -> EventOut:
    service.publish(organizer_id, event_id)
    view = service.event_view(event_id)
    return event_out(request, view.event, view.tiers, public=False)


def event_for_viewer(request: Request, service: Ticketing, event_id: str) -> EventOut:
    view = service.event_view(event_id)
    if view.event.status is EventStatus.DRAFT:
        # A draft is visible to its organizer only; to everyone else it does not exist.
        try:
            owner = current_organizer(request)
        except Unauthorized:
            owner = None
        if owner != view.event.organizer_id:
            raise NotFound("No such event")
        return event_out(request, view.event, view.tiers, public=False)
    return event_out(request, view.event, view.tiers, public=True)


# The buyer-facing routes below are what a ticket drop hammers. They are `async` and reach the
# store through `store_bound`: a sync route would cost three thread-pool hops (dependency, body,
# response validation), and with the embedded store even one hop costs more than the work
# (benchmarks/bench_http.py: reservations/s more than doubled without it). Replies are serialized once.
@router.get("/events/{event_id}", response_model=EventOut, responses=ERRORS)
async def get_event(event_id: str, request: Request, service: ServiceDep) -> Response:
    return model_response(await store_bound(service, event_for_viewer, request, service, event_id))


@router.post("/events/{event_id}/reservations", status_code=201, response_model=ReservationOut, responses=ERRORS)
async def reserve(event_id: str, body: ReservationIn, service: ServiceDep) -> Response:
    reservation = await store_bound(
        service,
        service.reserve,
        event_id,
        [LineRequest(line.tier_id, line.quantity) for line in body.lines],
        Buyer(email=body.buyer.email, name=body.buyer.name),
        idempotency_key=body.idempotency_key,
    )
    return model_response(reservation_out(reservation), status=201)


@router.get("/reservations/{reservation_id}", response_model=ReservationOut, responses=ERRORS)
async def get_reservation(reservation_id: str, service: ServiceDep) -> Response:
    return model_response(reservation_out(await store_bound(service, service.get_reservation, reservation_id)))


@router.delete("/reservations/{reservation_id}", response_model=ReservationOut, responses=ERRORS)
async def cancel_reservation(reservation_id: str, service: ServiceDep) -> Response:
    return model_response(reservation_out(await store_bound(service, service.cancel, reservation_id)))


class TicketLinkOut(BaseModel):
    ticket_id: str
    key: str
    url: str


class CheckoutOut(BaseModel):
    status: Literal["payment_required", "paid"]
    provider: str | None = None
    payment_url: str | None = None
    test_mode: bool | None = None
    order_id: str | None = None
    tickets: list[TicketLinkOut] | None = None


class TicketOut(BaseModel):
    ticket_id: str
    event_id: str
    tier_id: str
    holder: str
    status: str
    qr_payload: str
    valid_until: datetime


def paid_out(request: Request, order: Order) -> CheckoutOut:
    base = services(request).settings.public_url
    return CheckoutOut(
        status="paid", order_id=order.id,
        tickets=[TicketLinkOut(ticket_id=t.id, key=t.access_key, url=ticket_url(base, t.id, t.access_key))
                 for t in order.tickets],
    )


@router.post("/reservations/{reservation_id}/checkout", responses=ERRORS)
def checkout(reservation_id: str, request: Request) -> CheckoutOut:
    result = services(request).checkout.start(reservation_id)
    if isinstance(result, Paid):
        return paid_out(request, result.order)
    url = result.payment_url
    if url.startswith("/"):
        url = services(request).settings.public_url + url
    return CheckoutOut(status="payment_required", provider=result.provider, payment_url=url,
                       test_mode=result.test_mode)


@router.post("/demo-payments/{reservation_id}/pay", responses=ERRORS)
def pay_with_demo_provider(reservation_id: str, request: Request) -> CheckoutOut:
    """Test mode only: what the demo payment page's Pay button does, for scripts and tests."""
    checkout_service = services(request).checkout
    if checkout_service.gateway.name != "demo":
        raise NotFound("The demo payment provider is not active")
    result = checkout_service.start(reservation_id)
    if isinstance(result, PaymentRequired):
        order = checkout_service.payment_succeeded(reservation_id, payment_ref=f"demo_{reservation_id}")
    else:
        order = result.order
    return paid_out(request, order)


@router.get("/tickets/{ticket_id}", responses=ERRORS)
def get_ticket(ticket_id: str, key: str, service: ServiceDep) -> TicketOut:
    ticket = service.store.get_ticket(ticket_id)
    if ticket is None or not hmac.compare_digest(ticket.access_key, key):
        raise NotFound("No such ticket")
    now = service.clock.now()
    return TicketOut(
        ticket_id=ticket.id, event_id=ticket.event_id, tier_id=ticket.tier_id,
        holder=ticket.holder_name, status=ticket.status,
        qr_payload=qr_payload(ticket, now), valid_until=code_valid_until(now),
    )


class StaffIn(Strict):
    label: str = Field(max_length=80)


class StaffOut(BaseModel):
    staff_id: str
    event_id: str
    label: str
    active: bool
    token: str | None = None  # only in the answer that creates it
    link: str | None = None


@router.get("/events/{event_id}/orders.csv", responses=ERRORS, response_class=Response)
def orders_export(event_id: str, service: ServiceDep, organizer_id: OrganizerDep) -> Response:
    """Orders and tickets of one event, one row per ticket (amounts in minor units)."""
    event = service.own_event(organizer_id, event_id)
    body = orders_csv(service.store.list_orders(event_id), service.store.get_tiers(event_id))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}-orders.csv"'})


@router.post("/events/{event_id}/staff", status_code=201, responses=ERRORS)
def add_staff(event_id: str, body: StaffIn, request: Request, organizer_id: OrganizerDep) -> StaffOut:
    staff, token = services(request).organizing.add_staff(organizer_id, event_id, body.label)
    return StaffOut(staff_id=staff.id, event_id=event_id, label=staff.label, active=True, token=token,
                    link=services(request).staff_link(event_id, token))


@router.get("/events/{event_id}/staff", responses=ERRORS)
def list_staff(event_id: str, request: Request, organizer_id: OrganizerDep) -> list[StaffOut]:
    return [StaffOut(staff_id=s.id, event_id=s.event_id, label=s.label, active=s.active)
            for s in services(request).organizing.list_staff(organizer_id, event_id)]


@router.delete("/events/{event_id}/staff/{staff_id}", responses=ERRORS)
def revoke_staff(event_id: str, staff_id: str, request: Request, organizer_id: OrganizerDep) -> StaffOut:
    staff = services(request).organizing.revoke_staff(organizer_id, event_id, staff_id)
    return StaffOut(staff_id=staff.id, event_id=staff.event_id, label=staff.label, active=staff.active)


def current_staff(request: Request) -> StaffAccess:
    """Door staff authenticate with the token from their staff link (never an organizer password)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send Authorization: Bearer <staff token>")
    event_id = request.path_params.get("event_id")
    return services(request).organizing.staff_for_token(token.strip(), event_id)


@router.get("/staff/me", responses=ERRORS)
def staff_me(staff: Annotated[StaffAccess, Depends(current_staff)]) -> StaffOut:
    """Which event a staff token opens: the scanner asks this first."""
    return StaffOut(staff_id=staff.id, event_id=staff.event_id, label=staff.label, active=staff.active)


StaffDep = Annotated[StaffAccess, Depends(current_staff)]


class ManifestTicketOut(BaseModel):
    id: str
    order: str
    tier: int  # index into the manifest's `tiers`
    holder: str
    secret: str
    status: str
    checked_in_at: datetime | None = None  # left out while not checked in (keeps 10,000 tickets < 2 MB)


class ManifestOut(BaseModel):
    event_id: str
    title: str
    generated_at: datetime
    step_seconds: int
    digits: int
    accepted_steps: list[int]
    tiers: list[str]
    tickets: list[ManifestTicketOut]


class ScanIn(Strict):
    code: str = Field(max_length=200)
    device_id: str = Field(max_length=64)


class ScannedTicketOut(BaseModel):
    ticket_id: str
    holder: str
    tier: str | None
    checked_in_at: datetime | None
    checked_in_by: str | None


class ScanOut(BaseModel):
    result: str
    ticket: ScannedTicketOut | None
    double_admission: bool = False


class OfflineScanIn(Strict):
    ticket_id: str = Field(max_length=64)
    code: str = Field(max_length=16)
    scanned_at: AwareDatetime
    nonce: str = Field(max_length=100)


class SyncIn(Strict):
    device_id: str = Field(max_length=64)
    scans: list[OfflineScanIn] = Field(max_length=500)


class SyncResultOut(ScanOut):
    nonce: str


class SyncOut(BaseModel):
    results: list[SyncResultOut]


def scan_out(outcome: ScanOutcome) -> ScanOut:
    ticket = outcome.ticket
    # A ticket of another event is named but not described: door staff see only their event.
    shown = ticket is not None and outcome.result is not ScanResult.WRONG_EVENT
    return ScanOut(
        result=outcome.result.value,
        ticket=ScannedTicketOut(
            ticket_id=ticket.id, holder=ticket.holder_name, tier=outcome.tier_name,
            checked_in_at=outcome.checkin.scanned_at if outcome.checkin else None,
            checked_in_by=outcome.checkin.device_id if outcome.checkin else None,
        ) if shown and ticket is not None else None,
        double_admission=outcome.double_admission,
    )


def device_name(staff: StaffAccess, device_id: str) -> str:
    """Scans are recorded under the staff link's label, so the organizer reads "Front door", not an id."""
    return f"{staff.label} · {device_id}"


def staff_event(request: Request, staff: StaffAccess) -> Event:
    event = services(request).ticketing.store.get_event(staff.event_id)
    if event is None:
        raise NotFound("No such event")
    return event


@router.get("/events/{event_id}/checkin/manifest", responses=ERRORS, response_model_exclude_none=True)
def checkin_manifest(event_id: str, request: Request, staff: StaffDep) -> ManifestOut:
    """Everything a scanner needs to verify codes offline; refresh it every minute while online."""
    event = staff_event(request, staff)
    manifest = services(request).door.manifest(event)
    tiers = sorted({t.tier for t in manifest.tickets})
    position = {name: n for n, name in enumerate(tiers)}
    return ManifestOut(
        event_id=event.id, title=event.title, generated_at=manifest.generated_at, step_seconds=STEP_SECONDS,
        digits=CODE_DIGITS, accepted_steps=list(ACCEPTED_STEPS), tiers=tiers,
        tickets=[ManifestTicketOut(id=t.id, order=t.order, tier=position[t.tier], holder=t.holder, secret=t.secret,
                                   status=t.status, checked_in_at=t.checked_in_at) for t in manifest.tickets],
    )


@router.post("/events/{event_id}/checkin/scan", responses=ERRORS)
def checkin_scan(event_id: str, body: ScanIn, request: Request, staff: StaffDep) -> ScanOut:
    door = services(request).door
    return scan_out(door.scan(staff_event(request, staff), body.code, device_name(staff, body.device_id)))


@router.post("/events/{event_id}/checkin/sync", responses=ERRORS)
def checkin_sync(event_id: str, body: SyncIn, request: Request, staff: StaffDep) -> SyncOut:
    outcomes = services(request).door.sync(
        staff_event(request, staff), device_name(staff, body.device_id),
        [OfflineScan(s.ticket_id, s.code, s.scanned_at, s.nonce) for s in body.scans],
    )
    return SyncOut(results=[
        SyncResultOut(nonce=scan.nonce, **scan_out(outcome).model_dump())
        for scan, outcome in zip(body.scans, outcomes, strict=True)
    ])


class CheckInOut(BaseModel):
    ticket_id: str
    device_id: str
    scanned_at: datetime
    offline: bool


class DoubleAdmissionOut(BaseModel):
    ticket_id: str
    first: CheckInOut
    second: CheckInOut


def checkin_out(checkin: CheckIn) -> CheckInOut:
    return CheckInOut(ticket_id=checkin.ticket_id, device_id=checkin.device_id, scanned_at=checkin.scanned_at,
                      offline=checkin.offline)


@router.get("/events/{event_id}/checkin/checkins", responses=ERRORS)
def list_checkins(event_id: str, service: ServiceDep, organizer_id: OrganizerDep) -> list[CheckInOut]:
    service.own_event(organizer_id, event_id)
    return [checkin_out(c) for c in service.store.list_checkins(event_id)]


@router.get("/events/{event_id}/checkin/double-admissions", responses=ERRORS)
def list_double_admissions(event_id: str, service: ServiceDep, organizer_id: OrganizerDep) -> list[DoubleAdmissionOut]:
    """Tickets admitted by two devices while offline: both scans, the earlier first."""
    service.own_event(organizer_id, event_id)
    return [DoubleAdmissionOut(ticket_id=d.ticket_id, first=checkin_out(d.first), second=checkin_out(d.second))
            for d in service.store.list_double_admissions(event_id)]


# ------------------------------------------------------------------ card payments (Stripe Connect)
# (above the catch-all below, which must stay the last route)
def card_payments(request: Request) -> StripePayments:
    payments = services(request).payments
    if payments is None:
        raise NotFound("Card payments (Stripe) are not configured on this server")
    return payments


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


WEBHOOK_BUSY_RETRIES = 20


@router.post("/stripe/webhook", responses=ERRORS)
async def stripe_webhook(request: Request) -> dict[str, str]:
    """Stripe's signed webhooks: verified (signature and age), each event id handled once.

    400 `bad_signature` changes nothing; 409 `payment_busy` and 503 make Stripe deliver again later."""
    payments = card_payments(request)
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    for attempt in range(WEBHOOK_BUSY_RETRIES + 1):
        try:
            outcome = await run_in_threadpool(payments.handle_webhook, payload, signature)
        except BadSignature as problem:
            return error_response(400, "bad_signature", f"The Stripe-Signature header does not verify: {problem}")
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
def payment_account(request: Request, organizer_id: OrganizerDep) -> AccountOut:
    """The organizer's Stripe account as last reported (kept current by `account.updated`)."""
    return account_out(card_payments(request).account(organizer_id))


@router.post("/payments/onboarding", responses=ERRORS)
def payment_onboarding(request: Request, organizer_id: OrganizerDep) -> OnboardingOut:
    """Create the organizer's Express account (first time) and return a fresh onboarding link."""
    payments = card_payments(request)
    organizer = services(request).ticketing.store.get_organizer(organizer_id)
    if organizer is None:
        raise NotFound("No such organizer")
    url = payments.start_onboarding(organizer)
    account = payments.account(organizer_id)
    assert account is not None
    return OnboardingOut(account_id=account.account_id, url=url)


@router.get("/payments/payouts", responses=ERRORS)
def payment_payouts(request: Request, organizer_id: OrganizerDep) -> PayoutsOut:
    """The connected account's balance and recent payouts, straight from Stripe."""
    payments = card_payments(request)
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
def refund(event_id: str, body: RefundIn, request: Request, organizer_id: OrganizerDep) -> RefundOut:
    """Refund a whole order or some of its tickets: tickets voided, fee and transfer reversed in proportion."""
    refunds = card_payments(request).refunds
    return refund_out(refunds.refund_order(organizer_id, event_id, body.order_id, body.ticket_ids, body.restock))


@router.get("/events/{event_id}/refunds", responses=ERRORS)
def list_refunds(event_id: str, service: ServiceDep, request: Request, organizer_id: OrganizerDep) -> list[RefundOut]:
    service.own_event(organizer_id, event_id)
    return [refund_out(r) for r in card_payments(request).store.list_refunds(event_id)]


@router.get("/events/{event_id}/ledger", responses=ERRORS)
def ledger(event_id: str, service: ServiceDep, request: Request, organizer_id: OrganizerDep) -> LedgerOut:
    """The platform's own account of the event's money: charged, fees, refunds, the organizer's net."""
    event = service.own_event(organizer_id, event_id)
    payments = services(request).payments
    refunds = payments.store.list_refunds(event_id) if payments else []
    book = event_ledger(event, service.store.list_orders(event_id), refunds)
    return LedgerOut(
        currency=book.currency, orders=book.orders, charged_minor=book.charged_minor,
        platform_fee_minor=book.platform_fee_minor, refunded_minor=book.refunded_minor,
        fee_refunded_minor=book.fee_refunded_minor, organizer_net_minor=book.organizer_net_minor,
        pending_refunds=book.pending_refunds,
    )


@router.api_route("/{unknown:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
def unknown_route(unknown: str, request: Request) -> None:
    """Unknown API paths answer in JSON, not with the HTML page of the web app."""
    for route in router.routes:
        if route is not request.scope.get("route") and route.matches(request.scope)[0] is Match.PARTIAL:
            raise MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
    raise NotFound(f"No API route /api/v1/{unknown}")


# ------------------------------------------------------------------ errors
def error_response(status: int, code: str, detail: Any) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(error.get("type") == "json_invalid" for error in errors):
            return error_response(400, "malformed_json", "The request body is not valid JSON")
        detail = [
            {"field": ".".join(str(part) for part in error.get("loc", ())[1:]) or "body",
             "message": error.get("msg", "invalid")}
            for error in errors
        ]
        return error_response(422, "validation_error", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {405: "method_not_allowed", 404: "not_found"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, exc.detail)
