"""Dashboard sessions: a signed session JWT kept in NiceGUI's per-browser user storage.

It survives reloads, expires after SESSION_LIFETIME, and dies with "log out everywhere"
(the token carries the organizer's session epoch)."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import app, ui

from eventflow.domain.errors import NotFound, Unauthorized
from eventflow.domain.models import Event, Organizer
from eventflow.pages.components.frame import frame
from eventflow.services import Services

SESSION_KEY = "session"


def log_in(services: Services, organizer: Organizer) -> None:
    app.storage.user[SESSION_KEY] = services.tokens.session_token(organizer)


def log_out() -> None:
    app.storage.user.pop(SESSION_KEY, None)


def current_organizer(services: Services) -> Organizer | None:
    token = app.storage.user.get(SESSION_KEY)
    if not token:
        return None
    try:
        return services.organizer_for_token(token, kind="session")
    except Unauthorized:
        log_out()
        return None


def require_organizer(services: Services, here: str) -> Organizer | None:
    """The logged-in organizer, or None after sending the browser to the login page."""
    organizer = current_organizer(services)
    if organizer is None:
        ui.navigate.to(f"/login?next={quote(here)}")
    return organizer


def safe_next(target: str | None) -> str:
    """Only same-site paths: a login link must not bounce people to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/dashboard"


def require_own_event(services: Services, event_id: str, here: str) -> tuple[Organizer, Event] | None:
    """The logged-in organizer and their event; otherwise the login page or a "No such event" page."""
    organizer = require_organizer(services, here)
    if organizer is None:
        return None
    try:
        return organizer, services.ticketing.own_event(organizer.id, event_id)
    except NotFound:
        with frame("Not found", organizer):
            ui.label("No such event.")
        return None
