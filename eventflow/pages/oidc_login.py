"""`/auth/oidc/login`, `/auth/oidc/callback`, `/auth/oidc/confirm`, `/auth/oidc/error`: "Log in with <provider>".

Registered only when an OpenID issuer is configured; the protocol is eventflow/adapters/oidc.py.
The login and callback are plain FastAPI routes: NiceGUI's RequestTrackingMiddleware puts every
HTTP request in `app.storage.user`'s context, so the callback can start the session and answer
with a real 303 redirect. Failures never reach the user as a 500: they land on the error page,
which explains what happened and links back to /login.

The provider's word alone does not open an account protected by more: one with two-factor login
asks for its code, and a password account with the same email is linked only after its password
(and code) are given once, on the confirm page (Accounts.login_with_identity / confirm_identity).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import Request
from nicegui import app, ui
from starlette.responses import RedirectResponse, Response

from eventflow.adapters.oidc import LoginFailed, OidcClient
from eventflow.domain.accounts import IdentityToConfirm
from eventflow.domain.errors import DomainError
from eventflow.domain.models import Organizer
from eventflow.i18n import _, error_text, use_visitor, visitor_from
from eventflow.pages.components.frame import frame
from eventflow.pages.components.session import client_address, hand_over, redirect, safe_next, start_session
from eventflow.services import Services

log = logging.getLogger("eventflow.pages.oidc_login")

LOGIN_PATH = "/auth/oidc/login"
CALLBACK_PATH = "/auth/oidc/callback"
ERROR_PATH = "/auth/oidc/error"
CONFIRM_PATH = "/auth/oidc/confirm"
CONFIRM_KEY = "oidc_confirm"  # the login waiting for the account's password/code, in app.storage.user
CONFIRM_SECONDS = 600
NEXT_KEY = "eventflow_oidc_next"  # where to go after the login, in the session cookie
ERROR_KEY = "oidc_error"  # the message the error page shows, in app.storage.user


def failure_words(request: Request, problem: LoginFailed) -> str:
    """The adapter's reason in the visitor's language (a route: the language from the request itself)."""
    with use_visitor(visitor_from(request.headers, request.cookies)):
        return _(problem.template).format(**problem.params)


def register(services: Services) -> None:
    oidc = OidcClient(services.settings)
    provider = oidc.provider
    redirect_uri = services.settings.public_url + CALLBACK_PATH

    def show_error(message: str) -> RedirectResponse:
        app.storage.user[ERROR_KEY] = message
        return redirect(ERROR_PATH)

    async def organizer_of(request: Request, target: str) -> Organizer | None:
        """The organizer to log in, or None when the account must be confirmed first (then the
        login waits in user storage for the confirm page)."""
        who = await oidc.identity(request)
        try:
            return await services.off_loop(services.accounts.login_with_identity, who.issuer, who.subject,
                                           who.email, who.name, who.email_verified)
        except IdentityToConfirm as confirm:
            app.storage.user[CONFIRM_KEY] = {
                "issuer": who.issuer, "subject": who.subject, "organizer_id": confirm.organizer_id,
                "email": confirm.email, "password": confirm.needs_password, "code": confirm.needs_code,
                "next": target, "until": time.time() + CONFIRM_SECONDS,
            }
            return None
        except DomainError as problem:
            with use_visitor(visitor_from(request.headers, request.cookies)):
                raise LoginFailed(error_text(problem)) from problem

    @app.get(LOGIN_PATH, include_in_schema=False)
    async def oidc_login(request: Request, next: str = "/dashboard") -> Response:
        request.session[NEXT_KEY] = safe_next(next)
        try:
            return await oidc.start(request, redirect_uri)
        except LoginFailed as problem:
            return show_error(failure_words(request, problem))
        except Exception:
            log.exception("starting the OIDC login failed")
            with use_visitor(visitor_from(request.headers, request.cookies)):  # a route: no page to ask
                return show_error(_("The login with {provider} could not be started. Please try again.").format(
                    provider=provider))

    @app.get(CALLBACK_PATH, include_in_schema=False)
    async def oidc_callback(request: Request) -> RedirectResponse:
        target = safe_next(request.session.pop(NEXT_KEY, None))
        try:
            organizer = await organizer_of(request, target)
        except LoginFailed as problem:
            return show_error(failure_words(request, problem))
        except Exception:
            log.exception("OIDC callback failed")
            with use_visitor(visitor_from(request.headers, request.cookies)):
                return show_error(_("The login with {provider} failed unexpectedly. Please try again.").format(
                    provider=provider))
        if organizer is None:
            return redirect(CONFIRM_PATH)
        start_session(services.tokens.session_token(organizer))
        return redirect(target)

    @ui.page(CONFIRM_PATH)
    def oidc_confirm_page() -> RedirectResponse | None:
        pending: Any = app.storage.user.get(CONFIRM_KEY)
        if not isinstance(pending, dict) or float(pending.get("until", 0)) < time.time():
            return redirect("/login")
        confirm_form(services, provider, pending)
        return None

    @ui.page(ERROR_PATH)
    def oidc_error_page() -> None:
        message = app.storage.user.pop(ERROR_KEY, None) or _("The login with {provider} did not complete.").format(
            provider=provider)
        with frame(_("Login failed")), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            ui.label(_("Could not log in with {provider}").format(provider=provider)).classes("text-2xl font-bold")
            ui.label(message).classes("text-red-700").props("data-testid=oidc-error")
            ui.link(_("Back to the login page"), "/login").props("data-testid=oidc-back")


def confirm_form(services: Services, provider: str, pending: dict[str, Any]) -> None:
    """The account's password (to link the identity, once) and/or its two-factor code."""
    with frame(_("Confirm your login")), ui.card().classes("w-full max-w-md mx-auto gap-3"):
        ui.label(_("Confirm it is you, {email}").format(email=pending["email"])).classes("text-2xl font-bold")
        ui.label(
            _("Your EventFlow account needs its password to link your {provider} login (once).").format(
                provider=provider)
            if pending["password"] else _("Your account has two-factor login on: enter its code.")
        ).classes("text-slate-600")
        password = ui.input(_("EventFlow password"), password=True).props(
            "autocomplete=current-password outlined data-testid=confirm-password")
        password.set_visibility(bool(pending["password"]))
        code = ui.input(_("6-digit code or a recovery code")).props(
            "autocomplete=one-time-code inputmode=numeric outlined data-testid=confirm-code")
        code.set_visibility(bool(pending["code"]))
        error = ui.label().classes("text-red-700").props("data-testid=confirm-error")

        async def submit() -> None:
            try:
                organizer = await services.off_loop(
                    services.accounts.confirm_identity, pending["issuer"], pending["subject"],
                    pending["organizer_id"], password.value or None, code.value or None, client=client_address(),
                )
            except DomainError as problem:
                code.set_visibility(code.visible or problem.code == "totp_required")
                error.text = error_text(problem)
                return
            app.storage.user.pop(CONFIRM_KEY, None)
            ui.navigate.to(hand_over(services, organizer, str(pending["next"])))

        for field in (password, code):
            field.on("keydown.enter", submit)
        ui.button(_("Continue"), on_click=submit).classes("w-full").props("size=lg data-testid=confirm-submit")
        ui.link(_("Cancel"), "/login")
