"""`/`: the events on sale now, soonest first, one page at a time.

Pages are keyset cursors, not page numbers: `/?after=<cursor>` lists the events after the
(starts_at, id) the cursor names, so a page reads only its own events from the store's index,
however many events there are. A cursor the page cannot read (garbage, edited, too long) shows
the first page; one past the last event shows an empty page with a way back: never an error.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from nicegui import ui

from eventflow.domain.links import event_path
from eventflow.domain.models import Event
from eventflow.i18n import _
from eventflow.pages.components.formatting import event_when
from eventflow.pages.components.frame import frame, heading
from eventflow.pages.components.rich_links import add_page_links
from eventflow.services import Services

PAGE_SIZE = 24
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_CURSOR_LENGTH = 200  # a real cursor is ~50 characters; anything longer is not one of ours


def cursor_text(after: tuple[datetime, str]) -> str:
    """`<microseconds since 1970>_<event id>`: exact (no float), URL-safe once quoted."""
    starts_at, event_id = after
    micros = (starts_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}_{event_id}"


def parse_cursor(text: str | None) -> tuple[datetime, str] | None:
    """The (starts_at, id) a cursor names, or None when there is none or it cannot be read."""
    if not text or len(text) > MAX_CURSOR_LENGTH:
        return None
    micros, _, event_id = text.partition("_")
    if not event_id or not micros.lstrip("-").isdigit():
        return None
    try:
        return EPOCH + timedelta(microseconds=int(micros)), event_id
    except OverflowError:
        return None


def register(services: Services) -> None:
    @ui.page("/")
    async def home(after: str | None = None) -> None:
        now = services.ticketing.clock.now()
        cursor = parse_cursor(after)
        page = await services.off_loop(services.queries.upcoming_public_page, now, PAGE_SIZE, cursor)
        add_page_links(services, "/", _("Events on sale · EventFlow"))  # canonical and link previews
        with frame():
            heading(_("On sale now")).classes("text-2xl font-bold m-0")
            ui.link(_("Search by date, city or kind of event →"), "/events").props("data-testid=browse-link")
            if after and cursor is None:
                ui.label(_("That page link was not valid: here are the soonest events.")) \
                    .classes("text-sm text-slate-500").props("data-testid=bad-page")
            if not page.events:
                text = _("No more events on sale after these.") if cursor else _("No events on sale yet.")
                ui.label(text).classes("text-slate-500")
            for event in page.events:
                event_card(event)
            with ui.row().classes("w-full justify-between"):
                if cursor is not None:
                    ui.link(_("← Soonest events"), "/").props("data-testid=first-page")
                if page.next_after is not None:
                    ui.link(_("Later events →"), f"/?after={quote(cursor_text(page.next_after))}") \
                        .props("data-testid=next-page")


def event_card(event: Event) -> None:
    with ui.link(target=event_path(event.slug)).classes("w-full no-underline text-inherit"):
        with ui.card().classes("w-full hover:shadow-md"):
            heading(event.title, 2).classes("text-lg font-semibold m-0")
            ui.label(event_when(event.starts_at, event.ends_at, event.timezone)).classes("text-sm text-slate-600")
            if event.venue:
                ui.label(event.venue).classes("text-sm text-slate-500")
