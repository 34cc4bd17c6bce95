"""`/auth/oidc/login`, `/auth/oidc/callback`, `/auth/oidc/error`: "Log in with <provider>".

Registered only when an OpenID issuer is configured; the protocol is eventflow/adapters/oidc.py.
The login and callback are plain FastAPI routes: NiceGUI's RequestTrackingMiddleware puts every
HTTP request in `app.storage.user`'s context, so `log_in` works here and the callback can answer
with a real 303 redirect. Failures never reach the user as a 500: they land on the error page,
which explains what happened and links back to /login.
"""

from __future__ import annotations

import logging

from fastapi import Request
from nicegui import app, ui
from starlette.responses import RedirectResponse, Response

from eventflow.adapters.oidc import LoginFailed, OidcClient
from eventflow.domain.errors import DomainError
from eventflow.domain.models import Organizer
from eventflow.pages.components.frame import frame
from eventflow.pages.components.session import log_in, redirect, safe_next
from eventflow.services import Services

log = logging.getLogger("eventflow.pages.oidc_login")

LOGIN_PATH = "/auth/oidc/login"
CALLBACK_PATH = "/auth/oidc/callback"
ERROR_PATH = "/auth/oidc/error"
NEXT_KEY = "eventflow_oidc_next"  # where to go after the login, in the session cookie
ERROR_KEY = "oidc_error"  # the message the error page shows, in app.storage.user


def register(services: Services) -> None:
    oidc = OidcClient(services.settings)
    provider = oidc.provider
    redirect_uri = services.settings.public_url + CALLBACK_PATH

    def show_error(message: str) -> RedirectResponse:
        app.storage.user[ERROR_KEY] = message
        return redirect(ERROR_PATH)

    async def organizer_of(request: Request) -> Organizer:
        who = await oidc.identity(request)
        try:
            return await services.off_loop(services.accounts.login_with_identity, who.issuer, who.subject,
                                           who.email, who.name, who.email_verified)
        except DomainError as problem:
            raise LoginFailed(problem.detail) from problem

    @app.get(LOGIN_PATH, include_in_schema=False)
    async def oidc_login(request: Request, next: str = "/dashboard") -> Response:
        request.session[NEXT_KEY] = safe_next(next)
        try:
            return await oidc.start(request, redirect_uri)
        except LoginFailed as problem:
            return show_error(str(problem))
        except Exception:
            log.exception("starting the OIDC login failed")
            return show_error(f"The login with {provider} could not be started. Please try again.")

    @app.get(CALLBACK_PATH, include_in_schema=False)
    async def oidc_callback(request: Request) -> RedirectResponse:
        target = safe_next(request.session.pop(NEXT_KEY, None))
        try:
            organizer = await organizer_of(request)
        except LoginFailed as problem:
            return show_error(str(problem))
        except Exception:
            log.exception("OIDC callback failed")
            return show_error(f"The login with {provider} failed unexpectedly. Please try again.")
        log_in(services, organizer)
        return redirect(target)

    @ui.page(ERROR_PATH)
    def oidc_error_page() -> None:
        message = app.storage.user.pop(ERROR_KEY, None) or f"The login with {provider} did not complete."
        with frame("Login failed"), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            ui.label(f"Could not log in with {provider}").classes("text-2xl font-bold")
            ui.label(message).classes("text-red-700").props("data-testid=oidc-error")
            ui.link("Back to the login page", "/login").props("data-testid=oidc-back")
