"""Runs a page's async refresh when the availability hub says its event changed.

The hub calls subscribers synchronously on the event loop; a refresh that reads the store must
await that read off the loop, so it runs as a task. Signals that arrive while one runs are folded
into one more run after it: never two overlapping refreshes of the same page, never a lost change.
The refresh writes in the language of the page that subscribed (the hub's task knows no page)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import background_tasks

from eventflow.i18n import current_visitor, use_visitor


class LiveRefresh:
    def __init__(self, refresh: Callable[[], Awaitable[None]], name: str) -> None:
        self._refresh = refresh
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
            while self._again:
                self._again = False
                await self._refresh()
