"""My tickets (domain/my_tickets.py): every ticket of one email, after a one-time link by mail.

`POST /my-tickets/link {email}` answers 202 whether or not the address has tickets (nothing to learn from
it); a malformed address is 422. `POST /my-tickets/session {token}` opens the mailed link's token once:
200 `{session, email}`, 401 when forged, expired or used. `GET /my-tickets` with
`Authorization: Bearer <session>` lists the tickets, upcoming first; a ticket handed on is
`state: "transferred"` with no `url` (its link is the new holder's)."""

from __future__ import annotations

from datetime import datetime

from fastapi import BackgroundTasks, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from eventflow.api.attendees import invalid
from eventflow.api.deps import ServicesDep, bearer_token, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict, json_response
from eventflow.domain.errors import ValidationFailed
from eventflow.domain.my_tickets import MyTicket

router = resource_router()


class LinkIn(Strict):
    email: str = Field(max_length=1000)


class SessionIn(Strict):
    token: str = Field(max_length=2000)


class SessionOut(BaseModel):
    session: str
    email: str


class MyTicketOut(BaseModel):
    ticket_id: str
    event_id: str
    event_title: str
    starts_at: datetime
    ends_at: datetime
    tier: str
    holder: str
    state: str
    url: str | None
    upcoming: bool


def ticket_json(ticket: MyTicket, base_url: str) -> dict[str, object]:
    return {"ticket_id": ticket.ticket_id, "event_id": ticket.event_id, "event_title": ticket.event_title,
            "starts_at": ticket.starts_at.isoformat(), "ends_at": ticket.ends_at.isoformat(),
            "tier": ticket.tier_name, "holder": ticket.holder_name, "state": ticket.state,
            "url": f"{base_url}{ticket.path}" if ticket.path else None, "upcoming": ticket.upcoming}


@router.post("/my-tickets/link", status_code=202, responses=ERRORS)
async def my_tickets_link(body: LinkIn, app: ServicesDep, after: BackgroundTasks) -> Response:
    """Mail a one-time sign-in link to this address if it has tickets; the same 202 either way (the mail is
    sent after the answer, so its time tells nothing either)."""
    try:
        queued = await app.off_loop(app.my_tickets.request_link, body.email)
    except ValidationFailed as problem:
        return invalid(problem)
    if queued:
        after.add_task(app.in_thread, app.outbox_sender.send_now, queued)
    return json_response({"status": "accepted"}, status=202)


@router.post("/my-tickets/session", response_model=SessionOut, responses=ERRORS)
async def my_tickets_session(body: SessionIn, app: ServicesDep) -> Response:
    """Open the mailed link's token (once): a session for `GET /my-tickets`."""
    session = await app.off_loop(app.my_tickets.sign_in, body.token)
    return json_response({"session": session, "email": app.my_tickets.email_of(session)})


@router.get("/my-tickets", response_model=list[MyTicketOut], responses=ERRORS)
async def my_tickets(request: Request, app: ServicesDep) -> Response:
    """Every ticket of the session's email: as buyer, named attendee or transfer recipient."""
    email = app.my_tickets.email_of(bearer_token(request, "session"))
    tickets = await app.off_loop(app.my_tickets.tickets, email)
    return json_response([ticket_json(t, app.settings.public_url) for t in tickets])
