"""Ticket transfers (domain/transfers.py): the holder hands a ticket on; the organizer's rule.

`POST /tickets/{id}/transfer?key=…` `{name, email}` is the holder's (the wallet key is the capability,
as on `GET /tickets/{id}`): 200 `{status: "transferred", ticket_id, transferred_at}`. The new wallet
link is mailed to the new holder only, never answered to the old one. Bad input is 422 naming the
field (`name`, `email`), a wrong key 404, a ticket that cannot be handed on 409 with why
(`ticket_checked_in`, `ticket_not_valid`, `transfer_not_allowed`, `ticket_changed`).
`GET /tickets/{id}?key=<old key>` answers `status: "transferred"` (`transferred_ticket`, called by
api/buying.py). Organizer routes `GET/PUT /events/{id}/transfer-policy` `{rule, deadline?}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import Query, Request
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from eventflow.api.attendees import invalid
from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict, json_response
from eventflow.domain.errors import NotFound, ValidationFailed
from eventflow.domain.transfers import TicketTransfer, TransferPolicy
from eventflow.i18n import negotiate
from eventflow.services import Services

router = resource_router()


class TransferIn(Strict):
    name: str = Field(max_length=1000)  # the domain's limit (120) answers with the field's name
    email: str = Field(max_length=1000)
    language: str | None = Field(default=None, max_length=35)  # the new holder's, if known (en, de, es)


class TransferOut(BaseModel):
    status: Literal["transferred"]
    ticket_id: str
    transferred_at: datetime


class PolicyIn(Strict):
    rule: Literal["allow", "forbid", "deadline"]
    deadline: AwareDatetime | None = None  # with "deadline": the last instant a transfer is accepted


class PolicyOut(BaseModel):
    rule: str
    deadline: datetime | None


def transfer_json(record: TicketTransfer) -> dict[str, object]:
    return {"status": "transferred", "ticket_id": record.ticket_id, "transferred_at": record.at}


def policy_json(policy: TransferPolicy) -> dict[str, object]:
    return {"rule": policy.rule.value, "deadline": policy.deadline}


def transferred_ticket(app: Services, ticket_id: str, key: str) -> dict[str, object]:
    """What an old wallet key's `GET /tickets/{id}` answers once the ticket was handed on; NotFound
    for a key that never opened this ticket (no oracle: the same 404 as a wrong key)."""
    retired = app.transfers.retired_link(ticket_id, key)
    if retired is None:
        raise NotFound("No such ticket")
    record, ticket = retired
    return {"ticket_id": record.ticket_id, "event_id": record.event_id, "tier_id": ticket.tier_id,
            "holder": record.from_name,
            "status": "transferred", "qr_payload": "", "valid_until": None, "checked_in_at": None,
            "transferred_at": record.at}


@router.post("/tickets/{ticket_id}/transfer", response_model=TransferOut, responses=ERRORS)
async def transfer_ticket(ticket_id: str, body: TransferIn, app: ServicesDep, request: Request,
                          key: str = Query(max_length=200)) -> Response:
    """Hand the ticket on: a new code and link for the new attendee (mailed to them), the old ones stop working.
    Their mail is in `language` if given, else the caller's Accept-Language, else the ticket's buyer's."""
    try:
        header = request.headers.get("accept-language")  # api/buying.mail_language (buying imports this module)
        language = body.language or (negotiate(header[:200]).language if header else None)
        record = await app.transfer_ticket(ticket_id, key, body.name, body.email, language)
    except ValidationFailed as problem:
        return invalid(problem)
    return json_response(transfer_json(record))


@router.get("/events/{event_id}/transfer-policy", response_model=PolicyOut, responses=ERRORS)
def get_transfer_policy(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Whether the event's tickets may be handed on: allow (default), forbid, or until a deadline."""
    app.catalog.own_event(organizer_id, event_id)
    return json_response(policy_json(app.transfers.policy(event_id)))


@router.put("/events/{event_id}/transfer-policy", response_model=PolicyOut, responses=ERRORS)
def put_transfer_policy(event_id: str, body: PolicyIn, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    app.catalog.own_event(organizer_id, event_id)
    try:
        policy = app.transfers.save_policy(event_id, body.rule, body.deadline)
    except ValidationFailed as problem:
        return invalid(problem)
    return json_response(policy_json(policy))
