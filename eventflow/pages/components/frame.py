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
# A focus ring anyone can see when moving with the keyboard (WCAG 2.4.7 / 2.4.11); Quasar's own is a faint tint.
# Links without a colour of their own: blue-700 (6.7:1 on white; NiceGUI's blue-500 is 3.7:1). In the
# `components` layer, so a link's own Tailwind text colour (the `utilities` layer) still wins.
FOCUS_CSS = """
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible,
[tabindex]:focus-visible, .q-btn:focus-visible, .q-field--focused .q-field__control {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px; }
@layer components { .nicegui-link { color: #1d4ed8; } }
"""


@contextmanager
def frame(title: str | None = None, organizer: Organizer | None = None) -> Iterator[ui.column]:
    ui.colors(primary=BRAND_COLOR)
    ui.page_title(f"{title} · EventFlow" if title else "EventFlow")
    ui.query("body").classes("bg-slate-50")
    ui.add_head_html(f"<style>{FOCUS_CSS}</style>")  # in the page's HTML, before any script runs
    with ui.header().classes("bg-white text-slate-900 shadow-sm items-center px-4 py-2"):
        with ui.link(target="/").classes("no-underline text-inherit flex items-center gap-2 min-h-[44px]").props(
                'aria-label="EventFlow, all events"'):
            ui.icon("confirmation_number", size="28px").classes("text-violet-700").props('aria-hidden="true"')
            ui.label("EventFlow").classes("text-lg font-bold tracking-tight text-violet-800")
        ui.space()
        if organizer is None:
            # The way in for organizers (a buyer never needs an account): sign up, or log in.
            with ui.element("nav").classes("flex items-center gap-1 text-sm").props('aria-label="Organizers"'):
                ui.link("For organizers", "/signup").classes(HEADER_LINK).props("data-testid=header-organizers")
                ui.link("Log in", "/login").classes(HEADER_LINK + " font-semibold text-violet-800").props(
                    "data-testid=header-login")
        else:
            with ui.element("nav").classes("flex items-center gap-1 text-sm").props('aria-label="Your account"'):
                ui.link("Dashboard", "/dashboard").classes(HEADER_LINK)
                ui.link("Account", "/account").classes(HEADER_LINK)
                logout_form("Log out", "logout",
                            "text-slate-700 underline cursor-pointer bg-transparent px-2 min-h-[44px]")
    width = "max-w-5xl" if organizer else "max-w-2xl"
    # <main>: screen readers jump straight to the page's own content, past the header.
    with ui.element("main").classes("w-full"), ui.column().classes(f"w-full {width} mx-auto px-4 py-4 gap-4") \
            as content:
        yield content
    # A plain footer, not ui.footer: a fixed bar would cover the buy button on small phones.
    # slate-600 on slate-50 is 7.2:1 (slate-400 was 2.5:1, under WCAG's 4.5:1 for small text).
    with ui.element("footer").classes("w-full text-center text-xs text-slate-600 py-4"):
        ui.label("EventFlow · fair-trade ticketing for independent organizers")


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
