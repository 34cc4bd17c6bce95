"""A live panel's refresh: signals during a run fold into one more run, none is lost, and with a spacing
the runs keep that far apart while changes keep coming (the first after a quiet spell runs at once)."""

from __future__ import annotations

import asyncio

import pytest
from nicegui import core

from eventflow.pages.components.live_refresh import LiveRefresh


async def signals_during_runs(spacing: float) -> tuple[list[float], float]:
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
    await asyncio.sleep(2 * spacing + 0.2)  # the burst's second run is over, and a spacing since
    quiet_change = loop.time()
    live()  # a change after a quiet spell: at once
    await asyncio.sleep(0.05)
    live()  # and one just after that run: kept apart from it
    await asyncio.sleep(spacing + 0.2)
    return [t - starts[0] for t in starts], quiet_change - starts[0]


@pytest.mark.parametrize("spacing", [0.0, 0.3])
def test_a_burst_of_changes_is_two_runs_kept_apart_by_the_spacing(spacing: float,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> tuple[list[float], float]:
        monkeypatch.setattr(core, "loop", asyncio.get_running_loop())
        return await signals_during_runs(spacing)

    starts, quiet_change = asyncio.run(main())
    assert len(starts) == 4, starts  # the burst folded into one more run; the last change not lost
    assert spacing <= starts[1] < spacing + 0.25, starts
    assert starts[2] - quiet_change < 0.15, starts  # after a quiet spell: not delayed
    assert spacing <= starts[3] - starts[2] < max(spacing, 0.05) + 0.25, starts


def test_a_run_waits_for_the_change_to_settle_and_takes_the_changes_that_came_meanwhile(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The change is a buyer's request and their next one is on its way: the redraw comes `settle` later,
    once for the change and those that followed it, not once at once and again after."""
    async def main() -> tuple[float, list[float]]:
        loop = asyncio.get_running_loop()
        monkeypatch.setattr(core, "loop", loop)
        starts: list[float] = []

        async def refresh() -> None:
            starts.append(loop.time())

        live = LiveRefresh(refresh, "test", spacing=0.0, settle=0.2)
        changed = loop.time()
        live()
        for _ in range(5):  # the buyer's checkout and payment, right behind the hold
            await asyncio.sleep(0.02)
            live()
        await asyncio.sleep(0.4)
        return changed, starts

    changed, starts = asyncio.run(main())
    assert len(starts) == 1, starts  # one run for all six changes
    assert 0.2 <= starts[0] - changed < 0.35, starts  # counted from the first change, not the last
