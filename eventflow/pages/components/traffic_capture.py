"""The event page's side of "where buyers come from" (domain/traffic.py).

`count_visit` counts the page view under the address's source (`?ref=`, else `utm_source`, else direct):
in memory, no store call, no cookie; the IP address and user agent go only into the day's salted hash.
It also writes a few bytes of script that remember the FIRST source this browser came through in its
localStorage (set once per event, never overwritten). `page_touch` reads it back when the buyer
reserves, with the page's own source as the last touch."""

from __future__ import annotations

import json
import logging

from nicegui import ui

from eventflow.domain.models import Event
from eventflow.domain.traffic import Touch, page_source
from eventflow.services import Services

log = logging.getLogger(__name__)

FIRST_KEY = "eventflow.first-ref.{event_id}"


def count_visit(services: Services, event: Event) -> None:
    """Count this view and remember the first source in the browser (the page's one-line hook)."""
    try:
        request = ui.context.client.request
    except (RuntimeError, AttributeError):
        return
    source = page_source(request.query_params)
    services.traffic.page_view(event.id, source, request.client.host if request.client else None,
                               request.headers.get("user-agent"))
    key = json.dumps(FIRST_KEY.format(event_id=event.id))
    ui.add_head_html(f"<script>try{{if(!localStorage.getItem({key}))localStorage.setItem({key},"
                     f"{json.dumps(source)})}}catch(e){{}}</script>")


async def page_touch(event_id: str) -> Touch:
    """The buyer's first source (the browser's memory; this page's when it has none) and last (this page's)."""
    try:
        last = page_source(ui.context.client.request.query_params)
    except (RuntimeError, AttributeError):
        return Touch()
    try:
        first = await ui.run_javascript(f"localStorage.getItem({json.dumps(FIRST_KEY.format(event_id=event_id))})",
                                        timeout=2.0)
    except Exception:  # an old browser without localStorage, a socket that went away: the page's own source
        first = None
    return Touch.of(last, first if isinstance(first, str) else None)
