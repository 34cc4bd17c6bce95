"""Events and their ticket tiers: organizers create, price and publish; anyone reads a published event.

Organizer routes are plain `def` (FastAPI's thread pool); `GET /events/{id}` is what a ticket drop
hammers, so it is `async` and reaches the store through `Services.off_loop` (see the package docstring)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictBool, StrictInt

from eventflow.api.deps import OrganizerDep, ServicesDep, current_organizer, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.orders import ChangeOut, change_out
from eventflow.api.room_summary import RoomSummaryOut, room_summary_out
from eventflow.api.schemas import CatalogInstant, Strict, model_response
from eventflow.domain.access_codes import BuyerView
from eventflow.domain.analytics import orders_csv
from eventflow.domain.errors import NotFound, Unauthorized
from eventflow.domain.links import event_url
from eventflow.domain.models import Event, EventStatus, Tier
from eventflow.domain.money import TicketPrice
from eventflow.services import Services

router = resource_router()


class EventIn(Strict):
    title: str = Field(max_length=200)
    starts_at: CatalogInstant
    ends_at: CatalogInstant
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
    sales_start: CatalogInstant | None = None
    sales_end: CatalogInstant | None = None
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
    # With an access code (`?code=`): the price before its discount and the discount per ticket;
    # price_minor, fee_minor and total_minor are then what the code's holder pays.
    list_price_minor: int | None = None
    discount_minor: int = 0


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
    # A cancelled event: its refund batch's progress (failures listed to its organizer only).
    change: ChangeOut | None = None
    code: str | None = None  # the access code applied (`?code=`): its hidden tiers shown, its prices
    room: RoomSummaryOut | None = None  # `GET /events/{id}` only: waiting room / drop, opening, queue length


def tier_out(tier: Tier, event: Event) -> TierOut:
    price = TicketPrice.of(tier.price_minor, event.currency, event.fee_mode)
    return TierOut(
        id=tier.id, name=tier.name, price_minor=tier.price_minor, fee_minor=price.fee_minor,
        total_minor=price.buyer_total_minor, capacity=tier.capacity, available=tier.available,
        sold_out=tier.available == 0, max_per_order=tier.max_per_order,
        sales_start=tier.sales_start, sales_end=tier.sales_end, hidden=tier.hidden,
    )


def event_out(app: Services, event: Event, tiers: tuple[Tier, ...] | list[Tier], public: bool) -> EventOut:
    shown = [t for t in tiers if not (public and t.hidden)]
    return EventOut(
        id=event.id, slug=event.slug, organizer_id=event.organizer_id, title=event.title,
        description=event.description, starts_at=event.starts_at, ends_at=event.ends_at,
        timezone=event.timezone, venue=event.venue, currency=event.currency,
        fee_mode=event.fee_mode.value, status=event.status.value,
        url=event_url(app.settings.public_url, event.slug),
        tiers=[tier_out(t, event) for t in shown],
    )


@router.post("/events", status_code=201, responses=ERRORS)
def create_event(body: EventIn, app: ServicesDep, organizer_id: OrganizerDep) -> EventOut:
    event = app.catalog.create_event(organizer_id, **body.model_dump())
    return event_out(app, event, (), public=False)


@router.post("/events/{event_id}/tiers", status_code=201, responses=ERRORS)
def create_tier(event_id: str, body: TierIn, app: ServicesDep, organizer_id: OrganizerDep) -> TierOut:
    tier = app.catalog.add_tier(organizer_id, event_id, **body.model_dump())
    return tier_out(tier, app.catalog.own_event(organizer_id, event_id))


@router.delete("/events/{event_id}/tiers/{tier_id}", status_code=204, responses=ERRORS, response_class=Response)
def delete_tier(event_id: str, tier_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """A tier nothing is sold or held of; 409 `tier_has_sales` otherwise."""
    app.catalog.delete_tier(organizer_id, event_id, tier_id)
    return Response(status_code=204)


@router.delete("/events/{event_id}", status_code=204, responses=ERRORS, response_class=Response)
def delete_event(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """A draft without orders, with its tiers; 409 `event_not_deletable` otherwise (unpublish or cancel)."""
    app.catalog.delete_event(organizer_id, event_id)
    return Response(status_code=204)


@router.post("/events/{event_id}/publish", responses=ERRORS)
def publish(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> EventOut:
    app.catalog.publish(organizer_id, event_id)
    view = app.catalog.event_view(event_id)
    return event_out(app, view.event, view.tiers, public=False)


@router.get("/events/{event_id}/orders.csv", responses=ERRORS, response_class=Response)
def orders_export(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Orders and tickets of one event, one row per ticket (amounts in minor and major units, the
    event's local times, check-in state)."""
    event = app.catalog.own_event(organizer_id, event_id)
    orders = app.queries.orders(event_id)
    body = orders_csv(orders, app.queries.tiers(event_id), event.timezone, app.queries.checkins(event_id),
                      app.attendees.answer_sheet(event_id), app.queries.order_touches(orders))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}-orders.csv"'})


def coded_event_out(app: Services, view: BuyerView) -> EventOut:
    """A published event as the holder of a code sees it: public tiers and those the code unlocks,
    priced with its discount (domain/access_codes.py decides both)."""
    out = event_out(app, view.event, (), public=True)
    out.tiers = [
        TierOut(id=o.tier.id, name=o.tier.name, price_minor=o.price.price_minor, fee_minor=o.price.fee_minor,
                total_minor=o.price.buyer_total_minor, capacity=o.tier.capacity, available=o.tier.available,
                sold_out=o.tier.available == 0, max_per_order=o.tier.max_per_order,
                sales_start=o.tier.sales_start, sales_end=o.tier.sales_end, hidden=o.tier.hidden,
                list_price_minor=o.list_price_minor, discount_minor=o.discount_minor)
        for o in view.tiers
    ]
    out.code = view.code.code if view.code else None
    return out


def is_organizer_of(request: Request, event: Event) -> bool:
    """Whether the caller is the event's organizer (only asked when a token is sent: anonymous
    readers, a ticket drop, cost no token check)."""
    if not request.headers.get("authorization"):
        return False
    try:
        return current_organizer(request) == event.organizer_id
    except Unauthorized:
        return False


def event_for_viewer(request: Request, app: Services, event_id: str, code: str | None = None) -> EventOut:
    if code is not None:
        coded = app.codes.buyer_view(event_id, code)  # the code checked first: code_invalid & co.
        if coded.event.status is EventStatus.PUBLISHED:
            return coded_event_out(app, coded)
    view = app.catalog.event_view(event_id)
    if view.event.status is EventStatus.CANCELLED:
        return cancelled_event_out(request, app, view.event, view.tiers)
    if view.event.status is EventStatus.DRAFT:
        # A draft is visible to its organizer only; to everyone else it does not exist.
        try:
            owner = current_organizer(request)
        except Unauthorized:
            owner = None
        if owner != view.event.organizer_id:
            raise NotFound("No such event")
        return event_out(app, view.event, view.tiers, public=False)
    # The organizer sees every tier, hidden ones included; everyone else the public ones.
    return event_out(app, view.event, view.tiers, public=not is_organizer_of(request, view.event))


def cancelled_event_out(request: Request, app: Services, event: Event, tiers: tuple[Tier, ...]) -> EventOut:
    """A cancelled event with its refund progress (one more read, for cancelled events only)."""
    try:
        owner = current_organizer(request) == event.organizer_id
    except Unauthorized:
        owner = False
    out = event_out(app, event, tiers, public=not owner)
    change = app.queries.event_change(event.id)
    out.change = change_out(change, owner) if change else None
    return out


# A sync route would cost three thread-pool hops (dependency, body, response validation), and with
# the embedded store even one hop costs more than the work (benchmarks/bench_http.py:
# reservations/s more than doubled without it). The reply is serialized once.
@router.get("/events/{event_id}", response_model=EventOut, responses=ERRORS)
async def get_event(event_id: str, request: Request, app: ServicesDep, code: str | None = None) -> Response:
    """The event with its tiers: hidden tiers to its organizer only, or with `?code=` an access code
    that unlocks them (its discounted prices shown; a bad code is `code_invalid`, `code_used_up` or
    `code_not_active`)."""
    return model_response(await app.off_loop(event_with_room, request, app, event_id, code))


def event_with_room(request: Request, app: Services, event_id: str, code: str | None) -> EventOut:
    out = event_for_viewer(request, app, event_id, code)
    out.room = room_summary_out(app.waiting_room.summary(out.id))
    return out
