"""`/account`: the email check, two-factor login (TOTP) on or off, recovery codes, password change by
mail link, log out everywhere; `/verify-email` (pages/components/email_check.py)."""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Organizer
from eventflow.i18n import _, current_language, error_text
from eventflow.pages.components import email_check
from eventflow.pages.components.email_check import email_check_notice
from eventflow.pages.components.frame import frame
from eventflow.pages.components.mail_language_card import mail_language_card
from eventflow.pages.components.organizer_address import address_card
from eventflow.pages.components.qr import qr_svg
from eventflow.pages.components.session import client_address, renew_session, require_organizer
from eventflow.services import Services


def recovery_codes_dialog(codes: list[str]) -> None:
    # At the page root: the card whose button opened it is rebuilt right after.
    with ui.context.client.content, ui.dialog(value=True).props("persistent") as dialog, ui.card().classes("gap-2"):
        ui.label(_("Save your recovery codes")).classes("text-lg font-semibold")
        ui.label(_("Each works once if you lose your phone. They will not be shown again.")) \
            .classes("text-sm text-slate-600")
        ui.label("\n".join(codes)).classes("font-mono whitespace-pre select-all").props("data-testid=recovery-codes")
        ui.button(_("I saved them"), on_click=dialog.close).props("data-testid=recovery-saved")


class TwoFactorCard:
    """Two-factor login: on (with a code to turn it off) or off (with the set-up steps)."""

    def __init__(self, services: Services, organizer: Organizer) -> None:
        self.services, self.organizer = services, organizer
        self.card(organizer)

    async def reload(self) -> None:
        self.card.refresh(await self.services.off_loop(self.services.accounts.organizer, self.organizer.id))

    @ui.refreshable_method
    def card(self, current: Organizer) -> None:
        with ui.card().classes("w-full gap-3").props("data-testid=two-factor"):
            ui.label(_("Two-factor login")).classes("text-lg font-semibold")
            if current.totp_secret:
                self.turned_on(current)
                return
            ui.label(_("Off. Turn it on so a stolen password alone cannot open your account.")).classes(
                "text-slate-600"
            )
            ui.button(_("Turn on two-factor login"), icon="security", on_click=lambda: self.setup.refresh(True)) \
                .props("data-testid=two-factor-start")
            self.setup(False)

    def turned_on(self, current: Organizer) -> None:
        ui.label(_("On: login asks for a code from your authenticator app.")).classes("text-emerald-700") \
            .props("data-testid=two-factor-on")
        ui.label(_("{count} unused recovery codes left.").format(count=len(current.recovery_code_hashes))) \
            .classes("text-sm text-slate-600")
        code = ui.input(_("Code to turn it off")).props("outlined dense")

        async def disable() -> None:
            try:
                await self.services.off_loop(self.services.accounts.disable_totp, self.organizer.id, code.value or "",
                                             client=client_address())
            except DomainError as problem:
                ui.notify(error_text(problem), type="negative")
                return
            await self.reload()

        ui.button(_("Turn off"), on_click=disable).props("flat color=negative")

    @ui.refreshable_method
    def setup(self, show: bool) -> None:
        if not show:
            return
        accounts = self.services.accounts
        secret = accounts.new_totp_secret()
        uri = accounts.provisioning_uri(self.organizer, secret)
        ui.label(_("1. Scan this with your authenticator app")).classes("font-medium")
        ui.html(qr_svg(uri), sanitize=False).classes("w-56 bg-white p-2").props("data-testid=totp-qr")
        ui.label(_("or type this key:")).classes("text-sm text-slate-600")
        ui.label(secret).classes("font-mono tracking-wider select-all").props("data-testid=totp-secret")
        ui.label(_("2. Enter the 6-digit code it shows")).classes("font-medium")
        code = ui.input(_("Code")).props("inputmode=numeric autocomplete=one-time-code outlined dense "
                                      "data-testid=totp-code")

        async def confirm() -> None:
            try:
                recovery = await self.services.off_loop(accounts.enable_totp, self.organizer.id, secret,
                                                        code.value or "")
            except DomainError as problem:
                ui.notify(error_text(problem), type="negative")
                return
            recovery_codes_dialog(recovery)
            await self.reload()

        ui.button(_("Confirm and turn on"), on_click=confirm).props("data-testid=totp-confirm")


def sessions_card(services: Services, organizer: Organizer) -> None:
    async def everywhere() -> None:
        updated = await services.off_loop(services.accounts.log_out_everywhere, organizer.id)
        renew_session(services, updated)  # this browser stays logged in with a fresh token
        ui.notify(_("Logged out everywhere else"), type="positive")

    with ui.card().classes("w-full"):
        ui.label(_("Sessions")).classes("text-lg font-semibold")
        ui.label(_("Lost a laptop? End every session and API token, then log in again here.")).classes(
            "text-sm text-slate-600"
        )
        ui.button(_("Log out everywhere"), icon="logout", on_click=everywhere).props(
            "outline data-testid=logout-everywhere"
        )


def password_card(services: Services, organizer: Organizer) -> None:
    """Changing the password goes through a mail link too: a stolen session alone cannot change it."""
    resets = services.password_resets

    async def send() -> None:
        if resets is not None:
            await services.off_loop(resets.request, organizer.email, current_language())
        sent.text = _("A link to choose a new password is on its way to {email} (valid for an hour).").format(
            email=organizer.email)

    with ui.card().classes("w-full gap-2"):
        ui.label(_("Password")).classes("text-lg font-semibold")
        ui.label(_("To change it, we mail you a link to choose a new one; every other login then ends.")).classes(
            "text-sm text-slate-600")
        ui.button(_("Mail me a link"), icon="mail", on_click=send).props("outline data-testid=change-password")
        sent = ui.label().classes("text-sm text-emerald-800").props("data-testid=change-password-sent role=status")


def register(services: Services) -> None:
    email_check.register(services)

    @ui.page("/account")
    async def account_page() -> RedirectResponse | None:
        organizer = await require_organizer(services, "/account")
        if isinstance(organizer, RedirectResponse):
            return organizer
        with frame(_("Account"), organizer):
            ui.label(_("Your account")).classes("text-2xl font-bold")
            ui.label(f"{organizer.name} · {organizer.email}").classes("text-slate-600")
            email_check_notice(services, organizer)
            TwoFactorCard(services, organizer)
            password_card(services, organizer)
            mail_language_card(services, organizer)  # the language of their mails (Organizer.language)
            sessions_card(services, organizer)
            await address_card(services, organizer)  # the public page /o/{slug} (organizer_address.py)
        return None
