"""Live "N left" counts on the public event page: one message per change per event, not per page.

Every open event page is a NiceGUI client, and NiceGUI puts each client's socket in a socket.io
room named after the client id. When the availability hub publishes new counts of an event, this
module builds ONE message and emits it once to the rooms of all that event's pages:
python-socketio encodes a room emit once and queues the same frame on every socket. (Changing each
page's badge element instead made NiceGUI serialize and emit one `update` per page: ~85 µs per
page per change, and the page's ~45 elements cost ~300 KiB per watcher; see docs/benchmarks.md.)
The browser side, eventflow/static/live_counts.js, writes the counts into the badges.

The Python side of each page still learns the counts (the badge's text and the stepper limits stay
right for server-side decisions), right AFTER the message left and in chunks, so thousands of
pages' bookkeeping never delays the message; that is silent: nothing is sent unless a page's
buttons must change (sold out: its + button disables).

Hidden tiers (sold only with an access code) are never in the message to all pages: a page opened
with a code that unlocks some gets their counts in a second message to its own room (and pages that
share the same unlocked set share that message), so a hidden tier's id and count reach nobody else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Coroutine
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
Remember = Callable[[list[TierCount]], None]
# Websocket frames per second one event's fan-out may send. Each costs the server ~40-60 µs (a
# write syscall, engine.io's per-socket queue and writer task, ASGI send wrappers; measured with
# benchmarks/bench_live.py), so 15,000/s is up to ~0.65 of a core, leaving the rest of a 2-core
# machine to buyers. Up to ~3,750 pages the hub's own 0.25 s coalescing is the limit; with 5,000
# open pages a message leaves at most every 0.33 s (at 10,000/s it was every 0.5 s: p95 1.1 s).
# (Per event: several hot events at once each get this budget.)
FRAMES_PER_SECOND = 15_000.0


async def emit_to_rooms(message: str, payload: dict[str, Any], rooms: list[str]) -> None:
    await core.sio.emit(message, payload, room=rooms)


def serve_script() -> None:
    """Serve live_counts.js (same origin, so the pages' Content-Security-Policy allows it)."""
    app.add_static_file(local_file=SCRIPT, url_path=SCRIPT_URL)


@dataclass
class Watchers:
    """The open pages of one event, the last counts sent to them, and the change not yet delivered."""

    event_id: str
    pages: dict[str, Remember] = field(default_factory=dict)  # client id -> that page's silent update
    hidden: frozenset[str] = frozenset()  # the event's hidden tiers (as the latest page found them)
    unlocked: dict[str, frozenset[str]] = field(default_factory=dict)  # client id -> hidden tiers it may see
    unsubscribe: Callable[[], None] = lambda: None
    last: list[dict[str, Any]] | None = None  # every tier's description, hidden ones included
    version: int = 0  # how many messages were sent; a page compares it with what it was built with
    pending: tuple[list[TierCount], list[dict[str, Any]]] | None = None
    sent_at: float = -1e9  # loop time of the last message to all pages
    delivering: asyncio.Task[None] | None = None


class LiveCounts:
    def __init__(self, hub: AvailabilityHub, describe: Describe, emit: Emit = emit_to_rooms,
                 chunk: int = 250, frames_per_second: float = FRAMES_PER_SECOND) -> None:
        self._hub = hub
        self._describe = describe  # one tier's count as the browser shows it (text, badge classes)
        self._emit = emit
        self._chunk = chunk  # pages updated between two yields to the event loop
        self._frames_per_second = frames_per_second
        self._events: dict[str, Watchers] = {}
        self._sending: set[asyncio.Task[None]] = set()  # referenced until done (asyncio keeps weak refs)

    def watch(self, event_id: str, client: Client, remember: Remember, *,
              hidden: Collection[str] = (), unlocked: Collection[str] = ()) -> None:
        """Call from the page handler: the page's socket gets every change of the event from now on,
        and `remember(counts)` keeps the page's server-side state right (after the message left).
        `hidden`: the event's hidden tiers; `unlocked`: those of them this page's code lets it see.

        A change published between building the page and its socket joining is sent to the page
        alone when it connects (and after every reconnect that missed one)."""
        watchers = self._events.get(event_id)
        if watchers is None:
            watchers = self._events[event_id] = Watchers(event_id)
            watchers.unsubscribe = self._hub.subscribe(event_id, lambda counts: self._publish(event_id, counts))
        watchers.pages[client.id] = remember
        watchers.hidden = frozenset(hidden)
        if unlocked:
            watchers.unlocked[client.id] = frozenset(unlocked) & watchers.hidden
        built_with = watchers.version

        def catch_up() -> None:
            nonlocal built_with
            if watchers.last is not None and watchers.version != built_with:
                built_with = watchers.version
                for payload, rooms in self._messages(event_id, watchers, watchers.last, [client.id]):
                    self._send(payload, rooms)

        def leave() -> None:
            watchers.pages.pop(client.id, None)
            watchers.unlocked.pop(client.id, None)
            if not watchers.pages and self._events.get(event_id) is watchers:
                watchers.unsubscribe()
                del self._events[event_id]

        client.on_connect(catch_up)
        client.on_delete(leave)

    def watching(self, event_id: str) -> int:
        watchers = self._events.get(event_id)
        return len(watchers.pages) if watchers else 0

    def _publish(self, event_id: str, counts: list[TierCount]) -> None:
        """The hub's callback (on the event loop): one payload, one emit, for all pages of the event."""
        watchers = self._events.get(event_id)
        if watchers is None or not watchers.pages:
            return
        described = [self._describe(count) for count in counts]
        watchers.last = described
        watchers.version += 1
        watchers.pending = (counts, described)
        if watchers.delivering is None or watchers.delivering.done():
            watchers.delivering = self._start(self._deliver(watchers))

    async def _deliver(self, watchers: Watchers) -> None:
        """Send first (that is what the watchers wait for), then update each page's server-side copy
        in chunks, yielding to the loop in between. One delivery per event at a time, in order; a
        newer change cuts the page updates short, sends at once and then updates every page."""
        loop = asyncio.get_running_loop()
        while watchers.pending is not None:
            # A message to N pages is N websocket frames; spacing the messages keeps the fan-out
            # under the frame budget (changes in between ride along in the next message).
            pause = watchers.sent_at + len(watchers.pages) / self._frames_per_second - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            counts, described = watchers.pending
            watchers.pending = None
            watchers.sent_at = loop.time()
            for payload, rooms in self._messages(watchers.event_id, watchers, described, list(watchers.pages)):
                await self._emit(MESSAGE, payload, rooms)
            for n, remember in enumerate(list(watchers.pages.values()), start=1):
                try:
                    remember(counts)
                except Exception:  # one broken page must not stop the others
                    log.exception("a page failed to take the live counts")
                if n % self._chunk == 0:
                    await asyncio.sleep(0)
                    if watchers.pending is not None:
                        break

    @staticmethod
    def _messages(event_id: str, watchers: Watchers, described: list[dict[str, Any]],
                  rooms: list[str]) -> list[tuple[dict[str, Any], list[str]]]:
        """(payload, rooms): the public tiers to every room, then each unlocked set's hidden tiers to
        the rooms of the pages that may see them."""
        public = [d for d in described if d["id"] not in watchers.hidden]
        messages = [({"event": event_id, "tiers": public}, rooms)]
        by_set: dict[frozenset[str], list[str]] = {}
        for room in rooms:
            allowed = watchers.unlocked.get(room)
            if allowed:
                by_set.setdefault(allowed, []).append(room)
        for allowed, its_rooms in by_set.items():
            extra = [d for d in described if d["id"] in allowed]
            if extra:
                messages.append(({"event": event_id, "tiers": extra}, its_rooms))
        return messages

    def _send(self, payload: dict[str, Any], rooms: list[str]) -> None:
        self._start(self._emit(MESSAGE, payload, rooms))

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._sending.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("sending live counts failed", exc_info=task.exception())
