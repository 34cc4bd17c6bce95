"""`/forgot-password` and `/reset-password?token=...`: a new password by mail link
(domain/password_reset.py). The first page answers the same whether or not the email has an
account; the second sets the new password, which ends every earlier session, and goes on to log in."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.password_reset import RESET_PATH, PasswordResets
from eventflow.i18n import N_, _, current_language, error_text
from eventflow.pages.components.frame import frame, heading
from eventflow.services import Services

SENT = N_("If an organizer account uses this email, a link to choose a new password is on its way. "
        "It works for an hour. No mail? Look in the spam folder, or ask again in a quarter of an hour.")


def register(services: Services) -> None:
    resets = services.password_resets

    @ui.page("/forgot-password")
    def forgot_page(email: str = "") -> None:
        with frame(_("New password")), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            heading(_("Choose a new password")).classes("text-2xl font-bold m-0")
            ui.label(_("We mail you a link to choose a new password.")).classes("text-slate-600")
            address = ui.input(_("Email"), value=email).props(
                "type=email autocomplete=username outlined data-testid=forgot-email")
            answer = ui.label().classes("text-slate-700").props("data-testid=forgot-answer role=status")

            async def submit() -> None:
                if resets is not None:
                    await services.off_loop(resets.request, address.value or "", current_language())
                answer.text = _(SENT)

            address.on("keydown.enter", submit)
            ui.button(_("Mail me a link"), on_click=submit).classes("w-full").props("size=lg data-testid=forgot-submit")
            ui.link(_("Back to log in"), "/login").classes("text-sm")

    @ui.page(RESET_PATH)
    async def reset_page(token: str = "") -> None:
        with frame(_("New password")), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            heading(_("Choose a new password")).classes("text-2xl font-bold m-0")
            if not await link_works(resets, services, token):
                ui.label(_("This link has expired or was used already.")).classes("text-red-700").props(
                    "data-testid=reset-invalid")
                ui.link(_("Ask for a new link"), "/forgot-password")
                return
            with ui.column().classes("w-full gap-3") as form:
                password = ui.input(_("New password (8+ characters)"), password=True).props(
                    "autocomplete=new-password outlined data-testid=reset-password").classes("w-full")
                error = ui.label().classes("text-red-700").props("data-testid=reset-error role=alert")
            with ui.column().classes("gap-2") as done:
                ui.label(_("Your password is changed; every earlier login has ended.")).classes(
                    "text-emerald-800 font-medium").props("data-testid=reset-done role=status")
                ui.link(_("Log in with the new password"), "/login")
            done.set_visibility(False)

            async def submit() -> None:
                assert resets is not None  # link_works said so
                try:
                    await services.off_loop(resets.reset, token, password.value or "")
                except DomainError as problem:
                    error.text = error_text(problem)
                    return
                form.set_visibility(False)
                done.set_visibility(True)

            password.on("keydown.enter", submit)
            with form:
                ui.button(_("Save the new password"), on_click=submit).classes("w-full").props(
                    "size=lg data-testid=reset-submit")


async def link_works(resets: PasswordResets | None, services: Services, token: str) -> bool:
    if resets is None or not token:
        return False
    try:
        await services.off_loop(resets.holder, token)
    except DomainError:
        return False
    return True
