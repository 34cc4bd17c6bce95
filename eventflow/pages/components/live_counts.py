"""Live "N left" counts on the public event page: one message per change per event, not per page.

Every open event page is a NiceGUI client, and NiceGUI puts each client's socket in a socket.io
room named after the client id. When the availability hub publishes new counts of an event, this
module builds ONE message and emits it once to the rooms of all that event's pages:
python-socketio encodes a room emit once and queues the same frame on every socket. (Changing each
page's badge element instead made NiceGUI serialize and emit one `update` per page: ~85 µs per
page per change, and the page's ~45 elements cost ~300 KiB per watcher; see docs/benchmarks.md.)
The browser side, eventflow/static/live_counts.js, writes the counts into the badges.

The Python side of each page still learns the counts through its own hub subscription (the
badge's text and the stepper limits stay right for server-side decisions), but that is silent:
nothing is sent unless a page's buttons must change (sold out: its + button disables).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nicegui import Client, app, core

from eventflow.adapters.live import AvailabilityHub
from eventflow.domain.models import TierCount

MESSAGE = "eventflow_counts"  # the socket.io event name live_counts.js listens to
SCRIPT_URL = "/live/counts.js"
log = logging.getLogger(__name__)
SCRIPT = Path(__file__).resolve().parents[2] / "static" / "live_counts.js"

# (message name, payload, the rooms to send it to); the default sends through NiceGUI's socket.io server.
Emit = Callable[[str, dict[str, Any], list[str]], Coroutine[Any, Any, None]]
Describe = Callable[[TierCount], dict[str, Any]]


async def emit_to_rooms(message: str, payload: dict[str, Any], rooms: list[str]) -> None:
    await core.sio.emit(message, payload, room=rooms)


def serve_script() -> None:
    """Serve live_counts.js (same origin, so the pages' Content-Security-Policy allows it)."""
    app.add_static_file(local_file=SCRIPT, url_path=SCRIPT_URL)


@dataclass
class Watchers:
    """The open pages of one event and the last counts sent to them."""

    clients: set[str] = field(default_factory=set)
    unsubscribe: Callable[[], None] = lambda: None
    last: dict[str, Any] | None = None
    version: int = 0  # how many messages were sent; a page compares it with what it was built with


class LiveCounts:
    def __init__(self, hub: AvailabilityHub, describe: Describe, emit: Emit = emit_to_rooms) -> None:
        self._hub = hub
        self._describe = describe  # one tier's count as the browser shows it (text, badge classes)
        self._emit = emit
        self._events: dict[str, Watchers] = {}
        self._sending: set[asyncio.Task[None]] = set()  # referenced until done (asyncio keeps weak refs)

    def watch(self, event_id: str, client: Client) -> None:
        """Call from the page handler: the page's socket gets every change of the event from now on.

        A change published between building the page and its socket joining is sent to the page
        alone when it connects (and after every reconnect that missed one)."""
        watchers = self._events.get(event_id)
        if watchers is None:
            watchers = self._events[event_id] = Watchers()
            watchers.unsubscribe = self._hub.subscribe(event_id, lambda counts: self._publish(event_id, counts))
        watchers.clients.add(client.id)
        built_with = watchers.version

        def catch_up() -> None:
            nonlocal built_with
            if watchers.last is not None and watchers.version != built_with:
                built_with = watchers.version
                self._send(watchers.last, [client.id])

        def leave() -> None:
            watchers.clients.discard(client.id)
            if not watchers.clients and self._events.get(event_id) is watchers:
                watchers.unsubscribe()
                del self._events[event_id]

        client.on_connect(catch_up)
        client.on_delete(leave)

    def watching(self, event_id: str) -> int:
        watchers = self._events.get(event_id)
        return len(watchers.clients) if watchers else 0

    def _publish(self, event_id: str, counts: list[TierCount]) -> None:
        """The hub's callback (on the event loop): one payload, one emit, for all pages of the event."""
        watchers = self._events.get(event_id)
        if watchers is None or not watchers.clients:
            return
        payload = {"event": event_id, "tiers": [self._describe(count) for count in counts]}
        watchers.last = payload
        watchers.version += 1
        self._send(payload, list(watchers.clients))

    def _send(self, payload: dict[str, Any], rooms: list[str]) -> None:
        """Emit without blocking the caller (the hub's fan-out loop); messages leave in call order."""
        task = asyncio.get_running_loop().create_task(self._emit(MESSAGE, payload, rooms))
        self._sending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("sending live counts failed", exc_info=task.exception())
