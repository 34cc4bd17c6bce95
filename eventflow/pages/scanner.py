"""`/scan/{event_id}`: the door scanner, opened from a staff link (`#staff=<token>`).

The page is a shell around the socket-free scanner module: it stays open for hours
(long reconnect timeout), hides NiceGUI's "connection lost" overlay, and keeps scanning
when the network drops; see eventflow/static/scanner.js. Its words come in the door staff's language
(pages/components/door_words.py)."""

from __future__ import annotations

from nicegui import ui

from eventflow.i18n import _
from eventflow.pages.components.door_assets import DoorModule, add_door_head
from eventflow.pages.components.door_words import door_words
from eventflow.services import Services

HOURS = 3600


def register(services: Services) -> None:
    @ui.page("/scan/{event_id}", title="Door scanner · EventFlow", reconnect_timeout=8 * HOURS)
    def scanner_page(event_id: str) -> None:
        add_door_head("scanner")
        ui.page_title(_("Door scanner · EventFlow"))
        # The scanner works offline, so NiceGUI's blocking "connection lost" popup must not cover it.
        ui.add_head_html("<style>#popup{display:none!important}</style>")
        ui.query(".nicegui-content").classes("p-0")
        DoorModule("EventFlowScanner", {"eventId": event_id, "words": door_words()}).classes("w-full")
