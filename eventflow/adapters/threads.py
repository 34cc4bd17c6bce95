"""The one place where work that may block leaves the event loop.

Pages, API routes and the live hub all await `off_loop`; nothing else starts threads for store or
provider calls, so the rule "a networked store never stalls the loop" is checked here once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

import anyio.to_thread

P = ParamSpec("P")
T = TypeVar("T")


async def off_loop(inline_safe: bool, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `call` where it cannot stall the event loop.

    Inline when the store says its calls are cheaper than a thread hop (embedded SQLite: well under a
    millisecond, and a hop costs more than the call); otherwise in a worker thread (anyio's pool, the
    one Starlette uses), so network waits of one page never stall every other open page."""
    if inline_safe:
        return call(*args, **kwargs)
    return await anyio.to_thread.run_sync(functools.partial(call, *args, **kwargs))


async def in_thread(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `call` in a worker thread whatever the store: a payment provider's or mail server's round trip, or a
    background batch, is never cheaper than the hop."""
    return await off_loop(False, call, *args, **kwargs)


def in_parallel(call: Callable[[T], object], items: Iterable[T], workers: int) -> None:
    """Run `call` on every item from at most `workers` threads and wait for all (the first failure raises).

    For a blocking caller already off the loop whose work is many independent round trips (a DynamoDB
    draw writes its ranks in batches): the batches' waits overlap instead of adding up."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eventflow-parallel") as pool:
        for _ in pool.map(call, items):
            pass
