"""Buying tickets: reserve (a hold), check out (pay), and open a ticket by its wallet link.

Reservations and tickets are what a ticket drop and a door queue hammer: those routes are `async`
and reach the store through `Services.off_loop`. Checkout may call the payment provider, so it is a
plain `def` route (FastAPI's thread pool), never on the loop, whichever store is configured."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictInt

from eventflow.adapters.rate_limit import RateLimited
from eventflow.api.auth import rate_limited
from eventflow.api.deps import ServicesDep, resource_router, services
from eventflow.api.errors import ERRORS
from eventflow.api.lean_route import LeanRoute
from eventflow.api.schemas import (
    Strict,
    documented_body,
    json_body,
    json_response,
    model_response,
    path_parameter,
)
from eventflow.api.transfers import transferred_ticket
from eventflow.api.waiting_room import waiting_room_refusal
from eventflow.domain.checkin import ticket_status_word
from eventflow.domain.checkout import Paid, PaymentRequired
from eventflow.domain.codes import code_valid_until
from eventflow.domain.errors import NotFound
from eventflow.domain.links import ticket_url
from eventflow.domain.models import Buyer, Order, Reservation
from eventflow.domain.payments.records import demo_payment_ref
from eventflow.domain.queries import TicketView
from eventflow.domain.reservations import LineRequest, ReserveRequest
from eventflow.domain.traffic import Touch
from eventflow.domain.waiting_room import WaitingRoomRequired
from eventflow.i18n import negotiate
from eventflow.services import Services

router = resource_router()


# ------------------------------------------------------------------ reservations
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
    code: str | None = Field(default=None, max_length=64)  # an access or promo code (domain/access_codes.py)
    # The page's per-browser id: a new hold by the same browser (or email) replaces the previous one.
    buyer_token: str | None = Field(default=None, max_length=100)
    # The waiting room's pass (api/waiting_room.py), required when the sale has a waiting room.
    room_pass: str | None = Field(default=None, max_length=300)
    # Where the buyer came from (domain/traffic.py): the `ref` (or utm_source) of the page they buy on,
    # and the first one their browser ever came through; both default to "direct".
    ref: str | None = Field(default=None, max_length=100)
    first_ref: str | None = Field(default=None, max_length=100)


class LineOut(BaseModel):
    tier_id: str
    quantity: int
    unit_price_minor: int
    unit_fee_minor: int
    unit_total_minor: int
    subtotal_minor: int
    fee_minor: int
    total_minor: int
    unit_discount_minor: int = 0  # an access code's discount per ticket; unit_price_minor is after it
    discount_minor: int = 0


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
    discount_minor: int = 0
    code: str | None = None  # the access code it holds uses of


def reservation_json(reservation: Reservation) -> dict[str, Any]:
    """A reservation as `ReservationOut` shapes it (the documented reply), as plain values: encoded
    once by `json_response`, without building and validating the model on the hot path."""
    return {
        "id": reservation.id, "event_id": reservation.event_id, "status": reservation.status.value,
        "expires_at": reservation.expires_at,
        "lines": [
            {"tier_id": line.tier_id, "quantity": line.quantity, "unit_price_minor": line.unit_price_minor,
             "unit_fee_minor": line.unit_fee_minor, "unit_total_minor": line.unit_total_minor,
             "subtotal_minor": line.subtotal_minor, "fee_minor": line.fee_minor, "total_minor": line.total_minor,
             "unit_discount_minor": line.unit_discount_minor, "discount_minor": line.discount_minor}
            for line in reservation.lines
        ],
        "subtotal_minor": reservation.subtotal_minor, "fee_minor": reservation.fee_minor,
        "total_minor": reservation.total_minor, "currency": reservation.currency,
        "fee_mode": reservation.fee_mode.value, "order_id": reservation.order_id,
        "discount_minor": reservation.discount_minor, "code": reservation.code.code if reservation.code else None,
    }


def mail_language(request: Request) -> str | None:
    """The buyer's mails' language from the request's Accept-Language (None without one: English)."""
    header = request.headers.get("accept-language")
    return _language_of(header[:200]) if header else None


@lru_cache(maxsize=512)
def _language_of(header: str) -> str:
    return negotiate(header).language  # ~40 µs; a drop's buyers send few distinct headers: once each


async def reserve(request: Request) -> Response:
    """Hold tickets until `expires_at`. With an `idempotency_key`, a retry of the same request (same
    lines and buyer) gets the same reservation back; the same key with another request is
    `409 idempotency_key_reused`. With a `code`, hidden tiers it unlocks are sold and its discount
    applied (lines carry `unit_discount_minor`); a hidden tier without one is `409 code_required`;
    a bad code `404 code_invalid`, `409 code_used_up` or `409 code_not_active`."""
    # What a ticket drop hammers: no parameter for FastAPI to solve (each costs a pass over path,
    # query, headers and cookies): the body is read by `json_body` (one parse, FastAPI's errors),
    # the event id and the services taken from the request; both documented by `openapi_extra`.
    # On SQLite, the reserves of one loop iteration commit together (Services.reserve).
    body = await json_body(request, ReservationIn)
    try:
        reservation = await services(request).reserve(ReserveRequest(
            request.path_params["event_id"],
            [LineRequest(line.tier_id, line.quantity) for line in body.lines],
            Buyer(email=body.buyer.email, name=body.buyer.name, language=mail_language(request)),
            body.idempotency_key,
            body.code,
            body.buyer_token,
            client[0] if (client := request.scope.get("client")) else None,  # no Address built per reserve
            Touch.of(body.ref, body.first_ref) if body.ref or body.first_ref else None,
            room_pass=body.room_pass,
        ))
    except RateLimited as limited:  # 429 `rate_limited` with Retry-After, as the login's
        return rate_limited(limited)
    except WaitingRoomRequired as refusal:  # 403 `waiting_room`, with where to queue (issue 13)
        return waiting_room_refusal(refusal, request.path_params["event_id"])
    return json_response(reservation_json(reservation), status=201)


# LeanRoute (api/lean_route.py): the endpoint takes only the request, so FastAPI's per-request handler
# work (dependency solving, telemetry) is skipped; documented as any route.
router.add_api_route("/events/{event_id}/reservations", reserve, methods=["POST"], status_code=201,
                     response_model=ReservationOut, responses=ERRORS, route_class_override=LeanRoute,
                     openapi_extra={**documented_body(ReservationIn), "parameters": [path_parameter("event_id")]})


@router.get("/reservations/{reservation_id}", response_model=ReservationOut, responses=ERRORS)
async def get_reservation(reservation_id: str, app: ServicesDep) -> Response:
    return json_response(reservation_json(await app.off_loop(app.ticketing.get_reservation, reservation_id)))


@router.delete("/reservations/{reservation_id}", response_model=ReservationOut, responses=ERRORS)
async def cancel_reservation(reservation_id: str, app: ServicesDep) -> Response:
    return json_response(reservation_json(await app.off_loop(app.ticketing.cancel, reservation_id)))


# ------------------------------------------------------------------ checkout
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


def paid_out(app: Services, order: Order) -> CheckoutOut:
    base = app.settings.public_url
    return CheckoutOut(
        status="paid", order_id=order.id,
        tickets=[TicketLinkOut(ticket_id=t.id, key=t.access_key, url=ticket_url(base, t.id, t.access_key))
                 for t in order.tickets],
    )


@router.post("/reservations/{reservation_id}/checkout", responses=ERRORS)
def checkout(reservation_id: str, app: ServicesDep) -> CheckoutOut:
    result = app.checkout.start(reservation_id)
    if isinstance(result, Paid):
        return paid_out(app, result.order)
    url = result.payment_url
    if url.startswith("/"):
        url = app.settings.public_url + url
    return CheckoutOut(status="payment_required", provider=result.provider, payment_url=url,
                       test_mode=result.test_mode)


@router.post("/demo-payments/{reservation_id}/pay", responses=ERRORS)
def pay_with_demo_provider(reservation_id: str, app: ServicesDep) -> CheckoutOut:
    """Test mode only: what the demo payment page's Pay button does, for scripts and tests."""
    if app.checkout.gateway.name != "demo":
        raise NotFound("The demo payment provider is not active")
    result = app.checkout.start(reservation_id)
    if isinstance(result, PaymentRequired):
        order = app.checkout.payment_succeeded(reservation_id, payment_ref=demo_payment_ref(reservation_id))
    else:
        order = result.order
    return paid_out(app, order)


# ------------------------------------------------------------------ tickets
class TicketOut(BaseModel):
    ticket_id: str
    event_id: str
    tier_id: str
    holder: str
    status: str
    qr_payload: str
    valid_until: datetime
    checked_in_at: datetime | None  # when the door admitted it; null until then


def ticket_out(app: Services, view: TicketView) -> TicketOut:
    ticket = view.ticket
    now = app.ticketing.clock.now()
    return TicketOut(
        ticket_id=ticket.id, event_id=ticket.event_id, tier_id=ticket.tier_id,
        holder=ticket.holder_name, status=ticket_status_word(ticket, view.event),
        qr_payload=app.door.qr_payload(ticket, now), valid_until=code_valid_until(now),
        checked_in_at=view.checkin.scanned_at if view.checkin else None,
    )


@router.get("/tickets/{ticket_id}", response_model=TicketOut, responses=ERRORS)
async def get_ticket(ticket_id: str, key: str, app: ServicesDep) -> Response:
    """The holder's ticket (the wallet link's `key` is the capability): today's code, and whether it is in.
    A key the ticket had before it was handed on answers `status: "transferred"` (api/transfers.py)."""
    try:
        view = await app.off_loop(app.queries.ticket_view, ticket_id, key)
    except NotFound:
        return json_response(await app.off_loop(transferred_ticket, app, ticket_id, key))
    return model_response(ticket_out(app, view))
