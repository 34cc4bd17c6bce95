""""More like this" under an event's tickets: upcoming events of the same organizer, sharing its tags,
in its city or on nearby dates (domain/browse.py `Browse.more_like_this`, cached per event)."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.models import Event, EventStatus
from eventflow.i18n import _
from eventflow.pages.components.listing_cards import listing_card
from eventflow.services import Services


async def more_like_this(services: Services, event: Event) -> None:
    if services.browse is None or event.status is not EventStatus.PUBLISHED:
        return
    cards = await services.off_loop(services.browse.more_like_this, event.id)
    if not cards:
        return
    with ui.column().classes("w-full gap-2 mt-4").props("data-testid=more-like-this"):
        ui.label(_("More like this")).classes("text-lg font-semibold")
        with ui.grid().classes("w-full grid-cols-1 sm:grid-cols-2 gap-2"):
            for card in cards:
                listing_card(card, compact=True)
        ui.link(_("Browse all events →"), "/events").classes("text-sm")
