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
from eventflow.domain.models import Buyer, TierCount
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
        self.counts: list[TierCount] = []

    def remember(self, counts: list[TierCount]) -> None:
        self.counts = counts

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


def page(live: LiveCounts, event_id: str, name: str, log: list[Any] | None = None) -> FakePage:
    fake = FakePage(name)
    live.watch(event_id, cast(Client, fake), fake.remember if log is None else lambda c: log.append((name, c)))
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
    # Every page's server-side copy follows (after the message left).
    await settle(lambda: all(p.counts for p in pages))
    assert {next(c.available for c in p.counts if c.tier_id == tier.id) for p in pages} == {97}


async def test_the_message_leaves_before_the_pages_bookkeeping_and_the_latest_counts_win(world) -> None:  # type: ignore[no-untyped-def]
    _, ticketing, _, _ = world
    hub = world[0]
    order: list[Any] = []

    async def emit(message: str, payload: dict[str, Any], rooms: list[str]) -> None:
        order.append(("sent", payload["tiers"][0]["available"]))

    live = LiveCounts(hub, live_state, emit=emit, chunk=10)
    event, (tier,) = publish_event(ticketing, capacities=(1000,), prices=(0,))
    for n in range(100):
        page(live, event.id, f"p{n}", log=order)
    ticketing.reserve(event.id, [LineRequest(tier.id, 1)], BUYER)
    ticketing.reserve(event.id, [LineRequest(tier.id, 1)], BUYER)
    await settle(lambda: order and order[-1][0] != "sent" and len(order) >= 101
                 and all(c[0].available == 998 for _, c in order[-100:]))
    assert order[0][0] == "sent"  # before any page's bookkeeping
    last_sent = max(i for i, item in enumerate(order) if item[0] == "sent")
    assert order[last_sent] == ("sent", 998)
    remembered = {name: c[0].available for name, c in order[last_sent + 1:]}
    assert remembered == {f"p{n}": 998 for n in range(100)}  # every page ends on the latest counts


async def test_a_page_that_connects_after_a_change_catches_up_alone(world) -> None:  # type: ignore[no-untyped-def]
    _, ticketing, live, sent = world
    event, (tier, *_) = publish_event(ticketing, capacities=(10,), prices=(0,))
    page(live, event.id, "early")
    late = FakePage("late")
    live.watch(event.id, cast(Client, late), late.remember)  # built, socket not connected yet

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


async def test_over_the_frame_budget_changes_ride_along_in_the_next_message(world) -> None:  # type: ignore[no-untyped-def]
    hub, ticketing, _, _ = world
    sent = Sent()
    # 20 pages at 40 frames/s: at most one message per half second; the hub itself does not wait.
    live = LiveCounts(hub, live_state, emit=sent, frames_per_second=40)
    event, (tier,) = publish_event(ticketing, capacities=(1000,), prices=(0,))
    for n in range(20):
        page(live, event.id, f"p{n}")
    ticketing.reserve(event.id, [LineRequest(tier.id, 1)], BUYER)
    await settle(lambda: len(sent.messages) == 1)
    for _ in range(3):  # three more sales inside the budget's pause
        ticketing.reserve(event.id, [LineRequest(tier.id, 1)], BUYER)
        await asyncio.sleep(0.02)
    await settle(lambda: len(sent.messages) == 2)
    await asyncio.sleep(0.6)
    assert [m[1]["tiers"][0]["available"] for m in sent.messages] == [999, 996]  # not 999, 998, 997, 996


async def test_a_hidden_tiers_count_reaches_only_pages_whose_code_unlocks_it(world) -> None:  # type: ignore[no-untyped-def]
    """The attack: an open event page learning a hidden (code-only) tier's id and count from the
    live message. Public pages get the public tiers only; a code holder's page gets the hidden one
    in a message to its own room."""
    _, ticketing, live, sent = world
    event, (public, vip) = publish_event(ticketing, capacities=(100, 20), prices=(0, 0))
    everyone = [FakePage(f"public-{n}") for n in range(3)]
    for fake in everyone:
        live.watch(event.id, cast(Client, fake), fake.remember, hidden={vip.id})
        fake.connected()
    holder = FakePage("vip-holder")
    live.watch(event.id, cast(Client, holder), holder.remember, hidden={vip.id}, unlocked={vip.id})
    holder.connected()

    ticketing.reserve(event.id, [LineRequest(vip.id, 2)], BUYER)
    await settle(lambda: len(sent.messages) >= 2)
    await asyncio.sleep(0.05)

    rooms_that_saw_vip = [rooms for _, payload, rooms in sent.messages
                          if any(t["id"] == vip.id for t in payload["tiers"])]
    assert rooms_that_saw_vip == [["vip-holder"]]
    vip_line = next(t for _, payload, _ in sent.messages for t in payload["tiers"] if t["id"] == vip.id)
    assert vip_line["available"] == 18
    to_all = next(payload for _, payload, rooms in sent.messages if len(rooms) == 4)
    assert [t["id"] for t in to_all["tiers"]] == [public.id]
    # A public page that joins while the counts change catches up without the hidden tier either.
    late = FakePage("late-public")
    sent.messages.clear()
    live.watch(event.id, cast(Client, late), late.remember, hidden={vip.id})
    ticketing.reserve(event.id, [LineRequest(vip.id, 1)], BUYER)
    await settle(lambda: len(sent.messages) >= 2)
    late.connected()
    await settle(lambda: len(sent.messages) >= 3)
    await asyncio.sleep(0.05)
    assert any("late-public" in rooms for _, _, rooms in sent.messages[2:])  # the catch-up
    assert [rooms for _, payload, rooms in sent.messages
            if any(t["id"] == vip.id for t in payload["tiers"])] == [["vip-holder"]]
