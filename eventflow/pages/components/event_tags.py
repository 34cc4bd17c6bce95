"""The editor's "Tags" card: the categories browse filters on (domain/browse.py `Browse.set_tags`)."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event, Organizer
from eventflow.i18n import _
from eventflow.pages.components.form_note import note_done, note_refused
from eventflow.services import Services


def tags_panel(services: Services, organizer: Organizer, event: Event) -> None:
    browse = services.browse
    if browse is None:
        return
    with ui.card().classes("w-full gap-2").props("data-testid=tags-panel"):
        ui.label(_("Tags")).classes("text-lg font-semibold")
        ui.label(_("Up to 5 categories, separated by commas (e.g. jazz, open air): visitors filter /events by them.")) \
            .classes("text-sm text-slate-600")
        field = ui.input(_("Tags")).classes("w-full").props("data-testid=tags-input")

        async def load() -> None:  # after the page is built: the editor's build is not async
            field.set_value(", ".join(await services.off_loop(browse.tags_of, event.id)))

        ui.timer(0, load, once=True)
        note = ui.label("").classes("text-sm")

        async def save() -> None:
            try:
                tags = await services.off_loop(browse.set_tags, organizer.id, event.id, field.value or "")
            except DomainError as error:
                note_refused(note, error)
                return
            field.set_value(", ".join(tags))
            note_done(note, _("Saved.") if tags else _("Saved: no tags."))

        ui.button(_("Save tags"), on_click=save).props("unelevated data-testid=tags-save")
