"""NiceGUI's per-page outbox loop without its once-a-second wake-up.

Every open page runs an outbox loop that waits for something to send with `wait_for(..., timeout=1.0)`
and goes round again on the timeout: with 5,000 open event pages that is 5,000 timer-and-task cycles a
second for nothing (py-spy: about a third of an idle server; bench_live.py's "idle CPU per watcher").
The timeout is only a safety net: everything that gives the loop work sets its event, and
`Outbox.stop` sets it too (nicegui/outbox.py, NiceGUI 3.18), so waiting on the event alone loses
nothing. Swapped in by giving the outbox module an `asyncio` whose `wait_for` waits without the
timeout; tests/app/test_outbox_wakeups.py checks the assumptions against the installed NiceGUI."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from types import ModuleType
from typing import Any, TypeVar

from nicegui import outbox

T = TypeVar("T")


class _AsyncioWithoutOutboxTimeout(ModuleType):
    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def wait_for(awaitable: Awaitable[T], timeout: float | None = None) -> T:
        return await awaitable


def quiet_outbox_loops() -> None:
    """Before any page opens (`serve`)."""
    outbox.asyncio = _AsyncioWithoutOutboxTimeout("asyncio")
