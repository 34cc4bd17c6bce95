"""The reaper job drains a backlog in one pass: batch after batch while they come back full."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from eventflow.app.jobs import drain_expired_holds
from eventflow.domain.outbox import Outbox
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.waitlist import Waitlist
from tests.conftest import BUYER, make_service, publish_event


class CountingListener:
    def __init__(self) -> None:
        self.events: list[str] = []

    def availability_changed(self, event_id: str) -> None:
        self.events.append(event_id)


class JobServices:
    """What the job uses of `Services`: ticketing, the waitlists (offered what a pass releases) and
    the hop to a worker thread, which counts the release batches."""

    def __init__(self, ticketing: Ticketing) -> None:
        self.ticketing = ticketing
        self.waitlist = Waitlist(ticketing.store, ticketing, Outbox(ticketing.store, ticketing.clock),  # type: ignore[arg-type]
                                 "http://localhost")
        self.batches: list[int] = []

    async def in_thread(self, call: Callable[..., int], *args: Any) -> int:
        answer = await asyncio.to_thread(call, *args)
        if call == self.ticketing.release_expired_holds:
            self.batches.append(answer)
        return answer


def test_one_pass_releases_the_whole_backlog_telling_each_event_once_per_batch(store, clock) -> None:
    service = make_service(store, clock)
    listener = CountingListener()
    service.listener = listener
    event, tiers = publish_event(service, capacities=(100,), prices=(0,))
    for _ in range(25):
        service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    clock.advance(minutes=16)
    listener.events.clear()  # the reserves' own notifications
    services = JobServices(service)

    assert asyncio.run(drain_expired_holds(services, batch=10)) == 25  # type: ignore[arg-type]

    assert services.batches == [10, 10, 5]
    assert listener.events == [event.id] * 3
    assert store.get_tiers(event.id)[0].held == 0
    assert asyncio.run(drain_expired_holds(services, batch=10)) == 0  # type: ignore[arg-type]
