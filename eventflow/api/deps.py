"""What routes depend on: the app's `Services`, the organizer behind a bearer token, door staff.

`current_services` is `async` on purpose: FastAPI runs a plain `def` dependency in its thread
pool, a hop per request that the buyer-facing routes cannot afford. `current_organizer` stays a
plain `def` (run in the thread pool, so its store read never blocks the loop); `current_staff`
serves the door routes, which are async, so it reads through `Services.off_loop`."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from eventflow.domain.errors import Unauthorized
from eventflow.domain.models import StaffAccess
from eventflow.services import Services

PREFIX = "/api/v1"
TAGS: list[str | Enum] = ["EventFlow API v1"]


def resource_router() -> APIRouter:
    """The router of one resource module; `eventflow.api` gathers their routes into one."""
    return APIRouter(prefix=PREFIX, tags=TAGS)


def services(request: Request) -> Services:
    """The app's services, from inside a route or a dependency."""
    services_: Services = request.app.state.eventflow
    return services_


async def current_services(request: Request) -> Services:
    return services(request)


def bearer_token(request: Request, what: str) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(f"Send Authorization: Bearer <{what}>")
    return token.strip()


def current_organizer(request: Request) -> str:
    """The organizer id an API token speaks for (401 unless the token is valid and current)."""
    return services(request).organizer_for_token(bearer_token(request, "token")).id


async def current_staff(request: Request) -> StaffAccess:
    """Door staff authenticate with the token from their staff link (never an organizer password)."""
    token = bearer_token(request, "staff token")
    event_id = request.path_params.get("event_id")
    app = services(request)
    return await app.off_loop(app.staff.staff_for_token, token, event_id)


ServicesDep = Annotated[Services, Depends(current_services)]
OrganizerDep = Annotated[str, Depends(current_organizer)]
StaffDep = Annotated[StaffAccess, Depends(current_staff)]
