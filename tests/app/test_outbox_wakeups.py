"""The outbox loops' wake-up is gone only where nothing depends on it: the installed NiceGUI still
waits on the event it sets for every update, message and stop; everything else of asyncio passes."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from nicegui import outbox

from eventflow.app.outbox_wakeups import quiet_outbox_loops


def test_the_installed_nicegui_wakes_its_outbox_loop_for_all_work_and_for_stop() -> None:
    loop_source = inspect.getsource(outbox.Outbox.loop)
    assert "asyncio.wait_for(self._enqueue_event.wait(), timeout=1.0)" in loop_source
    for method in (outbox.Outbox.enqueue_update, outbox.Outbox.enqueue_delete, outbox.Outbox.enqueue_message,
                   outbox.Outbox.stop, outbox.Outbox.try_rewind):
        assert "self._set_enqueue_event()" in inspect.getsource(method), method.__name__


def test_wait_for_waits_without_the_timeout_and_the_rest_is_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbox, "asyncio", outbox.asyncio)  # put back after the test
    quiet_outbox_loops()
    quiet = outbox.asyncio
    assert quiet.Event is asyncio.Event and quiet.sleep is asyncio.sleep
    assert quiet.CancelledError is asyncio.CancelledError and quiet.TimeoutError is asyncio.TimeoutError

    async def main() -> str:
        event = asyncio.Event()
        waiting = asyncio.ensure_future(quiet.wait_for(event.wait(), timeout=0.01))
        await asyncio.sleep(0.1)  # ten timeouts' worth: still waiting, nothing raised
        assert not waiting.done()
        event.set()
        return "woken" if await waiting else "no"

    assert asyncio.run(main()) == "woken"
