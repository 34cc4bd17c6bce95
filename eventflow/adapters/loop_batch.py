"""Group the calls one event-loop iteration makes into one call: how the HTTP edge commits a ticket
drop's reserves together (`Ticketing.reserve_all` in one `Store.transaction_batch`).

`LoopBatch.submit` queues a request and awaits its own result; the first request of an iteration
schedules the flush with `call_soon`, so every request that reaches `submit` before the loop turns
again joins the same batch. The flush runs on the loop thread, inline, like any call to the
embedded store: only for stores whose calls are cheaper than a thread hop (`Store.inline_safe`).
Nobody gets an answer before the batch's call has returned (for the store: committed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")


class LoopBatch(Generic[Request, Result]):
    """`run_all(requests)` returns one result or exception per request, in order."""

    def __init__(self, run_all: Callable[[Sequence[Request]], Sequence[Result | Exception]]) -> None:
        self._run_all = run_all
        self._pending: dict[asyncio.AbstractEventLoop, list[tuple[Request, asyncio.Future[Result]]]] = {}

    async def submit(self, request: Request) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        pending = self._pending.setdefault(loop, [])
        pending.append((request, future))
        if len(pending) == 1:
            loop.call_soon(self._flush, loop)
        return await future

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._pending.pop(loop, [])
        if not batch:
            return
        try:
            results = list(self._run_all([request for request, _ in batch]))
            if len(results) != len(batch):
                raise RuntimeError(f"{len(results)} results for {len(batch)} requests")
        except Exception as error:  # the whole call failed: every request of the batch gets its error
            results = [error] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # its caller was cancelled meanwhile (a client that went away)
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
