"""`/`: the events on sale now."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.links import event_path
from eventflow.pages.components.formatting import event_when
from eventflow.pages.components.frame import frame
from eventflow.services import Services


def register(services: Services) -> None:
    @ui.page("/")
    async def home() -> None:
        now = services.ticketing.clock.now()
        events = await services.off_loop(services.queries.upcoming_public_events, now)
        with frame():
            ui.label("On sale now").classes("text-2xl font-bold")
            if not events:
                ui.label("No events on sale yet.").classes("text-slate-500")
            for event in events:
                with ui.link(target=event_path(event.slug)).classes("w-full no-underline text-inherit"):
                    with ui.card().classes("w-full hover:shadow-md"):
                        ui.label(event.title).classes("text-lg font-semibold")
                        ui.label(event_when(event.starts_at, event.ends_at, event.timezone)).classes(
                            "text-sm text-slate-600"
                        )
                        if event.venue:
                            ui.label(event.venue).classes("text-sm text-slate-500")
