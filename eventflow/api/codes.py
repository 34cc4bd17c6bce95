"""Access and promo codes of an event (domain/access_codes.py): the organizer creates, lists, edits,
pauses, deletes and bulk-generates them (CSV download). Buyers use a code through
`GET /events/{id}?code=` (api/events.py) and a reservation's `code` (api/buying.py).

Organizer routes, so plain `def` (FastAPI's thread pool); another organizer's event is 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import Response
from pydantic import BaseModel, Field, StrictBool, StrictInt

from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import CatalogInstant, Strict
from eventflow.domain.access_codes import AccessCode, CodeSettings, codes_csv
from eventflow.domain.links import event_url

router = resource_router()

TierIds = list[str] | Literal["all"]


class CodeSettingsIn(Strict):
    """Every setting of a code; on PATCH only the fields sent change."""

    unlocks_tiers: TierIds | None = Field(default=None, max_length=50)
    discount_percent: StrictInt | None = None
    discount_minor: StrictInt | None = None
    discount_tiers: list[str] | None = Field(default=None, max_length=50)
    max_uses: StrictInt | None = None
    uses_count: Literal["tickets", "orders"] = "tickets"
    max_per_order: StrictInt | None = None
    valid_from: CatalogInstant | None = None
    valid_until: CatalogInstant | None = None
    label: str = Field(default="", max_length=120)


class CodeIn(CodeSettingsIn):
    code: str | None = Field(default=None, max_length=64)


class CodeBatchIn(CodeSettingsIn):
    count: StrictInt


class CodePatch(CodeSettingsIn):
    paused: StrictBool | None = None


class CodeOut(BaseModel):
    id: str
    event_id: str
    code: str
    state: str  # active, paused, scheduled, ended, used_up
    unlocks_tiers: list[str] | Literal["all"]
    discount_percent: int | None
    discount_minor: int | None
    discount_tiers: list[str] | None
    max_uses: int | None
    uses_count: str
    max_per_order: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    paused: bool
    label: str
    created_at: datetime
    uses: int  # held + confirmed
    held_uses: int
    confirmed_uses: int
    tickets_sold: int
    revenue_minor: int
    discount_given_minor: int
    url: str  # the event link with the code applied


def code_out(code: AccessCode, now: datetime, link: str) -> CodeOut:
    return CodeOut(
        id=code.id, event_id=code.event_id, code=code.code, state=code.state_at(now),
        unlocks_tiers="all" if code.unlocks_tiers is None else list(code.unlocks_tiers),
        discount_percent=code.discount_percent, discount_minor=code.discount_minor,
        discount_tiers=None if code.discount_tiers is None else list(code.discount_tiers),
        max_uses=code.max_uses, uses_count=code.uses_count.value, max_per_order=code.max_per_order,
        valid_from=code.valid_from, valid_until=code.valid_until, paused=code.paused, label=code.label,
        created_at=code.created_at, uses=code.uses, held_uses=code.held_uses, confirmed_uses=code.confirmed_uses,
        tickets_sold=code.tickets_sold, revenue_minor=code.revenue_minor,
        discount_given_minor=code.discount_given_minor, url=f"{link}?code={code.code}",
    )


def _settings(body: CodeSettingsIn, fields: set[str]) -> dict[str, Any]:
    """The body's `fields` as `CodeSettings` fields: `unlocks_tiers` "all" is None (every hidden tier),
    null or [] none; lists are tuples."""
    values = body.model_dump(include=fields)
    if "unlocks_tiers" in values:
        unlocks = values["unlocks_tiers"]
        values["unlocks_tiers"] = None if unlocks == "all" else tuple(unlocks or ())
    if values.get("discount_tiers") is not None:
        values["discount_tiers"] = tuple(values["discount_tiers"])
    return values


def _new_settings(body: CodeIn | CodeBatchIn) -> CodeSettings:
    """A new code's settings; an omitted `unlocks_tiers` means every hidden tier for a code without a
    discount (a VIP link), none for a discount code."""
    values = _settings(body, set(CodeSettingsIn.model_fields))
    if "unlocks_tiers" not in body.model_fields_set:
        discounted = body.discount_percent is not None or body.discount_minor is not None
        values["unlocks_tiers"] = () if discounted else None
    return CodeSettings(code=body.code if isinstance(body, CodeIn) else None, **values)


def _link(app: ServicesDep, organizer_id: str, event_id: str) -> str:
    return event_url(app.settings.public_url, app.catalog.own_event(organizer_id, event_id).slug)


@router.post("/events/{event_id}/codes", status_code=201, responses=ERRORS)
def create_code(event_id: str, body: CodeIn, app: ServicesDep, organizer_id: OrganizerDep) -> CodeOut:
    """A code: typed (`code`, case-insensitive) or generated; unlocks hidden tiers and/or discounts."""
    code = app.codes.create(organizer_id, event_id, _new_settings(body))
    return code_out(code, app.codes.clock.now(), _link(app, organizer_id, event_id))


@router.get("/events/{event_id}/codes", responses=ERRORS)
def list_codes(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> list[CodeOut]:
    """The event's codes (deleted ones left out) with their uses and sales figures."""
    link, now = _link(app, organizer_id, event_id), app.codes.clock.now()
    return [code_out(code, now, link) for code in app.codes.list(organizer_id, event_id)]


@router.post("/events/{event_id}/codes/batch", status_code=201, responses=ERRORS)
def generate_codes(event_id: str, body: CodeBatchIn, app: ServicesDep, organizer_id: OrganizerDep) -> list[CodeOut]:
    """`count` generated codes at once (single-use unless `max_uses` says otherwise)."""
    codes = app.codes.generate(organizer_id, event_id, body.count, _new_settings(body))
    link, now = _link(app, organizer_id, event_id), app.codes.clock.now()
    return [code_out(code, now, link) for code in codes]


@router.get("/events/{event_id}/codes.csv", responses=ERRORS, response_class=Response)
def codes_export(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """The event's codes as CSV (code, link with the code, limits, label): for a mail merge."""
    event = app.catalog.own_event(organizer_id, event_id)
    body = codes_csv(app.codes.list(organizer_id, event_id), event_url(app.settings.public_url, event.slug))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{event.slug}-codes.csv"'})


@router.patch("/events/{event_id}/codes/{code_id}", responses=ERRORS)
def update_code(event_id: str, code_id: str, body: CodePatch, app: ServicesDep,
                organizer_id: OrganizerDep) -> CodeOut:
    """Change the fields sent (any but the code's text); `paused` pauses or resumes it."""
    changes = _settings(body, body.model_fields_set - {"paused"})
    if body.paused is not None:
        changes["paused"] = body.paused
    code = app.codes.update(organizer_id, event_id, code_id, **changes)
    return code_out(code, app.codes.clock.now(), _link(app, organizer_id, event_id))


@router.delete("/events/{event_id}/codes/{code_id}", status_code=204, responses=ERRORS, response_class=Response)
def delete_code(event_id: str, code_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """The code stops working at once; one already used is kept for the sales figures."""
    app.codes.delete(organizer_id, event_id, code_id)
    return Response(status_code=204)
