"""Where the edges (API routes, pages) run a store call: inline for the embedded store, off the loop otherwise."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from eventflow.adapters.threads import off_loop
from eventflow.domain.clock import ManualClock
from eventflow.store.dynamodb.store import DynamoStore
from eventflow.store.sqlite.store import SqliteStore
from tests.conftest import make_service


def thread_of_call(inline_safe: bool) -> tuple[int, int]:
    async def main() -> tuple[int, int]:
        return threading.get_ident(), await off_loop(inline_safe, threading.get_ident)

    return asyncio.run(main())


def test_an_embedded_store_is_called_on_the_loop_thread() -> None:
    loop_thread, call_thread = thread_of_call(inline_safe=True)
    assert call_thread == loop_thread


def test_a_networked_store_is_called_in_a_worker_thread() -> None:
    loop_thread, call_thread = thread_of_call(inline_safe=False)
    assert call_thread != loop_thread


def test_the_stores_say_which_they_are(tmp_path: Path) -> None:
    embedded = SqliteStore(tmp_path / "x.db")
    assert embedded.inline_safe is True
    assert make_service(embedded, ManualClock()).inline_safe is True
    assert DynamoStore.inline_safe is False
