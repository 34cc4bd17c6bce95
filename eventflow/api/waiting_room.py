"""Fair sales (issue 13) over the API: an event's sale settings (organizer) and its waiting room (buyers).

- `GET/PUT /events/{id}/sale-settings`: one standing hold per buyer, drop mode, the waiting room (opens at,
  admissions per minute), the cap on tickets per buyer (held + bought,
  domain/buyer_caps.py). Organizer routes: plain `def`.
- `POST /events/{id}/waiting-room` (join; `{visitor_id}` to come back to one's place) and
  `GET /events/{id}/waiting-room/{visitor_id}`: the place, the estimated wait, and once admitted the signed
  `pass` that `POST /events/{id}/reservations` takes as `room_pass`. Buyers' routes: async, one off-loop call.
A reserve without a valid pass on such a sale is 403 `waiting_room` with `queue`: where to join.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictBool, StrictInt

from eventflow.adapters.rate_limit import RateLimited
from eventflow.api.auth import rate_limited
from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import CatalogInstant, Strict
from eventflow.domain.sale_settings import SaleSettings
from eventflow.domain.waiting_room import RoomStatus, WaitingRoomRequired

router = resource_router()


class SaleSettingsIn(Strict):
    one_hold_per_buyer: StrictBool | None = None  # null: the platform's default
    drop_mode: StrictBool | None = None  # null: the platform's default
    waiting_room: StrictBool = False
    opens_at: CatalogInstant | None = None
    admissions_per_minute: StrictInt | None = None  # null: computed from capacity and hold length
    max_tickets_per_buyer: StrictInt | None = None  # held + bought per buyer email; null: no cap


class SaleSettingsOut(BaseModel):
    event_id: str
    one_hold_per_buyer: bool | None
    drop_mode: bool | None
    waiting_room: bool
    opens_at: datetime | None
    admissions_per_minute: int | None
    max_tickets_per_buyer: int | None = None


class JoinIn(Strict):
    visitor_id: str | None = Field(default=None, max_length=64)


class RoomOut(BaseModel):
    visitor_id: str
    state: str  # before_opening, waiting, admitted, sold_out
    position: int | None
    ahead: int | None
    wait_seconds: int | None
    opens_at: datetime | None
    room_pass: str | None
    pass_expires_at: datetime | None


def settings_out(settings: SaleSettings) -> SaleSettingsOut:
    return SaleSettingsOut(event_id=settings.event_id, one_hold_per_buyer=settings.one_hold_per_buyer,
                           drop_mode=settings.drop_mode, waiting_room=settings.waiting_room,
                           opens_at=settings.opens_at, admissions_per_minute=settings.admissions_per_minute,
                           max_tickets_per_buyer=settings.max_tickets_per_buyer)


def room_out(status: RoomStatus) -> RoomOut:
    return RoomOut(visitor_id=status.visitor_id, state=status.state.value, position=status.position,
                   ahead=status.ahead, wait_seconds=status.wait_seconds, opens_at=status.opens_at,
                   room_pass=status.room_pass, pass_expires_at=status.pass_expires_at)


def waiting_room_refusal(refusal: WaitingRoomRequired, event_id: str) -> JSONResponse:
    """403 `waiting_room` with the join route (`queue`) for a reserve without a valid pass."""
    return JSONResponse({"error": refusal.code, "detail": refusal.detail,
                         "queue": f"/api/v1/events/{event_id}/waiting-room"}, status_code=refusal.status)


@router.get("/events/{event_id}/sale-settings", responses=ERRORS)
def get_sale_settings(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> SaleSettingsOut:
    app.catalog.own_event(organizer_id, event_id)
    return settings_out(app.waiting_room.rules.stored(event_id))


@router.put("/events/{event_id}/sale-settings", responses=ERRORS)
def put_sale_settings(event_id: str, body: SaleSettingsIn, app: ServicesDep,
                      organizer_id: OrganizerDep) -> SaleSettingsOut:
    app.catalog.own_event(organizer_id, event_id)
    return settings_out(app.waiting_room.rules.save(SaleSettings(event_id, **body.model_dump())))


@router.post("/events/{event_id}/waiting-room", status_code=201, response_model=RoomOut, responses=ERRORS)
async def join_waiting_room(event_id: str, body: JoinIn, request: Request, app: ServicesDep) -> Response:
    """Enter the sale's waiting room (or, with your `visitor_id`, come back to your place). New visitors per
    client address are rate limited (429 `rate_limited`, Retry-After): each join is a draw in the lottery."""
    if body.visitor_id is None and request.client is not None:
        try:
            app.room_join_limiter.hit(f"ip:{request.client.host}")
        except RateLimited as limited:
            return rate_limited(limited)
    status = room_out(await app.off_loop(app.waiting_room.join, event_id, body.visitor_id))
    return JSONResponse(status.model_dump(mode="json"), status_code=201)


@router.get("/events/{event_id}/waiting-room/{visitor_id}", responses=ERRORS)
async def waiting_room_status(event_id: str, visitor_id: str, app: ServicesDep) -> RoomOut:
    """Your place, the estimated wait, and once admitted your pass for the reservation (`room_pass`)."""
    return room_out(await app.off_loop(app.waiting_room.status, event_id, visitor_id))
