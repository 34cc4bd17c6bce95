"""Live counts fan-out (pages/components/live_counts.py): a change of an event reaches all of its open
pages as ONE emit addressed to all their rooms, never one per page; other events' pages get nothing;
a page that connects after a change catches up; the last page closing ends the hub subscription."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import pytest
from nicegui import Client

from eventflow.adapters.live import AvailabilityHub
from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.pages.components.live_counts import MESSAGE, LiveCounts
from eventflow.pages.components.tier_card import live_state
from tests.conftest import FAST_HASHER, publish_event
from tests.fakes.memory_store import InMemoryStore

pytestmark = pytest.mark.anyio
BUYER = Buyer("b@example.com", "B")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakePage:
    """What LiveCounts uses of a NiceGUI client: its id (= its socket's room) and two hooks."""

    def __init__(self, client_id: str) -> None:
        self.id = client_id
        self.connect: list[Callable[[], None]] = []
        self.delete: list[Callable[[], None]] = []

    def on_connect(self, handler: Callable[[], None]) -> None:
        self.connect.append(handler)

    def on_delete(self, handler: Callable[[], None]) -> None:
        self.delete.append(handler)

    def connected(self) -> None:
        for handler in self.connect:
            handler()

    def close(self) -> None:
        for handler in self.delete:
            handler()


class Sent:
    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any], list[str]]] = []

    async def __call__(self, message: str, payload: dict[str, Any], rooms: list[str]) -> None:
        self.messages.append((message, payload, sorted(rooms)))


async def settle(condition: Callable[[], bool]) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met")


@pytest.fixture
async def world(clock: ManualClock):  # type: ignore[no-untyped-def]
    store = InMemoryStore()
    hub = AvailabilityHub(store, poll_seconds=3600, min_interval=0)
    ticketing = Ticketing(store, clock, "test-secret", listener=hub, password_hasher=FAST_HASHER)
    hub.start()
    sent = Sent()
    yield hub, ticketing, LiveCounts(hub, live_state, emit=sent), sent
    await hub.stop()


def page(live: LiveCounts, event_id: str, name: str) -> FakePage:
    fake = FakePage(name)
    live.watch(event_id, cast(Client, fake))
    fake.connected()
    return fake


async def test_a_sale_is_one_emit_to_every_page_of_its_event_only(world) -> None:  # type: ignore[no-untyped-def]
    _, ticketing, live, sent = world
    event, (tier, *_) = publish_event(ticketing, capacities=(100, 50, 10))
    other, _ = publish_event(ticketing, capacities=(5,), prices=(0,))
    pages = [page(live, event.id, f"client-{n}") for n in range(300)]
    page(live, other.id, "other-page")

    ticketing.reserve(event.id, [LineRequest(tier.id, 3)], BUYER)
    await settle(lambda: len(sent.messages) >= 1)
    await asyncio.sleep(0.05)

    assert len(sent.messages) == 1  # not 300
    message, payload, rooms = sent.messages[0]
    assert message == MESSAGE and rooms == sorted(p.id for p in pages)
    assert payload["event"] == event.id
    first = next(t for t in payload["tiers"] if t["id"] == tier.id)
    assert first["available"] == 97 and first["text"] == "97 left" and "emerald" in first["classes"]


async def test_a_page_that_connects_after_a_change_catches_up_alone(world) -> None:  # type: ignore[no-untyped-def]
    _, ticketing, live, sent = world
    event, (tier, *_) = publish_event(ticketing, capacities=(10,), prices=(0,))
    page(live, event.id, "early")
    late = FakePage("late")
    live.watch(event.id, cast(Client, late))  # built, socket not connected yet

    ticketing.reserve(event.id, [LineRequest(tier.id, 10)], BUYER)
    await settle(lambda: len(sent.messages) == 1)
    late.connected()
    await settle(lambda: len(sent.messages) == 2)
    _, payload, rooms = sent.messages[1]
    assert rooms == ["late"] and payload["tiers"][0]["text"] == "Sold out"

    late.connected()  # a reconnect with nothing new sends nothing
    await asyncio.sleep(0.05)
    assert len(sent.messages) == 2


async def test_the_last_page_closing_ends_the_subscription(world) -> None:  # type: ignore[no-untyped-def]
    hub, ticketing, live, sent = world
    event, (tier, *_) = publish_event(ticketing, capacities=(10,), prices=(0,))
    a, b = page(live, event.id, "a"), page(live, event.id, "b")
    assert hub.subscriber_count(event.id) == 1  # one subscription for all pages of the event
    a.close()
    ticketing.reserve(event.id, [LineRequest(tier.id, 1)], BUYER)
    await settle(lambda: len(sent.messages) == 1)
    assert sent.messages[0][2] == ["b"]
    b.close()
    assert hub.subscriber_count(event.id) == 0 and live.watching(event.id) == 0
    ticketing.reserve(event.id, [LineRequest(tier.id, 1)], BUYER)
    await asyncio.sleep(0.05)
    assert len(sent.messages) == 1
