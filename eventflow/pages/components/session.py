"""Dashboard sessions: a signed session JWT kept in NiceGUI's per-browser user storage.

It survives reloads, expires after SESSION_LIFETIME, and dies with "log out everywhere"
(the token carries the organizer's session epoch). A protected page that finds nobody logged in
answers with an HTTP redirect to the login page (NiceGUI sends a page function's `Response` as is)."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import app
from starlette.responses import RedirectResponse

from eventflow.domain.errors import NotFound, Unauthorized
from eventflow.domain.models import Event, Organizer
from eventflow.pages.components.frame import not_found
from eventflow.services import Services

SESSION_KEY = "session"


def log_in(services: Services, organizer: Organizer) -> None:
    app.storage.user[SESSION_KEY] = services.tokens.session_token(organizer)


def log_out() -> None:
    app.storage.user.pop(SESSION_KEY, None)


async def current_organizer(services: Services) -> Organizer | None:
    token = app.storage.user.get(SESSION_KEY)
    if not token:
        return None
    try:
        return await services.off_loop(services.organizer_for_token, token, kind="session")
    except Unauthorized:
        log_out()
        return None


def redirect(path: str) -> RedirectResponse:
    """A real 303, so the browser (and anything without JavaScript) goes there at once."""
    return RedirectResponse(path, status_code=303)


def to_login(here: str) -> RedirectResponse:
    return redirect(f"/login?next={quote(here)}")


async def require_organizer(services: Services, here: str) -> Organizer | RedirectResponse:
    """The logged-in organizer, or the redirect to the login page that the page should return."""
    organizer = await current_organizer(services)
    return organizer if organizer is not None else to_login(here)


def safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not bounce people to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/dashboard"


async def require_own_event(
    services: Services, event_id: str, here: str
) -> tuple[Organizer, Event] | RedirectResponse | None:
    """The logged-in organizer and their event. Otherwise what the page returns: the redirect to the
    login page, or None after showing a 404 "No such event" page."""
    organizer = await require_organizer(services, here)
    if isinstance(organizer, RedirectResponse):
        return organizer
    try:
        return organizer, await services.off_loop(services.catalog.own_event, organizer.id, event_id)
    except NotFound:
        not_found("event", organizer)
        return None
