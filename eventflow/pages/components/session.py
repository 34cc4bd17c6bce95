"""Dashboard sessions: a signed session JWT kept in NiceGUI's per-browser user storage, bound to
a secret that the login puts into the browser's session cookie.

The JWT survives reloads, expires after SESSION_LIFETIME and dies with "log out everywhere" (it
carries the organizer's session epoch). The binding is the session's rotation at login: NiceGUI
keys user storage by a browser id in its cookie, and that id does not change when someone logs
in, so a cookie planted before the login (session fixation) would share the logged-in storage.
A login therefore clears the storage and writes a fresh random secret into the cookie; the
storage keeps only its hash, and a browser without the secret is not logged in.

Cookies can only be set in an HTTP response, and the login form talks over the websocket: the form
leaves the proven login in user storage for a minute (`hand_over`) and sends the browser to
`/login/done?nonce=...` (pages/login.py), whose request binds it (`take_over`). The nonce goes only
to the tab that logged in.

A protected page that finds nobody logged in answers with an HTTP redirect to the login page
(NiceGUI sends a page function's `Response` as is)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

from nicegui import app, ui
from starlette.responses import RedirectResponse

from eventflow.domain.errors import NotFound, Unauthorized
from eventflow.domain.models import Event, Organizer
from eventflow.pages.components.frame import not_found
from eventflow.services import Services

SESSION_KEY = "session"  # user storage: {"token": session JWT, "binding": sha256 of the cookie's secret}
BINDING_KEY = "login"  # the session cookie: the secret set at login
PENDING_KEY = "pending_login"  # user storage: a login proven over the websocket, for /login/done
DONE_PATH = "/login/done"
PENDING_SECONDS = 60
DEFAULT_TARGET = "/dashboard"
MAX_TARGET_LENGTH = 2000


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(token: str) -> None:
    """Log this browser in (in an HTTP request: it sets the cookie's binding secret)."""
    app.storage.user.clear()  # whatever this browser id held before the login goes with it
    binding = secrets.token_urlsafe(32)
    app.storage.browser[BINDING_KEY] = binding
    app.storage.user[SESSION_KEY] = {"token": token, "binding": _hash(binding)}


def end_session() -> None:
    """Log this browser out (in an HTTP request)."""
    app.storage.user.clear()
    app.storage.browser.pop(BINDING_KEY, None)


def renew_session(services: Services, organizer: Organizer) -> None:
    """A fresh token for the session this browser already has (after "log out everywhere")."""
    record = app.storage.user.get(SESSION_KEY)
    if isinstance(record, dict):
        app.storage.user[SESSION_KEY] = {**record, "token": services.tokens.session_token(organizer)}


def hand_over(services: Services, organizer: Organizer, target: str | None) -> str:
    """Where to send the browser after a login proven over the websocket (see the module doc)."""
    nonce = secrets.token_urlsafe(24)
    app.storage.user[PENDING_KEY] = {
        "nonce": _hash(nonce), "token": services.tokens.session_token(organizer),
        "until": time.time() + PENDING_SECONDS,
    }
    return f"{DONE_PATH}?{urlencode({'nonce': nonce, 'next': safe_next(target)})}"


def take_over(nonce: str) -> bool:
    """Bind the login `hand_over` left for this browser, if the nonce is its own and still fresh."""
    pending: Any = app.storage.user.pop(PENDING_KEY, None)
    if not isinstance(pending, dict) or float(pending.get("until", 0)) < time.time():
        return False
    if not hmac.compare_digest(str(pending.get("nonce", "")), _hash(nonce)):
        return False
    start_session(str(pending["token"]))
    return True


def client_address() -> str | None:
    """The address of the browser behind this page (failed logins are counted per address too)."""
    request = ui.context.client.request
    return request.client.host if request is not None and request.client is not None else None


async def current_organizer(services: Services) -> Organizer | None:
    record = app.storage.user.get(SESSION_KEY)
    binding = app.storage.browser.get(BINDING_KEY)
    if not isinstance(record, dict) or not isinstance(binding, str):
        return None
    if not hmac.compare_digest(str(record.get("binding", "")), _hash(binding)):
        return None  # this browser id's storage, but not the browser that logged in
    try:
        return await services.off_loop(services.organizer_for_token, str(record.get("token", "")), kind="session")
    except Unauthorized:
        app.storage.user.pop(SESSION_KEY, None)
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
    """Where a login may send the browser: a path on this site, else the dashboard.

    Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so `/\\evil`,
    `/<tab>/evil` and `//evil` all lead to another site; so can the same, percent-encoded, once
    something decodes it again. The target is read the way a browser reads it, then checked
    (and decoded, up to three times) to name no scheme and no host; what was checked is returned."""
    if not target or len(target) > MAX_TARGET_LENGTH:
        return DEFAULT_TARGET
    cleaned = _as_a_browser_reads(target)
    if any(ch.isspace() or not ch.isprintable() for ch in cleaned):
        return DEFAULT_TARGET  # the links this app makes are quoted; raw spaces are someone's trick
    candidate = cleaned
    for _ in range(3):
        if not _a_path_here(candidate):
            return DEFAULT_TARGET
        candidate = _as_a_browser_reads(unquote(candidate))
    return cleaned if _a_path_here(candidate) else DEFAULT_TARGET


def _as_a_browser_reads(target: str) -> str:
    """Without ASCII control characters (browsers drop them), backslashes as slashes, ends trimmed."""
    return "".join(ch for ch in target if ord(ch) >= 0x20 and ord(ch) != 0x7F).replace("\\", "/").strip()


def _a_path_here(target: str) -> bool:
    parts = urlsplit(target)
    return target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc


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
