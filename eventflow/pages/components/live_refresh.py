"""Runs a page's async refresh when the availability hub says its event changed.

The hub calls subscribers synchronously on the event loop; a refresh that reads the store must
await that read off the loop, so it runs as a task. Signals that arrive while one runs are folded
into one more run after it: never two overlapping refreshes of the same page, never a lost change.
The refresh writes in the language of the page that subscribed (the hub's task knows no page).

`spacing` keeps runs at least that many seconds apart while changes keep coming: an organizer's panels
need not redraw on every sale, and each redraw is CPU the buyers' requests wait for on a busy event.
`settle` starts a run that long after the change that prompted it, not at once: a change is a buyer's
request, and their next one (checkout right after the hold, the order page right after paying) is on
its way; redrawing the organizer's page at that very moment made exactly those requests wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import background_tasks, ui

from eventflow.i18n import current_visitor, use_visitor
from eventflow.services import Services

DASHBOARD_SPACING = 1.0  # seconds between two redraws of an organizer's live panel while sales run
DASHBOARD_SETTLE = 0.2  # seconds from a change to the redraw it prompts: the buyer's next step goes first


class LiveRefresh:
    def __init__(self, refresh: Callable[[], Awaitable[None]], name: str, spacing: float = 0.0,
                 settle: float = 0.0) -> None:
        self._refresh = refresh
        self._spacing, self._settle = spacing, settle
        self._last_start = float("-inf")
        self._changed_at = float("-inf")  # the first change the next run is for
        self._name = name
        self._again = False
        self._task: asyncio.Task[Any] | None = None
        self._visitor = current_visitor()  # built with the page: its reader

    def __call__(self, *_: Any) -> None:
        """The hub's callback (it passes the counts; the refresh reads what it needs itself)."""
        if not self._again:
            self._changed_at = time.monotonic()
        self._again = True
        if self._task is None or self._task.done():
            self._task = background_tasks.create(self._run(), name=self._name)

    async def _run(self) -> None:
        with use_visitor(self._visitor):
            while self._again:
                # Changes keep coming: gather them until the spacing is over (and the first one has settled).
                wait = max(self._last_start + self._spacing, self._changed_at + self._settle) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._again = False
                self._last_start = time.monotonic()
                await self._refresh()


def follow_event(services: Services, event_id: str, refresh: Callable[[], Awaitable[None]], name: str) -> None:
    """An organizer's live panel: `refresh` DASHBOARD_SETTLE after the event's changes, at most every
    DASHBOARD_SPACING seconds while they keep coming, until the page closes."""
    unsubscribe = services.hub.subscribe(event_id, LiveRefresh(refresh, name, DASHBOARD_SPACING, DASHBOARD_SETTLE))
    ui.context.client.on_delete(unsubscribe)
