"""`/events`: browse and search the upcoming public events (text, dates, city, tag), soonest first,
with "popular this week" above the first unfiltered page. Everything runs server-side through
`Browse` (domain/browse.py); filters live in the URL, so a search is a link one can share.
Input the page cannot read (a day like 2026-02-30, a page link that is not ours) shows a sentence
and the first page, never an error page."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from nicegui import ui

from eventflow.domain.browse import Browse
from eventflow.domain.discovery import (
    BrowseCard,
    BrowsePage,
    ListingQuery,
    page_token,
    read_day_or_instant,
    read_page_token,
)
from eventflow.domain.errors import ValidationFailed
from eventflow.i18n import N_, _, error_text
from eventflow.pages.components.frame import frame, not_found
from eventflow.pages.components.listing_cards import listing_card
from eventflow.pages.components.rich_links import add_page_links
from eventflow.services import Services

PAGE_SIZE = 24


def search(browse: Browse, filters: dict[str, str], page: str | None) -> tuple[BrowsePage, tuple[BrowseCard, ...]]:
    query = ListingQuery.of(text=filters["q"], date_from=read_day_or_instant("from", filters["from"]),
                            date_to=read_day_or_instant("to", filters["to"], end=True), city=filters["city"],
                            tag=filters["tag"])
    found = browse.search(query, PAGE_SIZE, read_page_token(page))
    first_plain = not any(filters.values()) and not page
    return found, browse.popular_this_week() if first_plain else ()


def register(services: Services) -> None:
    @ui.page("/events")
    async def browse_page(request: Request, q: str = "", to: str = "", city: str = "", tag: str = "",
                          page: str | None = None) -> None:
        browse = services.browse
        if browse is None:
            not_found(N_("page"))
            return
        filters = {"q": q[:400], "from": request.query_params.get("from", "")[:40], "to": to[:40], "city": city[:200],
                   "tag": tag[:200]}
        problem = ""
        try:
            found, popular = await services.off_loop(search, browse, filters, page)
        except ValidationFailed as error:
            problem, page = error_text(error), None  # the dates or the page link: drop them, keep the rest
            filters = {**filters, "from": "", "to": ""}
            found, popular = await services.off_loop(search, browse, filters, None)
        add_page_links(services, "/events", _("Browse events") + " · EventFlow")  # one canonical, no query
        with frame(_("Browse events")):
            ui.label(_("Find an event")).classes("text-2xl font-bold")
            search_form(filters)
            if problem:
                ui.label(_("{problem} — showing all upcoming events instead.").format(problem=problem)).classes(
                    "text-sm text-amber-800").props("data-testid=search-problem")
            if popular:
                ui.label(_("Popular this week")).classes("text-lg font-semibold mt-2")
                with ui.grid().classes("w-full grid-cols-1 sm:grid-cols-2 gap-2").props("data-testid=popular"):
                    for card in popular:
                        listing_card(card, compact=True)
                ui.label(_("Upcoming")).classes("text-lg font-semibold mt-2")
            with ui.column().classes("w-full gap-2").props("data-testid=results"):
                if not found.cards and found.next_after is not None:  # a networked store's page ended early
                    ui.label(_("Nothing in these dates yet; later dates may have some.")).classes("text-slate-500")
                elif not found.cards:
                    ui.label(_("No events match yet.") if not page else _("No more events here.")) \
                        .classes("text-slate-500")
                for card in found.cards:
                    listing_card(card)
            with ui.row().classes("w-full justify-between"):
                if page:
                    ui.link(_("← First page"), "/events?" + urlencode({k: v for k, v in filters.items() if v}))
                if found.next_after is not None:
                    more = {k: v for k, v in filters.items() if v} | {"page": page_token(found.next_after)}
                    ui.link(_("Later events →"), "/events?" + urlencode(more)).props("data-testid=next-page")


def search_form(filters: dict[str, str]) -> None:
    with ui.card().classes("w-full gap-2"):
        text = ui.input(_("Search"), value=filters["q"], placeholder=_("jazz, comedy, a venue…")).classes("w-full") \
            .props("clearable type=search data-testid=q")
        with ui.row().classes("w-full gap-2"):
            start = ui.input(_("From"), value=filters["from"]).props("type=date data-testid=from").classes("grow")
            end = ui.input(_("To"), value=filters["to"]).props("type=date data-testid=to").classes("grow")
        with ui.row().classes("w-full gap-2"):
            city = ui.input(_("City"), value=filters["city"]).props("data-testid=city").classes("grow")
            tag = ui.input(_("Tag"), value=filters["tag"]).props("data-testid=tag").classes("grow")

        def go() -> None:
            values = {"q": text.value, "from": start.value, "to": end.value, "city": city.value, "tag": tag.value}
            ui.navigate.to("/events?" + urlencode({k: v.strip() for k, v in values.items() if v and v.strip()}))

        text.on("keydown.enter", go)
        ui.button(_("Search"), on_click=go).props("data-testid=search unelevated").classes("w-full sm:w-auto")
