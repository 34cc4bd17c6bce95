"""`LoopBatch`: the calls of one loop iteration go out as one, each caller gets its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from eventflow.adapters.loop_batch import LoopBatch


def test_one_iterations_calls_are_one_batch_and_each_gets_its_own_result() -> None:
    runs: list[list[int]] = []

    def run_all(requests: Sequence[int]) -> list[int | Exception]:
        runs.append(list(requests))
        return [ValueError(f"odd {n}") if n % 2 else n * 10 for n in requests]

    batch: LoopBatch[int, int] = LoopBatch(run_all)

    async def main() -> list[int | BaseException]:
        first = await asyncio.gather(*(batch.submit(n) for n in range(4)), return_exceptions=True)
        second = await asyncio.gather(batch.submit(4), return_exceptions=True)
        return [*first, *second]

    results = asyncio.run(main())
    assert runs == [[0, 1, 2, 3], [4]]
    assert results[0] == 0 and results[2] == 20 and results[4] == 40
    assert isinstance(results[1], ValueError) and str(results[1]) == "odd 1"


def test_a_failed_batch_fails_every_caller() -> None:
    def run_all(requests: Sequence[int]) -> list[int | Exception]:
        raise OSError("disk full")

    batch: LoopBatch[int, int] = LoopBatch(run_all)

    async def main() -> list[int | BaseException]:
        return await asyncio.gather(*(batch.submit(n) for n in range(3)), return_exceptions=True)

    assert all(isinstance(result, OSError) for result in asyncio.run(main()))


def test_a_caller_that_went_away_does_not_disturb_the_others() -> None:
    batch: LoopBatch[int, int] = LoopBatch(lambda requests: [n + 1 for n in requests])

    async def main() -> int:
        gone = asyncio.ensure_future(batch.submit(1))
        kept = asyncio.ensure_future(batch.submit(2))
        await asyncio.sleep(0)  # both queued
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await kept

    assert asyncio.run(main()) == 3
