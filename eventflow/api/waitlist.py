"""Waitlists of sold-out tiers (issue 13): join, see your place, leave (buyer, with the entry's key);
the organizer's list.

Joining goes through `Services.join_waitlist` (the rate limit per IP and buyer, then the domain), the
same call the event page's form makes. Offers are made by the waitlist job, not by a route."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictInt

from eventflow.adapters.rate_limit import RateLimited
from eventflow.api.auth import rate_limited
from eventflow.api.buying import mail_language
from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict, json_response
from eventflow.domain.waitlist import EntryView
from eventflow.domain.waitlist_rules import WaitlistEntry

router = resource_router()
Status = Literal["waiting", "offered", "claimed", "expired", "left"]


class WaitlistIn(Strict):
    email: str = Field(max_length=254)
    name: str = Field(max_length=120)
    quantity: StrictInt = 1


class OfferOut(BaseModel):
    reservation_id: str
    expires_at: datetime | None


class JoinedOut(BaseModel):
    entry_id: str
    key: str
    position: int
    status: Status


class EntryOut(BaseModel):
    entry_id: str
    tier_id: str
    quantity: int
    position: int  # waiting entries ahead + 1; 0 once not waiting
    status: Status
    offer: OfferOut | None


class OrganizerEntryOut(BaseModel):
    entry_id: str
    tier_id: str
    queue_number: int
    name: str
    email: str
    quantity: int
    status: Status
    joined_at: datetime
    offer: OfferOut | None


def _offer(entry: WaitlistEntry) -> dict[str, Any] | None:
    if entry.reservation_id is None:
        return None
    return {"reservation_id": entry.reservation_id, "expires_at": entry.offer_expires_at}


def entry_json(view: EntryView) -> dict[str, Any]:
    entry = view.entry
    return {"entry_id": entry.id, "tier_id": entry.tier_id, "quantity": entry.quantity, "position": view.position,
            "status": entry.status.value, "offer": _offer(entry)}


@router.post("/events/{event_id}/tiers/{tier_id}/waitlist", status_code=201, response_model=JoinedOut,
             responses=ERRORS)
async def join_waitlist(event_id: str, tier_id: str, body: WaitlistIn, request: Request, app: ServicesDep) -> Response:
    """Join a sold-out tier's waitlist; `409 not_sold_out` while its tickets are on sale. Keep `key`:
    it opens `GET /waitlist/{entry_id}?key=` (your place, your offer) and the leave."""
    try:
        view = await app.join_waitlist(event_id, tier_id, body.email, body.name, body.quantity,
                                       request.client.host if request.client else None, mail_language(request))
    except RateLimited as limited:  # 429 `rate_limited` with Retry-After
        return rate_limited(limited)
    return json_response({"entry_id": view.entry.id, "key": view.entry.key, "position": view.position,
                          "status": view.status.value}, status=201)


@router.get("/waitlist/{entry_id}", response_model=EntryOut, responses=ERRORS)
async def waitlist_entry(entry_id: str, app: ServicesDep, key: str = "") -> Response:
    """Your place in the queue, or your offer (its hold; check out at `/checkout/{reservation_id}`)."""
    return json_response(entry_json(await app.off_loop(app.waitlist.status, entry_id, key)))


@router.delete("/waitlist/{entry_id}", response_model=EntryOut, responses=ERRORS)
async def leave_waitlist(entry_id: str, app: ServicesDep, key: str = "") -> Response:
    """Leave the waitlist; an open offer is given up and passes to the next person waiting."""
    return json_response(entry_json(await app.off_loop(app.waitlist.leave, entry_id, key)))


@router.get("/events/{event_id}/waitlist", response_model=list[OrganizerEntryOut], responses=ERRORS)
def event_waitlist(event_id: str, organizer_id: OrganizerDep, app: ServicesDep) -> list[OrganizerEntryOut]:
    """Every entry of the event's waitlists, by tier and queue number (the organizer's)."""
    board = app.waitlist.board(organizer_id, event_id)
    return [OrganizerEntryOut(entry_id=e.id, tier_id=e.tier_id, queue_number=e.position, name=e.name, email=e.email,
                              quantity=e.quantity, status=e.status.value, joined_at=e.created_at,
                              offer=OfferOut.model_validate(_offer(e)) if e.reservation_id else None)
            for e in board.entries]
