"""Cancelling and postponing an event, voiding an order (domain/cancellation.py) on the in-memory store,
with free and demo-paid orders (card orders through the Stripe stand-in: tests/payments/test_cancel_event.py)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from eventflow.domain.cancellation import Cancellations
from eventflow.domain.checkin import DoorCheckIn, ScanResult, ticket_status_word
from eventflow.domain.clock import ManualClock
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from eventflow.domain.event_changes import ChangeKind
from eventflow.domain.models import Buyer, Event, EventStatus, Order, TicketStatus, Tier
from eventflow.domain.outbox import Outbox
from eventflow.domain.payments.ledger import event_ledger
from eventflow.domain.payments.records import RefundStatus
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event
from tests.fakes.memory_store import InMemoryStore

LEASE = timedelta(seconds=30)


def batch(service: Ticketing, store: InMemoryStore, **options: object) -> Cancellations:
    return Cancellations(service, store, Outbox(store, service.clock), None, "https://shop.test", lease=LEASE,
                         **options)  # type: ignore[arg-type]


def sell(service: Ticketing, event: Event, tier: Tier, n: int, paid: bool, email: str = "") -> Order:
    reservation = service.reserve(event.id, [LineRequest(tier.id, n)],
                                  Buyer(email or f"b{n}-{tier.id}@example.com", "Bea"))
    order, _ = service.confirm_once(reservation.id, f"demo_{reservation.id}" if paid else "free")
    return order


@pytest.fixture
def shop(service: Ticketing, store: InMemoryStore) -> tuple[Event, list[Tier], list[Order]]:
    event, tiers = publish_event(service, capacities=(100, 100, 10), prices=(2500, 0, 9900))
    orders = [sell(service, event, tiers[0], 2, True, f"paid{i}@example.com") for i in range(5)]
    orders += [sell(service, event, tiers[1], 1, False, f"free{i}@example.com") for i in range(3)]
    return event, tiers, orders


def mails(store: InMemoryStore, prefix: str) -> list[str]:
    return sorted(k for k in store._outbox if k.startswith(prefix))


def test_cancel_stops_sales_refunds_demo_orders_voids_free_ones_and_mails_each_buyer_once(
    service: Ticketing, store: InMemoryStore, shop: tuple[Event, list[Tier], list[Order]],
) -> None:
    event, tiers, orders = shop
    cancellations = batch(service, store)
    change = cancellations.cancel(event.organizer_id, event.id, "The venue flooded. Sorry!")
    assert change.kind is ChangeKind.CANCELLED and change.running and change.total == 8 and change.done == 0
    assert store.get_event(event.id).status is EventStatus.CANCELLED
    with pytest.raises(DomainError):  # sales stopped at once
        service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("late@example.com", "Late"))
    assert cancellations.cancel(event.organizer_id, event.id, "again") == change  # same batch, not a new one

    assert cancellations.run_due() == 8
    finished = store.get_event_change(event.id)
    assert finished.done == 8 and finished.percent == 100 and not finished.busy and finished.failures == ()
    for order in orders:
        assert all(t.status is TicketStatus.VOID for t in store.get_order(order.id).tickets)
    refunds = store.list_refunds(event.id)
    assert sorted(r.order_id for r in refunds) == sorted(o.id for o in orders)
    assert all(r.status is RefundStatus.SUCCEEDED for r in refunds)
    paid = {o.id: o.total_minor for o in orders[:5]}
    assert {r.order_id: r.amount_minor for r in refunds if r.amount_minor} == paid
    assert all(r.payment_intent_id.startswith("demo_") for r in refunds if r.amount_minor)  # recorded as demo
    assert mails(store, "cancel:") == sorted(f"cancel:{o.id}" for o in orders)
    mail = store.get_outbox_message(f"cancel:{orders[0].id}").mail
    assert "The venue flooded. Sorry!" in mail.text and "€" in mail.text and "test mode" in mail.text
    assert mail.to.endswith("<paid0@example.com>") and mail.subject.startswith("Cancelled")
    book = event_ledger(event, store.list_orders(event.id), refunds)
    assert book.charged_minor == book.refunded_minor and book.net_platform_fee_minor == 0
    assert book.organizer_net_minor == 0

    assert cancellations.run_due() == 0  # finished: nothing is done twice
    assert len(store.list_refunds(event.id)) == 8


def test_a_hold_paid_after_the_cancellation_is_refunded_too_then_the_batch_ends(
    service: Ticketing, store: InMemoryStore, clock: ManualClock, shop: tuple[Event, list[Tier], list[Order]],
) -> None:
    event, tiers, _ = shop
    late = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("late@example.com", "Lee"))
    cancellations = batch(service, store)
    cancellations.cancel(event.organizer_id, event.id, "Sorry")
    assert cancellations.run_due() == 8
    settled = store.get_event_change(event.id)
    assert settled.running and not settled.busy and settled.percent == 100  # still watching for late orders
    order, created = service.confirm_once(late.id, f"demo_{late.id}")  # its payment arrives after all
    assert created
    assert cancellations.run_due() == 0  # looked a moment ago: rests a minute
    clock.advance(timedelta(minutes=1))
    assert cancellations.run_due() == 1
    assert store.get_event_change(event.id).done == 9 and store.get_event_change(event.id).total == 9
    assert all(t.status is TicketStatus.VOID for t in store.get_order(order.id).tickets)
    assert store.get_outbox_message(f"cancel:{order.id}") is not None
    clock.advance(timedelta(hours=2))
    assert cancellations.run_due() == 0
    assert not store.get_event_change(event.id).running  # the window for late payments is over


def test_the_door_refuses_a_cancelled_events_tickets_before_the_batch_has_run(
    service: Ticketing, store: InMemoryStore, clock: ManualClock, shop: tuple[Event, list[Tier], list[Order]],
) -> None:
    event, _, orders = shop
    door = DoorCheckIn(store, clock, DoorKeys("k" * 32))
    ticket = orders[0].tickets[0]
    batch(service, store).cancel(event.organizer_id, event.id)
    cancelled = store.get_event(event.id)
    clock.set(event.starts_at)
    outcome = door.scan(cancelled, door.qr_payload(ticket, clock.now()), "gate-1")
    assert outcome.result is ScanResult.EVENT_CANCELLED
    assert door.admit_checked_id(cancelled, ticket.id, "gate-1").result is ScanResult.EVENT_CANCELLED
    assert store.list_checkins(event.id) == []
    manifest = door.manifest(cancelled)
    assert manifest.event_status is EventStatus.CANCELLED
    assert ticket_status_word(ticket, cancelled) == "event_cancelled"


def test_a_batch_killed_halfway_is_finished_by_another_instance_without_doing_anything_twice(
    service: Ticketing, store: InMemoryStore, clock: ManualClock, shop: tuple[Event, list[Tier], list[Order]],
) -> None:
    event, _, orders = shop

    class Killed(BaseException):
        """Stands for SIGKILL: nothing after it runs (no clean-up, no saved cursor)."""

    def kill_at_fourth(name: str) -> None:
        if name == "cancellation_refunded:4":
            raise Killed

    first = batch(service, store, checkpoint=kill_at_fourth)
    first.cancel(event.organizer_id, event.id, "Storm")
    with pytest.raises(Killed):
        first.run_due()
    halfway = store.get_event_change(event.id)
    assert halfway.done == 3 and halfway.running
    assert len(store.list_refunds(event.id)) == 4  # the fourth refunded, its mail and cursor not yet written

    second = batch(service, store)
    assert second.run_due() == 0  # the dead instance's lease has not run out yet
    clock.advance(LEASE)
    assert second.run_due() == 5
    done = store.get_event_change(event.id)
    assert done.done == 8 and not done.busy
    assert sorted(r.order_id for r in store.list_refunds(event.id)) == sorted(o.id for o in orders)
    assert mails(store, "cancel:") == sorted(f"cancel:{o.id}" for o in orders)


def test_four_instances_running_the_batch_at_once_refund_each_order_once(
    service: Ticketing, store: InMemoryStore, shop: tuple[Event, list[Tier], list[Order]],
) -> None:
    event, _, orders = shop
    instances = [batch(service, store) for _ in range(4)]
    instances[0].cancel(event.organizer_id, event.id, "Storm")
    start = threading.Barrier(len(instances))

    def run(cancellations: Cancellations) -> int:
        start.wait()
        return cancellations.run_due()

    with ThreadPoolExecutor(len(instances)) as pool:
        settled = list(pool.map(run, instances))
    assert sorted(settled) == [0, 0, 0, 8]  # the lease: one instance works, the others pass
    assert sorted(r.order_id for r in store.list_refunds(event.id)) == sorted(o.id for o in orders)
    assert store.get_event_change(event.id).done == 8


def test_an_order_voided_before_the_cancellation_is_told_it_was_refunded_already(
    service: Ticketing, store: InMemoryStore, shop: tuple[Event, list[Tier], list[Order]],
) -> None:
    event, _, orders = shop
    cancellations = batch(service, store)
    cancellations.void_order(event.organizer_id, orders[0].id, "duplicate")
    cancellations.cancel(event.organizer_id, event.id, "Storm")
    cancellations.run_due()
    assert len([r for r in store.list_refunds(event.id) if r.order_id == orders[0].id]) == 1
    assert "refunded already" in store.get_outbox_message(f"cancel:{orders[0].id}").mail.text


def test_failed_orders_wait_for_the_organizers_retry(
    service: Ticketing, store: InMemoryStore, shop: tuple[Event, list[Tier], list[Order]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event, _, orders = shop
    cancellations = batch(service, store)
    real_settle = cancellations.settle
    broken = {orders[1].id}

    def flaky(order: Order, *args: object, **kwargs: object) -> object:
        if order.id in broken:
            raise Conflict("Stripe refused the refund: card account closed")
        return real_settle(order, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cancellations, "settle", flaky)
    cancellations.cancel(event.organizer_id, event.id)
    cancellations.run_due()
    change = store.get_event_change(event.id)
    assert change.done == 7 and change.failures == ((orders[1].id, "Stripe refused the refund: card account closed"),)
    assert change.percent == 87 and not change.busy
    assert f"cancel:{orders[1].id}" not in store._outbox

    broken.clear()
    with pytest.raises(NotFound):
        cancellations.retry_failures("org_somebody_else", event.id)
    assert cancellations.retry_failures(event.organizer_id, event.id).running
    assert cancellations.run_due() == 1
    change = store.get_event_change(event.id)
    assert change.done == 8 and change.failures == () and change.percent == 100 and not change.busy
    assert len(mails(store, "cancel:")) == 8


def test_void_any_order_of_your_own_event_once(
    service: Ticketing, store: InMemoryStore, clock: ManualClock, shop: tuple[Event, list[Tier], list[Order]],
) -> None:
    event, _, orders = shop
    cancellations = batch(service, store)
    paid, free = orders[0], orders[6]
    stranger = service.sign_up("stranger@example.com", "correct horse", "S")
    with pytest.raises(NotFound):
        cancellations.void_order(stranger.id, paid.id, "mine now")
    with pytest.raises(NotFound):
        cancellations.void_order(event.organizer_id, "ord_nope")
    settled = cancellations.void_order(event.organizer_id, paid.id, "Bought twice by mistake")
    assert settled.refunded_minor == paid.total_minor and settled.demo
    again = cancellations.void_order(event.organizer_id, paid.id, "Bought twice by mistake")
    assert again.refund is not None and again.refund.id == settled.refund.id  # nothing refunded twice
    assert cancellations.void_order(event.organizer_id, free.id).refunded_minor == 0
    assert sorted(r.order_id for r in store.list_refunds(event.id)) == sorted([paid.id, free.id])
    assert mails(store, "void:") == sorted([f"void:{paid.id}", f"void:{free.id}"])
    assert "Bought twice by mistake" in store.get_outbox_message(f"void:{paid.id}").mail.text
    door = DoorCheckIn(store, clock, DoorKeys("k" * 32))
    clock.set(event.starts_at)
    ticket = paid.tickets[0]
    assert door.scan(event, door.qr_payload(ticket, clock.now()), "gate").result is ScanResult.VOID
    assert store.get_tiers(event.id)[0].sold == 8  # the voided order's two tickets are back on sale


def test_postpone_keeps_tickets_tells_buyers_and_refunds_on_request_until_the_deadline(
    service: Ticketing, store: InMemoryStore, clock: ManualClock, shop: tuple[Event, list[Tier], list[Order]],
) -> None:
    event, _, orders = shop
    cancellations = batch(service, store)
    new_start = event.starts_at + timedelta(days=60)
    with pytest.raises(ValidationFailed):
        cancellations.postpone(event.organizer_id, event.id, starts_at=new_start,
                               ends_at=new_start + timedelta(hours=3), refund_deadline=clock.now() - timedelta(days=1))
    change = cancellations.postpone(
        event.organizer_id, event.id, starts_at=new_start, ends_at=new_start + timedelta(hours=3),
        refund_deadline=clock.now() + timedelta(days=14), message="The band is ill; same place, new date.")
    moved = store.get_event(event.id)
    assert moved.starts_at == new_start and moved.status is EventStatus.PUBLISHED
    assert cancellations.run_due() == 8
    assert len(mails(store, "postpone:")) == 8
    assert "the band is ill" in store.get_outbox_message(f"postpone:{change.id}:{orders[0].id}").mail.text.lower()
    assert all(t.status is TicketStatus.VALID for o in store.list_orders(event.id) for t in o.tickets)

    settled = cancellations.request_refund(orders[0].reservation_id)
    assert settled.refunded_minor == orders[0].total_minor
    assert cancellations.request_refund(orders[0].reservation_id).refund.id == settled.refund.id
    assert all(t.status is TicketStatus.VOID for t in store.get_order(orders[0].id).tickets)
    assert mails(store, "asked:") == [f"asked:{orders[0].id}"]
    clock.advance(timedelta(days=15))
    with pytest.raises(Conflict, match="deadline"):
        cancellations.request_refund(orders[1].reservation_id)
    assert cancellations.refund_open_until(event.id) is None
