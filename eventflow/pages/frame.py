"""The shared page frame: header with the brand and a centred, phone-first content column."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

BRAND_COLOR = "#5b21b6"


@contextmanager
def frame(title: str | None = None) -> Iterator[ui.column]:
    ui.colors(primary=BRAND_COLOR)
    ui.page_title(f"{title} · EventFlow" if title else "EventFlow")
    ui.query("body").classes("bg-slate-50")
    with ui.header().classes("bg-white text-slate-900 shadow-sm items-center px-4 py-2"):
        with ui.link(target="/").classes("no-underline text-inherit flex items-center gap-2"):
            ui.icon("confirmation_number", size="28px").classes("text-violet-700")
            ui.label("EventFlow").classes("text-lg font-bold tracking-tight text-violet-800")
        ui.space()
        ui.label("fair-trade ticketing").classes("text-xs text-slate-500 max-sm:hidden")
    with ui.column().classes("w-full max-w-2xl mx-auto px-4 py-4 gap-4") as content:
        yield content
    # A plain footer, not ui.footer: a fixed bar would cover the buy button on small phones.
    ui.label("EventFlow · fair-trade ticketing for independent organizers").classes(
        "w-full text-center text-xs text-slate-400 py-4"
    )


def not_found(what: str = "page") -> None:
    with frame("Not found"):
        ui.label(f"This {what} does not exist (or is not public yet).").classes("text-lg")
        ui.link("Back to all events", "/")
