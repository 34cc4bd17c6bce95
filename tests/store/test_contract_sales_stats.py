"""The dashboard's aggregates on every store: after sales over several hours, multi-tier orders, refunds
(restocked or not, failed ones too) and admissions, `sales_summary` and `door_summary` equal what a full
scan of the orders and check-ins computes, and `orders_page` pages newest first exactly once, searched.
tests/fakes/test_memory_contract_sales_stats.py runs this on the fake too."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from eventflow.domain.models import Buyer, CheckIn, Order, TicketStatus
from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus
from eventflow.domain.reservations import LineRequest
from eventflow.domain.sales_stats import (
    door_summary_of,
    newest_first_page,
    sales_summary_of,
)
from tests.conftest import make_service, publish_event


@pytest.fixture
def service(store, clock):  # type: ignore[no-untyped-def]
    return make_service(store, clock)


def sell(service: Any, event_id: str, lines: list[tuple[str, int]], name: str, ref: str = "demo") -> Order:
    held = service.reserve(event_id, [LineRequest(t, q) for t, q in lines if q], Buyer(f"{name}@example.com", name))
    order: Order = service.confirm(held.id, payment_ref=ref)
    return order


def refund(store: Any, clock: Any, order: Order, tickets: int, restock: bool, succeed: bool = True) -> None:
    """What domain/payments/refunds.py does: claim, void the tickets, finish."""
    chosen = order.tickets[:tickets]
    quantities: dict[str, int] = {}
    for ticket in chosen:
        quantities[ticket.tier_id] = quantities.get(ticket.tier_id, 0) + 1
    started, _ = store.start_refund(Refund(
        id=f"rf_{order.id}_{tickets}", event_id=order.event_id, reservation_id=order.reservation_id,
        order_id=order.id, payment_intent_id="pi_x", ticket_ids=tuple(t.id for t in chosen),
        tier_quantities=tuple(sorted(quantities.items())), amount_minor=100, fee_minor=0, currency="EUR",
        reason=RefundReason.ORGANIZER, restock=restock, status=RefundStatus.PENDING, created_at=clock.now()))
    if succeed:
        for ticket in chosen:
            store.set_ticket_status(ticket.id, TicketStatus.VOID)
    store.finish_refund(started.id, RefundStatus.SUCCEEDED if succeed else RefundStatus.FAILED, clock.now())


def admit(store: Any, ticket_id: str, event_id: str, at: Any, nonce: str) -> None:
    store.admit(CheckIn(ticket_id, event_id, "door-1", at, nonce))


def scanned(store: Any, event_id: str) -> tuple[Any, Any]:
    orders = store.list_orders(event_id)
    holders = {t.id: (t.tier_id, t.holder_name) for o in orders for t in o.tickets}
    return sales_summary_of(orders), door_summary_of(store.list_checkins(event_id), holders)


def test_figures_equal_a_full_scan_after_sales_refunds_and_admissions(service, store, clock) -> None:  # type: ignore[no-untyped-def]
    event, (paid, free, vip) = publish_event(service, fee_mode="organizer_absorbs")
    other, (other_tier, *_) = publish_event(service)
    assert store.sales_summary(event.id).orders == 0 and store.door_summary(event.id).recent == ()
    orders = []
    for hour in range(3):
        for n in range(3):
            orders.append(sell(service, event.id, [(paid.id, 1 + n), (vip.id, n % 2)], f"buyer{hour}{n}"))
            orders.append(sell(service, event.id, [(free.id, 2)], f"free{hour}{n}"))
            clock.advance(minutes=7)
        clock.advance(hours=1)
    sell(service, other.id, [(other_tier.id, 3)], "elsewhere")  # another event's sale counts there only
    refund(store, clock, orders[0], 1, restock=True)
    refund(store, clock, orders[2], 3, restock=False)  # the whole order: paid and VIP tickets
    refund(store, clock, orders[4], 1, restock=True, succeed=False)  # failed: nothing changes
    for n, order in enumerate(orders[:6]):
        admit(store, order.tickets[0].id, event.id, clock.now() + timedelta(minutes=3 * n), f"n{n}")
    admit(store, orders[1].tickets[0].id, event.id, clock.now(), "again")  # not a first check-in
    admit(store, "tkt_unknown", event.id, clock.now(), "stray")

    sales, door = scanned(store, event.id)
    assert store.sales_summary(event.id) == sales
    assert store.door_summary(event.id) == door
    orders_now, checkins_now = store.list_orders(event.id), store.list_checkins(event.id)
    holders = {t.id: (t.tier_id, t.holder_name) for o in orders_now for t in o.tickets}
    for since in (sales.buckets[1].hour, sales.buckets[-1].hour, sales.buckets[-1].hour + timedelta(hours=1)):
        partial = store.sales_summary(event.id, since)  # the chart's latest hours, totals complete
        assert partial == sales_summary_of(orders_now, since) and partial.tiers == sales.tiers
    slot = door.arrivals[3][0]
    assert store.door_summary(event.id, since=slot) == door_summary_of(checkins_now, holders, since=slot)
    assert store.door_summary(event.id, since=slot).arrivals == tuple(a for a in door.arrivals if a[0] >= slot)
    assert sales.orders == 18 and len({b.hour for b in sales.buckets}) == 3
    assert sum(n for _, n in door.admitted) == 7 and door.admitted_in("") == 1
    assert [a.checkin.nonce for a in store.door_summary(event.id, recent=2).recent] == ["n5", "n4"]
    assert store.door_summary(event.id, recent=2).recent[0].holder_name == orders[5].tickets[0].holder_name
    assert store.sales_summary(other.id) == scanned(store, other.id)[0]
    assert store.sales_summary("evt_unknown").buckets == ()


def test_orders_page_goes_newest_first_once_and_searches(service, store, clock) -> None:  # type: ignore[no-untyped-def]
    event, (paid, *_) = publish_event(service)
    for n in range(7):
        sell(service, event.id, [(paid.id, 1)], f"guest{n}", ref=f"pi_{n}" if n % 2 else "demo")
        if n != 3:  # two orders share an instant: the id breaks the tie
            clock.advance(seconds=1)
    everything = store.list_orders(event.id)
    seen: list[Order] = []
    after = None
    while True:
        page = store.orders_page(event.id, after, 3)
        assert page == newest_first_page(everything, after, 3)
        seen += page
        if len(page) < 3:
            break
        after = (page[-1].created_at, page[-1].id)
    assert [o.id for o in seen] == [o.id for o in reversed(sorted(everything, key=lambda o: (o.created_at, o.id)))]
    assert [o.buyer.name for o in store.orders_page(event.id, None, 10, search="GUEST4@")] == ["guest4"]
    assert store.orders_page(event.id, None, 10, search=everything[2].tickets[0].id) == [everything[2]]
    assert [o.id for o in store.orders_page(event.id, None, 10, payment_ref_prefix="pi_")] == [
        o.id for o in newest_first_page(everything, None, 10, payment_ref_prefix="pi_")]
    assert store.orders_page(event.id, None, 10, search="100%") == []  # LIKE's wildcards are plain text
    assert store.orders_page("evt_unknown", None, 10) == []


@contextmanager
def racing(store: Any) -> Iterator[Any]:
    """The store itself, or for DynamoDB a table behind the single-threaded moto server (in-process moto
    is not atomic under threads; the server handles one request at a time, each atomic, as DynamoDB)."""
    if store.inline_safe:
        yield store
        return
    from eventflow.store.dynamodb.store import DynamoStore
    from tests.store.moto_server import dynamodb_client, moto_server

    with moto_server() as url:
        served = DynamoStore("eventflow-sales-race", client=dynamodb_client(url, max_pool_connections=16))
        served.create_table()
        yield served


def test_concurrent_sales_and_admissions_are_each_counted_once(store, clock) -> None:  # type: ignore[no-untyped-def]
    """Sales confirmed and people admitted from several threads at once: the aggregates, written in the
    same atomic write as each order and check-in, still equal the full scan (no lost or double update)."""
    with racing(store) as raced:
        service = make_service(raced, clock)
        event, (paid, free, _) = publish_event(service)
        first = [sell(service, event.id, [(free.id, 1)], f"door{n}") for n in range(6)]

        def buy(n: int) -> None:
            sell(service, event.id, [(paid.id, 1 + n % 2)], f"racer{n}")

        def enter(n: int) -> None:  # two devices scan each ticket: one admission each
            raced.admit(CheckIn(first[n // 2].tickets[0].id, event.id, f"door-{n % 2}", clock.now(), f"scan{n}"))

        with ThreadPoolExecutor(max_workers=6) as pool:
            for future in [pool.submit(buy, n) for n in range(24)] + [pool.submit(enter, n) for n in range(12)]:
                future.result()
        sales, door = scanned(raced, event.id)
        assert raced.sales_summary(event.id) == sales and sales.orders == 30
        assert raced.door_summary(event.id) == door and door.admitted_in(free.id) == 6
