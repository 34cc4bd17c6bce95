"""`/o/{slug}`: an organizer's public page, their upcoming events and "follow by mail"; and the
links in the follow mails, `/follow/confirm/{token}` and `/follow/stop/{token}`, which work without
a login (the token is the capability; domain/follows.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from nicegui import ui

from eventflow.domain.browse import Browse, OrganizerProfile
from eventflow.domain.discovery import page_token, read_page_token
from eventflow.domain.errors import ValidationFailed
from eventflow.i18n import N_, _, current_language, error_text
from eventflow.pages.components.frame import frame, not_found
from eventflow.pages.components.listing_cards import listing_card
from eventflow.pages.components.rich_links import add_page_links
from eventflow.services import Services

PAGE_SIZE = 24


def profile_of(browse: Browse, slug: str, page: str | None) -> OrganizerProfile | None:
    try:
        after = read_page_token(page)
    except ValidationFailed:
        after = None  # a page link that is not ours: the first page
    return browse.organizer_profile(slug, PAGE_SIZE, after)


def register(services: Services) -> None:
    @ui.page("/o/{slug}")
    async def organizer_page(slug: str, page: str | None = None) -> None:
        browse = services.browse
        profile = await services.off_loop(profile_of, browse, slug, page) if browse else None
        if browse is None or profile is None:
            not_found(N_("organizer"))
            return
        add_page_links(services, f"/o/{slug}", f"{profile.name} · EventFlow")  # canonical and link previews
        with frame(profile.name):
            with ui.row().classes("w-full items-center gap-3"):
                ui.icon("storefront", size="40px").classes("text-violet-700").props('aria-hidden="true"')
                ui.label(profile.name).classes("text-2xl font-bold").props("data-testid=organizer-name")
            follow_card(services, browse, profile)
            ui.label(_("Upcoming events")).classes("text-lg font-semibold mt-2")
            with ui.column().classes("w-full gap-2").props("data-testid=results"):
                if not profile.cards:
                    ui.label(_("No upcoming events right now. Follow to hear about the next one.")) \
                        .classes("text-slate-500")
                for card in profile.cards:
                    listing_card(card)
            if profile.next_after is not None:
                later = f"/o/{profile.slug}?" + urlencode({"page": page_token(profile.next_after)})
                ui.link(_("Later events →"), later)

    @ui.page("/follow/confirm/{token}")
    async def confirm_page(token: str) -> None:
        follow = await services.off_loop(services.browse.follows.confirm, token[:100]) \
            if services.browse and services.browse.follows else None
        with frame(_("Follow")), ui.card().classes("w-full gap-2").props("data-testid=follow-result"):
            if follow is None:
                ui.label(_("This link does not work (any more).")).classes("text-lg font-semibold")
                ui.label(_("Ask again on the organizer's page if you still want their news.")).classes("text-slate-600")
            else:
                ui.label(_("Done: you will get a mail when they publish a new event.")).classes("text-lg font-semibold")
                ui.label(_("Every such mail has a link to stop them.")).classes("text-slate-600")

    @ui.page("/follow/stop/{token}")
    async def stop_page(token: str) -> None:
        follow = await services.off_loop(services.browse.follows.stop, token[:100]) \
            if services.browse and services.browse.follows else None
        with frame(_("Unsubscribed")), ui.card().classes("w-full gap-2").props("data-testid=follow-result"):
            if follow is None:
                ui.label(_("This link does not work.")).classes("text-lg font-semibold")
            else:
                ui.label(_("Unsubscribed: no more mails about this organizer's events.")) \
                    .classes("text-lg font-semibold")


def follow_card(services: Services, browse: Browse, profile: OrganizerProfile) -> None:
    with ui.card().classes("w-full gap-2").props("data-testid=follow"):
        ui.label(_("Get a mail when {name} publishes a new event").format(name=profile.name)).classes("font-medium")
        with ui.row().classes("w-full gap-2 items-start"):
            email = ui.input(_("Your email")).props("type=email autocomplete=email data-testid=follow-email") \
                .classes("grow")
            button = ui.button(_("Follow")).props("unelevated data-testid=follow-button")
        message = ui.label("").classes("text-sm").props("data-testid=follow-message")

        async def follow() -> None:
            if browse.follows is None:
                return
            try:
                await services.off_loop(browse.follows.ask, profile.organizer_id, profile.name, email.value or "",
                                        current_language())
            except ValidationFailed as error:
                message.set_text(error_text(error))
                message.classes(replace="text-sm text-red-700")
                return
            message.set_text(_("Check your inbox: confirm with the link we sent (nothing is sent until you do)."))
            message.classes(replace="text-sm text-emerald-800")
            button.disable()

        button.on_click(follow)
        email.on("keydown.enter", follow)
