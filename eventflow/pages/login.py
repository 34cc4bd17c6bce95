"""`/login`, `/signup`, `/logout`: organizer accounts (password, then the 2FA code if enabled)."""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from eventflow.domain.accounts import SecondFactorRequired
from eventflow.domain.errors import DomainError
from eventflow.pages.components.frame import frame
from eventflow.pages.components.session import current_organizer, log_in, log_out, redirect, safe_next
from eventflow.services import Services


def register(services: Services) -> None:
    @ui.page("/login")
    async def login_page(next: str = "/dashboard") -> RedirectResponse | None:
        target = safe_next(next)
        if await current_organizer(services) is not None:
            return redirect(target)
        with frame("Log in"), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            ui.label("Organizer login").classes("text-2xl font-bold")
            email = ui.input("Email").props(
                "type=email autocomplete=username outlined data-testid=login-email"
            )
            password = ui.input("Password", password=True).props(
                "autocomplete=current-password outlined data-testid=login-password"
            )
            code = ui.input("6-digit code or a recovery code").props(
                "autocomplete=one-time-code inputmode=numeric outlined data-testid=login-code"
            )
            code.set_visibility(False)
            error = ui.label().classes("text-red-700").props("data-testid=login-error")

            async def submit() -> None:
                error.text = ""
                try:
                    organizer = await services.off_loop(
                        services.accounts.authenticate, email.value or "", password.value or "", code.value or None
                    )
                except SecondFactorRequired as problem:
                    code.set_visibility(True)
                    code.run_method("focus")
                    error.text = problem.detail if code.value else ""
                    return
                except DomainError as problem:
                    error.text = problem.detail
                    return
                log_in(services, organizer)
                ui.navigate.to(target)

            for field in (email, password, code):
                field.on("keydown.enter", submit)
            ui.button("Log in", on_click=submit).classes("w-full").props("size=lg data-testid=login-submit")
            if services.settings.oidc_issuer:
                ui.button(f"Log in with {services.settings.oidc_provider_name}", icon="key",
                          on_click=lambda: ui.navigate.to(f"/auth/oidc/login?next={target}")) \
                    .classes("w-full").props("outline data-testid=login-oidc")
            with ui.row().classes("gap-1 text-sm"):
                ui.label("New here?")
                ui.link("Create an organizer account", "/signup")
        return None

    @ui.page("/signup")
    def signup_page() -> None:
        with frame("Sign up"), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            ui.label("Create your organizer account").classes("text-2xl font-bold")
            name = ui.input("Your name or collective").props(
                "autocomplete=name outlined data-testid=signup-name"
            )
            email = ui.input("Email").props("type=email autocomplete=email outlined data-testid=signup-email")
            password = ui.input("Password (8+ characters)", password=True).props(
                "autocomplete=new-password outlined data-testid=signup-password"
            )
            error = ui.label().classes("text-red-700").props("data-testid=signup-error")

            async def submit() -> None:
                try:
                    organizer = await services.off_loop(
                        services.accounts.sign_up, email.value or "", password.value or "", name.value or ""
                    )
                except DomainError as problem:
                    error.text = problem.detail
                    return
                log_in(services, organizer)
                ui.navigate.to("/dashboard")

            ui.button("Create account", on_click=submit).classes("w-full").props(
                "size=lg data-testid=signup-submit"
            )
            with ui.row().classes("gap-1 text-sm"):
                ui.label("Already have one?")
                ui.link("Log in", "/login")

    @ui.page("/logout")
    def logout_page() -> RedirectResponse:
        log_out()
        return redirect("/login")
