"""The event editor's "Delete draft" and per-tier "Delete" buttons, each asking first
(Catalog.delete_event / delete_tier: a draft without orders, a tier nobody bought or holds)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event, EventStatus, Organizer, Tier
from eventflow.i18n import _, error_text
from eventflow.services import Services


def confirm(title: str, text: str, action: str, on_confirm: Callable[[], Awaitable[None]], testid: str) -> None:
    with ui.dialog(value=True) as dialog, ui.card().classes("w-[26rem] max-w-full gap-3"):
        ui.label(title).classes("text-lg font-semibold")
        ui.label(text).classes("text-sm text-slate-600")

        async def confirmed() -> None:
            dialog.close()
            await on_confirm()

        with ui.row():
            ui.button(_("Keep it"), on_click=dialog.close).props("flat")
            ui.button(action, on_click=confirmed).props(f"color=negative data-testid={testid}")


def delete_event_button(services: Services, organizer: Organizer, event: Event) -> None:
    """Shown on drafts only; a draft that ever had orders is refused with the reason."""
    if event.status is not EventStatus.DRAFT:
        return

    async def delete() -> None:
        try:
            await services.off_loop(services.catalog.delete_event, organizer.id, event.id)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        ui.notify(_("“{title}” deleted").format(title=event.title), type="positive")
        ui.navigate.to("/dashboard")

    ui.button(_("Delete draft"), icon="delete", on_click=lambda: confirm(
        _("Delete “{title}”?").format(title=event.title), _("The draft and its tiers are removed for good."),
        _("Delete draft"), delete,
        "confirm-delete-event")).props("flat color=negative data-testid=delete-event")


def delete_tier_button(services: Services, organizer: Organizer, tier: Tier,
                       reload: Callable[[], Awaitable[None]]) -> None:
    """Enabled while nothing of the tier is sold or held (the store decides again on delete)."""

    async def delete() -> None:
        try:
            await services.off_loop(services.catalog.delete_tier, organizer.id, tier.event_id, tier.id)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        ui.notify(_("{name} deleted").format(name=tier.name), type="positive")
        await reload()

    delete_words = _("Delete tier")
    button = ui.button(icon="delete", on_click=lambda: confirm(
        _("Delete the tier “{name}”?").format(name=tier.name), _("Nobody has bought or holds a ticket of it."),
        _("Delete tier"), delete,
        f"confirm-delete-tier-{tier.id}")).props(
        f"dense flat round color=negative aria-label='{delete_words}' data-testid=delete-tier-{tier.id}")
    if tier.sold or tier.held:
        button.disable()
        button.tooltip(_("Tickets of this tier are sold or held: hide it or lower its capacity instead"))
