"""A buyer who went back from checkout finds their hold again on the event page.

The checkout page remembers the hold's id in the browser (`remember_hold`: localStorage, key
`eventflow.hold.<event id>`; no account, no server-side session). The event page's `ResumeCheckout`
(static/resume_checkout.js) asks the API for that hold and, while it is held, offers
"Resume your checkout (12:40 left)" or "Release the tickets" (the domain's cancel through
`DELETE /api/v1/reservations/{id}`), so a first hold never blocks stock silently for its 15 minutes.
A paid, cancelled or expired hold is forgotten."""

from __future__ import annotations

import json

from nicegui import ui
from nicegui.element import Element

from eventflow.i18n import _, ngettext

STORAGE_PREFIX = "eventflow.hold."


def remember_hold(event_id: str, reservation_id: str) -> None:
    """Run in the checkout page's HTML (no websocket needed): this browser's latest hold of the event."""
    # JSON strings with "<" escaped: nothing in them can close the <script>.
    key, value = (json.dumps(text).replace("<", "\\u003c") for text in (STORAGE_PREFIX + event_id, reservation_id))
    ui.add_body_html(f"<script>try {{ localStorage.setItem({key}, {value}); }} catch (e) {{}}</script>")


class ResumeCheckout(Element, component="../../static/resume_checkout.js"):
    """Shows nothing unless this browser holds tickets for the event."""

    def __init__(self, event_id: str) -> None:
        super().__init__()
        self._props["eventId"] = event_id
        self._props["words"] = {  # the component's words in the visitor's language ({n}, {left} filled in there)
            "region": _("Your checkout"), "onHold": _("You have {tickets} on hold for this event."),
            "resume": _("Resume your checkout ({left} left)"), "release": _("Release the tickets"),
            "released": _("Your held tickets are back on sale."),
            "one": ngettext("{n} ticket", "{n} tickets", 1), "many": ngettext("{n} ticket", "{n} tickets", 2),
        }
        self.classes("w-full")
