"""Wallet passes (domain/wallet_passes.py): `GET /tickets/{id}/pass.pkpass?key=…` is the holder's signed Apple
Wallet package (404 for a wrong key, 409 `passes_not_available` when the server has no pass certificate, the
organizer forbade passes or the ticket gets nobody in). Organizer routes `GET/PUT /events/{id}/wallet-passes`
`{forbidden}` switch them per event; `configured` says whether this server can make passes at all."""

from __future__ import annotations

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel

from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict, json_response
from eventflow.domain.errors import NotFound
from eventflow.domain.wallet_passes import WalletPasses
from eventflow.services import Services

router = resource_router()
PKPASS_TYPE = "application/vnd.apple.pkpass"


class PassSettingIn(Strict):
    forbidden: bool


class PassSettingOut(BaseModel):
    forbidden: bool
    configured: bool


def passes_of(app: Services) -> WalletPasses:
    if app.wallet_passes is None:
        raise NotFound("Wallet passes are not set up")
    return app.wallet_passes


@router.get("/tickets/{ticket_id}/pass.pkpass", responses={**ERRORS, 200: {"content": {PKPASS_TYPE: {}}}})
async def ticket_pass(ticket_id: str, app: ServicesDep, key: str = Query(max_length=200)) -> Response:
    """The ticket as an Apple Wallet pass: event, tier, attendee and a static code the door accepts."""
    package = await app.off_loop(passes_of(app).pkpass, ticket_id, key)
    return Response(package, media_type=PKPASS_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{ticket_id}.pkpass"', "Cache-Control": "no-store"})


@router.get("/events/{event_id}/wallet-passes", response_model=PassSettingOut, responses=ERRORS)
def get_pass_setting(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Whether holders may add this event's tickets to Apple Wallet."""
    app.catalog.own_event(organizer_id, event_id)
    passes = passes_of(app)
    return json_response({"forbidden": passes.forbidden(event_id), "configured": passes.configured})


@router.put("/events/{event_id}/wallet-passes", response_model=PassSettingOut, responses=ERRORS)
def put_pass_setting(event_id: str, body: PassSettingIn, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    app.catalog.own_event(organizer_id, event_id)
    passes = passes_of(app)
    passes.set_forbidden(event_id, body.forbidden)
    return json_response({"forbidden": body.forbidden, "configured": passes.configured})
