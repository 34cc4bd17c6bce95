"""The organizer's waitlist controls over the API (issue 13), as the dashboard's waitlist panel has them:
- `GET /events/{id}/waitlist.csv`: every entry (position, tier, name, email, quantity, status, joined, offered);
- `GET/PUT /events/{id}/waitlist/settings`: how long an offer lasts, partial offers, and the pause (paused: the
  tickets owed to the queue go on public sale). A PUT changes the fields it sends. Organizer routes: plain `def`."""

from __future__ import annotations

from dataclasses import replace

from fastapi import Response
from pydantic import BaseModel, StrictBool, StrictInt

from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict
from eventflow.domain.waitlist_rules import WaitlistSettings

router = resource_router()


class WaitlistSettingsIn(Strict):
    offer_minutes: StrictInt | None = None
    partial: StrictBool | None = None
    paused: StrictBool | None = None


class WaitlistSettingsOut(BaseModel):
    event_id: str
    offer_minutes: int
    partial: bool
    paused: bool


def settings_out(settings: WaitlistSettings) -> WaitlistSettingsOut:
    return WaitlistSettingsOut(event_id=settings.event_id, offer_minutes=settings.offer_minutes,
                               partial=settings.partial, paused=settings.paused)


@router.get("/events/{event_id}/waitlist.csv", responses=ERRORS, response_class=Response)
def waitlist_export(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """The event's waitlists as CSV, one row per entry in queue order."""
    event = app.catalog.own_event(organizer_id, event_id)
    return Response(app.waitlist.export_csv(organizer_id, event_id), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}-waitlist.csv"'})


@router.get("/events/{event_id}/waitlist/settings", responses=ERRORS)
def waitlist_settings(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> WaitlistSettingsOut:
    app.catalog.own_event(organizer_id, event_id)
    return settings_out(app.waitlist.settings(event_id))


@router.put("/events/{event_id}/waitlist/settings", responses=ERRORS)
def save_waitlist_settings(event_id: str, body: WaitlistSettingsIn, app: ServicesDep,
                           organizer_id: OrganizerDep) -> WaitlistSettingsOut:
    """Change the fields sent; pausing puts the tickets owed to the queue on public sale, resuming offers again."""
    app.catalog.own_event(organizer_id, event_id)
    changes = {name: value for name, value in body.model_dump().items() if value is not None}
    settings = replace(app.waitlist.settings(event_id), **changes)
    return settings_out(app.waitlist.save_settings(organizer_id, settings))
