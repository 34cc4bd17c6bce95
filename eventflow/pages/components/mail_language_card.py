"""The account page's "Language of your mails" card: which language EventFlow writes to the organizer in
(daily exports, notices of disputed payments, password and email links). Kept with the account (`Organizer.language`):
set at signup from the page's language, at a first login when none is kept, and changed here."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.models import Organizer
from eventflow.i18n import DEFAULT, LANGUAGE_NAMES, SUPPORTED, _
from eventflow.services import Services


def mail_language_card(services: Services, organizer: Organizer) -> None:
    async def save(language: str) -> None:
        await services.off_loop(services.accounts.set_language, organizer.id, language)
        saved.text = _("Saved: we write to you in {language}.").format(language=LANGUAGE_NAMES[language])

    with ui.card().classes("w-full gap-2").props("data-testid=mail-language"):
        ui.label(_("Language of your mails")).classes("text-lg font-semibold")
        ui.label(_("Daily exports, notices about disputed payments and account links (new password, email "
                   "check) come in this language.")).classes(
            "text-sm text-slate-600")
        ui.select({code: LANGUAGE_NAMES[code] for code in SUPPORTED}, value=organizer.language or DEFAULT,
                  on_change=lambda change: save(change.value)).props(
            "outlined dense data-testid=mail-language-select").classes("w-48")
        saved = ui.label().classes("text-sm text-emerald-800").props("role=status data-testid=mail-language-saved")
