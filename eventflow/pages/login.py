"""`/login`, `/signup`, `/logout`: organizer accounts (password, then the 2FA code if enabled).

The forms talk over the websocket; a proven login is handed to `/login/done`, an HTTP request
that can set the session cookie (pages/components/session.py). Logging out is a POST (the
header's button); `GET /logout` only asks, so a link or an image elsewhere cannot log anyone out."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import app, ui
from starlette.responses import RedirectResponse

from eventflow.domain.accounts import SecondFactorRequired
from eventflow.domain.errors import DomainError
from eventflow.i18n import _, current_language, error_text
from eventflow.pages.components.frame import frame, heading, logout_form
from eventflow.pages.components.session import (
    DONE_PATH,
    client_address,
    current_organizer,
    end_session,
    hand_over,
    redirect,
    safe_next,
    take_over,
)
from eventflow.services import Services


def register(services: Services) -> None:
    @ui.page("/login")
    async def login_page(next: str = "/dashboard") -> RedirectResponse | None:
        target = safe_next(next)
        if await current_organizer(services) is not None:
            return redirect(target)
        with frame(_("Log in")), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            heading(_("Organizer login")).classes("text-2xl font-bold m-0")
            email = ui.input(_("Email")).props(
                "type=email autocomplete=username outlined data-testid=login-email"
            ).classes("w-full")
            password = ui.input(_("Password"), password=True).props(
                "autocomplete=current-password outlined data-testid=login-password"
            ).classes("w-full")
            code = ui.input(_("6-digit code or a recovery code")).props(
                "autocomplete=one-time-code inputmode=numeric outlined data-testid=login-code"
            ).classes("w-full")
            code.set_visibility(False)
            error = ui.label().classes("text-red-700").props("data-testid=login-error")
            handed_over: list[str] = []  # a second click (or Enter) while the first one logs in does nothing

            async def submit() -> None:
                if handed_over:
                    return
                error.text = ""
                try:
                    organizer = await services.off_loop(
                        services.accounts.authenticate, email.value or "", password.value or "", code.value or None,
                        client=client_address(),
                    )
                except SecondFactorRequired as problem:
                    code.set_visibility(True)
                    code.run_method("focus")
                    error.text = error_text(problem) if code.value else ""
                    return
                except DomainError as problem:
                    error.text = error_text(problem)
                    return
                await services.off_loop(services.accounts.language_at_login, organizer, current_language())
                handed_over.append(hand_over(services, organizer, target))
                ui.navigate.to(handed_over[0])

            for field in (email, password, code):
                field.on("keydown.enter", submit)
            ui.button(_("Log in"), on_click=submit).classes("w-full").props("size=lg data-testid=login-submit")
            if services.settings.oidc_issuer:
                ui.button(_("Log in with {provider}").format(provider=services.settings.oidc_provider_name), icon="key",
                          on_click=lambda: ui.navigate.to(f"/auth/oidc/login?next={quote(target)}")) \
                    .classes("w-full").props("outline data-testid=login-oidc")
            ui.link(_("Forgot your password?"), "/forgot-password").classes("text-sm").props(
                "data-testid=login-forgot")
            with ui.row().classes("gap-1 text-sm"):
                ui.label(_("New here?"))
                ui.link(_("Create an organizer account"), "/signup")
        return None

    @ui.page("/signup")
    def signup_page() -> None:
        with frame(_("Sign up")), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            heading(_("Create your organizer account")).classes("text-2xl font-bold m-0")
            name = ui.input(_("Your name or collective")).props(
                "autocomplete=name outlined data-testid=signup-name"
            ).classes("w-full")
            email = ui.input(_("Email")).props(
                "type=email autocomplete=email outlined data-testid=signup-email").classes("w-full")
            password = ui.input(_("Password (8+ characters)"), password=True).props(
                "autocomplete=new-password outlined data-testid=signup-password"
            ).classes("w-full")
            error = ui.label().classes("text-red-700").props("data-testid=signup-error")

            async def submit() -> None:
                try:
                    sign_up = services.email_checks.sign_up if services.email_checks else services.accounts.sign_up
                    organizer = await services.off_loop(
                        sign_up, email.value or "", password.value or "", name.value or "", current_language())
                except DomainError as problem:
                    error.text = error_text(problem)
                    return
                ui.navigate.to(hand_over(services, organizer, "/dashboard"))

            ui.button(_("Create account"), on_click=submit).classes("w-full").props(
                "size=lg data-testid=signup-submit"
            )
            with ui.row().classes("gap-1 text-sm"):
                ui.label(_("Already have one?"))
                ui.link(_("Log in"), "/login")

    @ui.page(DONE_PATH)
    async def login_done(nonce: str = "", next: str = "/dashboard") -> None:
        """Bind the login the form proved, then go on (navigating, not redirecting: see session.py)."""
        target = safe_next(next)
        logged_in = take_over(nonce) or await current_organizer(services) is not None  # or a reload
        destination = target if logged_in else f"/login?next={quote(target)}"
        # Once this answer (with the cookie) has arrived and the page is connected.
        ui.context.client.on_connect(lambda: ui.navigate.to(destination))

    @ui.page("/logout")
    async def logout_page() -> RedirectResponse | None:
        organizer = await current_organizer(services)
        if organizer is None:
            return redirect("/login")
        with frame(_("Log out"), organizer), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            heading(_("Log out {email}?").format(email=organizer.email)).classes("text-xl font-semibold m-0")
            logout_form(_("Log out"), "logout-confirm", "q-btn bg-primary text-white px-4 py-2 rounded")
        return None

    @app.post("/logout", include_in_schema=False)
    def log_out() -> RedirectResponse:
        end_session()
        return redirect("/login")
