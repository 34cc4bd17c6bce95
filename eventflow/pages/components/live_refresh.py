"""Runs a page's async refresh when the availability hub says its event changed.

The hub calls subscribers synchronously on the event loop; a refresh that reads the store must
await that read off the loop, so it runs as a task. Signals that arrive while one runs are folded
into one more run after it: never two overlapping refreshes of the same page, never a lost change.
The refresh writes in the language of the page that subscribed (the hub's task knows no page).

`spacing` keeps runs at least that many seconds apart while changes keep coming (the first after a
quiet spell runs at once): an organizer's panels need not redraw on every sale, and each redraw is
CPU the buyers' requests wait for on a busy event."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import background_tasks, ui

from eventflow.i18n import current_visitor, use_visitor
from eventflow.services import Services

DASHBOARD_SPACING = 1.0  # seconds between two redraws of an organizer's live panel while sales run


class LiveRefresh:
    def __init__(self, refresh: Callable[[], Awaitable[None]], name: str, spacing: float = 0.0) -> None:
        self._refresh = refresh
        self._spacing = spacing
        self._last_start = float("-inf")
        self._name = name
        self._again = False
        self._task: asyncio.Task[Any] | None = None
        self._visitor = current_visitor()  # built with the page: its reader

    def __call__(self, *_: Any) -> None:
        """The hub's callback (it passes the counts; the refresh reads what it needs itself)."""
        self._again = True
        if self._task is None or self._task.done():
            self._task = background_tasks.create(self._run(), name=self._name)

    async def _run(self) -> None:
        with use_visitor(self._visitor):
            loop = asyncio.get_running_loop()
            while self._again:
                wait = self._last_start + self._spacing - loop.time()
                if wait > 0:  # changes keep coming: gather them until the spacing is over
                    await asyncio.sleep(wait)
                self._again = False
                self._last_start = loop.time()
                await self._refresh()


def follow_event(services: Services, event_id: str, refresh: Callable[[], Awaitable[None]], name: str) -> None:
    """An organizer's live panel: `refresh` after the event's changes, at most every DASHBOARD_SPACING
    seconds while they keep coming, until the page closes."""
    unsubscribe = services.hub.subscribe(event_id, LiveRefresh(refresh, name, DASHBOARD_SPACING))
    ui.context.client.on_delete(unsubscribe)
