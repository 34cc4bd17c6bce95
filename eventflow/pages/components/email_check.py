"""The organizer's email check on screen: a notice with "Send a new link" where publishing waits for
it (the event editor, the account page), and the `/verify-email?token=...` page the mailed link opens
(domain/email_verification.py)."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.email_verification import VERIFY_PATH
from eventflow.domain.errors import DomainError
from eventflow.domain.models import Organizer
from eventflow.i18n import _, current_language, error_text
from eventflow.pages.components.frame import frame, heading
from eventflow.services import Services


def email_check_notice(services: Services, organizer: Organizer) -> None:
    """Nothing once the email is confirmed (or when this server does not ask for it); read after the
    page is out, since the check is a store read."""
    checks = services.email_checks
    if checks is None or not checks.required:
        return
    slot = ui.column().classes("w-full")

    async def load() -> None:
        if await services.off_loop(checks.verified, organizer.id) or slot.is_deleted:
            return
        with slot, ui.card().classes("w-full gap-2 bg-amber-50 border border-amber-300").props(
                "data-testid=email-check role=status"):
            ui.label(_("Confirm your email to publish")).classes("font-semibold text-amber-900")
            ui.label(_("Open the confirmation link we mailed to {email} (no mail? send a new one), "
                       "then publish: drafts can be prepared meanwhile.").format(email=organizer.email)) \
                .classes("text-sm text-amber-900")
            sent = ui.label().classes("text-sm text-emerald-800").props("data-testid=email-check-sent")

            async def resend() -> None:
                try:
                    mailed = await services.off_loop(checks.send_link, organizer.id, current_language())
                except DomainError as problem:
                    ui.notify(error_text(problem), type="negative")
                    return
                sent.text = (_("A new link is on its way to {email}. No mail? Look in the spam folder.").format(
                    email=organizer.email) if mailed else _("Your email is confirmed already: reload to publish."))

            ui.button(_("Send a new link"), icon="mail", on_click=resend).props(
                "outline dense data-testid=email-check-resend")

    ui.timer(0, load, once=True)


def register(services: Services) -> None:
    @ui.page(VERIFY_PATH)
    async def verify_email_page(token: str = "") -> None:
        checks = services.email_checks
        with frame(_("Confirm your email")), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            heading(_("Confirm your email")).classes("text-2xl font-bold m-0")
            try:
                if checks is None or not token:
                    raise DomainError(_("This confirmation link is not complete."))
                organizer = await services.off_loop(checks.confirm, token)
            except DomainError as problem:
                ui.label(error_text(problem)).classes("text-red-700").props("data-testid=verify-invalid role=alert")
                ui.label(_("Log in and use “Send a new link” in your account.")).classes("text-slate-600")
                ui.link(_("Your account"), "/account")
                return
            ui.label(_("Thank you: {email} is confirmed. You can publish your events now.").format(
                email=organizer.email)).classes("text-emerald-800 font-medium") \
                .props("data-testid=verify-done role=status")
            ui.link(_("Go to your events"), "/dashboard")
