"""A listed event as browse, organizer pages and "more like this" show it: title, when, where, tags
and the markers (almost sold out, sold out, new, sold this week)."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import ui

from eventflow.domain.discovery import BrowseCard
from eventflow.domain.links import event_path
from eventflow.i18n import _
from eventflow.pages.components.formatting import event_when

MARKER = "text-xs font-semibold rounded-full px-2 py-0.5"


def listing_card(card: BrowseCard, compact: bool = False) -> None:
    listing = card.listing
    with ui.link(target=event_path(listing.slug)).classes("w-full no-underline text-inherit") \
            .props(f"data-testid=listed-{listing.event_id}"):
        with ui.card().classes("w-full hover:shadow-md gap-1 " + ("p-3" if compact else "")):
            with ui.row().classes("w-full items-start justify-between gap-2 no-wrap"):
                ui.label(listing.title).classes(("text-base" if compact else "text-lg") + " font-semibold break-words")
                markers(card)
            ui.label(event_when(listing.starts_at, listing.ends_at, listing.timezone)) \
                .classes("text-sm text-slate-600")
            if listing.venue:
                ui.label(listing.venue).classes("text-sm text-slate-500")
            if listing.tags and not compact:
                with ui.row().classes("gap-1"):
                    for tag in listing.tags:
                        ui.label(f"#{tag}").classes("text-xs text-violet-800 bg-violet-50 rounded px-1")


def markers(card: BrowseCard) -> None:
    with ui.row().classes("gap-1 shrink-0 justify-end"):
        if card.sold_out:
            ui.label(_("Sold out")).classes(f"{MARKER} bg-slate-200 text-slate-700") \
                .props("data-testid=marker-sold-out")
        elif card.almost_sold_out:
            ui.label(_("Almost sold out")).classes(f"{MARKER} bg-amber-100 text-amber-900") \
                .props("data-testid=marker-almost")
        if card.new:
            ui.label(_("New")).classes(f"{MARKER} bg-emerald-100 text-emerald-900").props("data-testid=marker-new")
        if card.tickets_this_week:
            ui.label(_("{count} sold this week").format(count=card.tickets_this_week)).classes(
                f"{MARKER} bg-violet-100 text-violet-900")


def tag_link(tag: str) -> str:
    return f"/events?tag={quote(tag)}"
