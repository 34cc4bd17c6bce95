"""Live availability: one store read per change, fanned out to every open page of that event.

The domain calls `availability_changed(event_id)` after each reserve, release or sale, from
whatever thread it runs on. The hub coalesces those signals on the event loop, reads the counts
of all changed events in ONE batched store read, and calls every subscriber of those events.
A poller does the same once per `poll_seconds` for all watched events, so changes made by other
app instances (several processes on SQLite, several hosts on DynamoDB) show within ~1 s.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from eventflow.adapters.threads import off_loop
from eventflow.domain.models import TierCount
from eventflow.domain.ports import Store

log = logging.getLogger(__name__)

CountsCallback = Callable[[list[TierCount]], Any]


class AvailabilityHub:
    def __init__(self, store: Store, poll_seconds: float = 1.0, min_interval: float = 0.25) -> None:
        self._store = store
        self._poll_seconds = poll_seconds
        self._min_interval = min_interval
        self._subscribers: dict[str, set[CountsCallback]] = defaultdict(set)
        self._last: dict[str, list[TierCount]] = {}
        self._dirty: set[str] = set()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.reads = 0  # store reads made by the hub (observability and benchmarks)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Call on the event loop at app start-up."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._publish_loop(), name="availability-publish"),
            asyncio.create_task(self._poll_loop(), name="availability-poll"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    # ------------------------------------------------------------ subscriptions
    def subscribe(self, event_id: str, callback: CountsCallback) -> Callable[[], None]:
        with self._lock:
            self._subscribers[event_id].add(callback)

        def unsubscribe() -> None:
            with self._lock:
                callbacks = self._subscribers.get(event_id)
                if callbacks is not None:
                    callbacks.discard(callback)
                    if not callbacks:
                        del self._subscribers[event_id]
                        self._last.pop(event_id, None)

        return unsubscribe

    def watched_events(self) -> list[str]:
        with self._lock:
            return list(self._subscribers)

    def subscriber_count(self, event_id: str) -> int:
        with self._lock:
            return len(self._subscribers.get(event_id, ()))

    # ------------------------------------------------------------ AvailabilityListener
    def availability_changed(self, event_id: str) -> None:
        with self._lock:
            if event_id not in self._subscribers:
                return  # nobody is watching: no read at all
            self._dirty.add(event_id)
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wakeup.set)

    # ------------------------------------------------------------ loops
    async def _publish_loop(self) -> None:
        assert self._wakeup is not None
        loop = asyncio.get_running_loop()
        last_publish = 0.0
        while True:
            await self._wakeup.wait()
            # At most one fan-out per interval: sales in between ride along in the same update, so
            # a burst costs one send per open page, not one per sale per page.
            pause = last_publish + self._min_interval - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            self._wakeup.clear()
            with self._lock:
                dirty, self._dirty = self._dirty, set()
            if dirty:
                last_publish = loop.time()
                await self._refresh(sorted(dirty), only_if_changed=False)

    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            watched = self.watched_events()
            if watched:
                await self._refresh(watched, only_if_changed=True)

    async def _refresh(self, event_ids: list[str], only_if_changed: bool) -> None:
        try:
            counts = await off_loop(self._store.inline_safe, self._store.tier_counts, event_ids)
        except Exception:  # a flaky store must not kill live updates; the next tick retries
            log.exception("reading availability failed")
            return
        self.reads += 1
        for event_id, tier_counts in counts.items():
            with self._lock:
                if only_if_changed and self._last.get(event_id) == tier_counts:
                    continue
                self._last[event_id] = tier_counts
                callbacks = list(self._subscribers.get(event_id, ()))
            for callback in callbacks:
                try:
                    callback(tier_counts)
                except Exception:
                    log.exception("an availability subscriber failed")
