"""The shared page frame: header with the brand and a centred, phone-first content column; the
"not found" page every screen answers with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui
from nicegui.elements.mixins.text_element import TextElement

from eventflow.domain.models import Organizer

BRAND_COLOR = "#5b21b6"
# 44 px tall touch targets (WCAG 2.2 target size), no underline until hovered.
HEADER_LINK = "no-underline hover:underline text-slate-700 px-2 min-h-[44px] inline-flex items-center"


@contextmanager
def frame(title: str | None = None, organizer: Organizer | None = None) -> Iterator[ui.column]:
    ui.colors(primary=BRAND_COLOR)
    ui.page_title(f"{title} · EventFlow" if title else "EventFlow")
    ui.query("body").classes("bg-slate-50")
    with ui.header().classes("bg-white text-slate-900 shadow-sm items-center px-4 py-2"):
        with ui.link(target="/").classes("no-underline text-inherit flex items-center gap-2"):
            ui.icon("confirmation_number", size="28px").classes("text-violet-700")
            ui.label("EventFlow").classes("text-lg font-bold tracking-tight text-violet-800")
        ui.space()
        if organizer is None:
            # The way in for organizers (a buyer never needs an account): sign up, or log in.
            with ui.element("nav").classes("flex items-center gap-1 text-sm").props('aria-label="Organizers"'):
                ui.link("For organizers", "/signup").classes(HEADER_LINK).props("data-testid=header-organizers")
                ui.link("Log in", "/login").classes(HEADER_LINK + " font-semibold text-violet-800").props(
                    "data-testid=header-login")
        else:
            with ui.row().classes("items-center gap-3 text-sm"):
                ui.link("Dashboard", "/dashboard").classes("text-slate-700")
                ui.link("Account", "/account").classes("text-slate-700")
                logout_form("Log out", "logout", "text-slate-700 underline cursor-pointer bg-transparent")
    width = "max-w-5xl" if organizer else "max-w-2xl"
    with ui.column().classes(f"w-full {width} mx-auto px-4 py-4 gap-4") as content:
        yield content
    # A plain footer, not ui.footer: a fixed bar would cover the buy button on small phones.
    ui.label("EventFlow · fair-trade ticketing for independent organizers").classes(
        "w-full text-center text-xs text-slate-400 py-4"
    )


def logout_form(label: str, testid: str, classes: str) -> None:
    """A button that logs out with a POST (a plain form: it works before the websocket connects)."""
    ui.html(
        f'<form method="post" action="/logout" class="m-0"><button type="submit" class="{classes}" '
        f'data-testid="{testid}">{label}</button></form>', sanitize=False,
    )


def heading(text: str, level: int = 1) -> TextElement:
    """A real <h1>/<h2>... (ui.label is a div), so screen readers can jump between headings."""
    return TextElement(tag=f"h{level}", text=text)


def not_found(what: str = "page", organizer: Organizer | None = None) -> None:
    """The readable "not found" page, answered with HTTP 404 (an unknown event, order, ticket...)."""
    ui.status_code(404)
    with frame("Not found", organizer), ui.column().classes(
            "w-full items-center text-center gap-2 py-10").props("data-testid=not-found"):
        ui.icon("search_off", size="64px").classes("text-violet-300").props('aria-hidden="true"')
        ui.label("404 · not found").classes("text-xs uppercase tracking-widest text-slate-500")
        heading(f"No such {what}.").classes("text-2xl font-bold text-slate-900 m-0")
        ui.label(f"This {what} does not exist (or is not public yet).").classes("text-slate-600")
        ui.label("Check the link you were given; a typo in the address is the usual cause.").classes(
            "text-sm text-slate-500")
        with ui.row().classes("gap-3 justify-center mt-4"):
            ui.link("Back to all events", "/").classes(
                "no-underline bg-violet-800 text-white rounded px-4 min-h-[44px] inline-flex items-center")
            if organizer is None:
                ui.link("Organizer? Log in", "/login").classes(HEADER_LINK + " text-violet-800")
            else:
                ui.link("Your dashboard", "/dashboard").classes(HEADER_LINK + " text-violet-800")
