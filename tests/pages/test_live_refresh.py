"""A live panel's refresh: signals during a run fold into one more run, none is lost, and with a spacing
the runs keep that far apart while changes keep coming (the first after a quiet spell runs at once)."""

from __future__ import annotations

import asyncio

import pytest
from nicegui import core

from eventflow.pages.components.live_refresh import LiveRefresh


async def signals_during_runs(spacing: float) -> list[float]:
    loop = asyncio.get_running_loop()
    starts: list[float] = []
    burst_over = asyncio.Event()

    async def refresh() -> None:
        starts.append(loop.time())
        if len(starts) == 1:
            await burst_over.wait()

    live = LiveRefresh(refresh, "test", spacing)
    live()  # runs at once
    for _ in range(10):  # a burst while it runs: one more run, not ten
        await asyncio.sleep(0.001)
        live()
    burst_over.set()
    await asyncio.sleep(spacing + 0.2)
    return [t - starts[0] for t in starts]


@pytest.mark.parametrize("spacing", [0.0, 0.3])
def test_a_burst_of_changes_is_two_runs_kept_apart_by_the_spacing(spacing: float,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> list[float]:
        monkeypatch.setattr(core, "loop", asyncio.get_running_loop())
        return await signals_during_runs(spacing)

    starts = asyncio.run(main())
    assert len(starts) == 2, starts  # the burst folded into one more run; the last change not lost
    assert spacing <= starts[1] < max(spacing, 0.011) + 0.1, starts
