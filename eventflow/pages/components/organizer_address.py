"""The account page's "Your public page" card: the organizer's address `/o/{slug}` (unique)."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.models import Organizer
from eventflow.i18n import _
from eventflow.pages.components.form_note import saved_with_note
from eventflow.services import Services


async def address_card(services: Services, organizer: Organizer) -> None:
    browse = services.browse
    if browse is None:
        return
    current = await services.off_loop(browse.organizer_slug, organizer.id) or ""
    base = services.settings.public_url.rstrip("/")
    with ui.card().classes("w-full gap-2").props("data-testid=organizer-address"):
        ui.label(_("Your public page")).classes("text-lg font-semibold")
        ui.label(_("Lists your upcoming events; visitors can follow you by mail.")).classes("text-sm text-slate-600")
        field = ui.input(_("Address"), value=current).props(f'prefix="{base}/o/" data-testid=address-input') \
            .classes("w-full")
        link = ui.link(f"{base}/o/{current}" if current else "", f"/o/{current}").classes("text-sm")
        link.set_visibility(bool(current))
        note = ui.label("").classes("text-sm")

        async def save() -> None:
            slug = await saved_with_note(note, services.off_loop(browse.set_organizer_slug, organizer.id,
                                                                 field.value or ""), _("Saved."))
            if slug is None:
                return
            field.set_value(slug)
            link.set_text(f"{base}/o/{slug}")
            link.props(f'href="/o/{slug}"')
            link.set_visibility(True)

        ui.button(_("Save address"), on_click=save).props("unelevated data-testid=address-save")
