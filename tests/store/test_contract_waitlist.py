"""Waitlists on every store (issue 13): released tickets go to the queue, never to the public in
between; release -> offer -> claim; an unclaimed offer passes on; reapers and offer jobs racing make
one offer per released ticket; capacity never exceeded; queue numbers unique under concurrent joins."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from eventflow.domain.errors import ValidationFailed
from eventflow.domain.models import Buyer, ReservationStatus, Tier
from eventflow.domain.outbox import Outbox
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.waitlist import Waitlist
from eventflow.domain.waitlist_rules import EntryStatus, NotSoldOut, WaitlistSettings
from tests.conftest import BUYER, make_service, publish_event


@pytest.fixture
def service(store: Any, clock: Any) -> Ticketing:
    return make_service(store, clock)


@pytest.fixture
def waitlist(store: Any, service: Ticketing) -> Waitlist:
    return Waitlist(store, service, Outbox(store, service.clock), "https://tickets.example")


def sold_out_tier(service: Ticketing, capacity: int = 2) -> tuple[str, str, list[str], str]:
    """An event whose only tier is fully held: (event id, tier id, hold ids, organizer id)."""
    event, [tier] = publish_event(service, capacities=(capacity,), prices=(1500,))
    holds = [service.reserve(event.id, [LineRequest(tier.id, 1)], Buyer(f"h{i}@example.com", "Holder")).id
             for i in range(capacity)]
    return event.id, tier.id, holds, event.organizer_id


def tier_of(store: Any, event_id: str) -> Tier:
    [tier] = store.get_tiers(event_id)
    return tier


def join(waitlist: Waitlist, event_id: str, tier_id: str, who: str, quantity: int = 1) -> Any:
    return waitlist.join(event_id, tier_id, f"{who}@example.com", who.title(), quantity)


def test_release_offer_claim(store: Any, service: Ticketing, waitlist: Waitlist, clock: Any) -> None:
    """The reaper releases; the offers are made by a later pass (as after a crash in between: nothing lost)."""
    event_id, tier_id, _, _ = sold_out_tier(service)
    first = join(waitlist, event_id, tier_id, "ada")
    assert (first.position, first.status) == (1, EntryStatus.WAITING)
    assert join(waitlist, event_id, tier_id, "bob").position == 2
    clock.advance(minutes=16)
    assert service.release_expired_holds() == 2
    tier = tier_of(store, event_id)
    assert (tier.held, tier.available) == (2, 0)  # owed to the queue: never on public sale
    assert waitlist.process() == 2
    ada = waitlist.status(first.entry.id, first.entry.key)
    assert ada.status is EntryStatus.OFFERED and ada.entry.offered_quantity == 1
    offer = store.get_reservation(ada.entry.reservation_id)
    assert offer.status is ReservationStatus.HELD and offer.buyer.email == "ada@example.com"
    assert offer.expires_at == clock.now() + WaitlistSettings(event_id).offer_length
    service.confirm(offer.id, payment_ref="demo_1")
    assert waitlist.status(first.entry.id, first.entry.key).status is EntryStatus.CLAIMED
    tier = tier_of(store, event_id)
    assert (tier.held, tier.sold, tier.available) == (1, 1, 0)
    mail = store.get_outbox_message(f"waitlist-offer:{offer.id}")
    assert mail is not None and f"/checkout/{offer.id}" in mail.mail.text
    assert waitlist.process() == 0  # nothing owed any more: no second offer


def test_an_unclaimed_offer_passes_to_the_next(store: Any, service: Ticketing, waitlist: Waitlist, clock: Any) -> None:
    event_id, tier_id, holds, _ = sold_out_tier(service, capacity=1)
    ada, bob = join(waitlist, event_id, tier_id, "ada"), join(waitlist, event_id, tier_id, "bob")
    service.cancel(holds[0])  # a cancelled hold goes to the queue too
    assert tier_of(store, event_id).available == 0
    assert waitlist.process() == 1
    assert waitlist.status(bob.entry.id, bob.entry.key).position == 1
    clock.advance(minutes=31)
    service.release_expired_holds()
    assert tier_of(store, event_id).available == 0
    assert waitlist.process() == 1
    assert waitlist.status(ada.entry.id, ada.entry.key).status is EntryStatus.EXPIRED
    assert waitlist.status(bob.entry.id, bob.entry.key).status is EntryStatus.OFFERED
    clock.advance(minutes=31)
    service.release_expired_holds()  # nobody waits any more: the ticket goes public
    assert waitlist.process() == 0
    tier = tier_of(store, event_id)
    assert (tier.held, tier.available) == (0, 1)


def test_joining_needs_a_sold_out_tier_and_valid_input(service: Ticketing, waitlist: Waitlist) -> None:
    event, [tier] = publish_event(service, capacities=(3,), prices=(0,))
    with pytest.raises(NotSoldOut):
        join(waitlist, event.id, tier.id, "ada")
    service.reserve(event.id, [LineRequest(tier.id, 3)], BUYER)
    with pytest.raises(ValidationFailed) as bad:
        waitlist.join(event.id, tier.id, "ada@example.com", "Ada", 11)
    assert bad.value.field == "quantity"
    with pytest.raises(ValidationFailed):
        waitlist.join(event.id, tier.id, "nope", "Ada", 1)


def test_wait_for_the_full_quantity_or_offer_part(store: Any, service: Ticketing, waitlist: Waitlist,
                                                  clock: Any) -> None:
    event_id, tier_id, holds, organizer = sold_out_tier(service, capacity=3)
    three = join(waitlist, event_id, tier_id, "ada", quantity=3)
    waitlist.save_settings(organizer, WaitlistSettings(event_id, partial=False))
    service.cancel(holds[0])
    service.cancel(holds[1])
    assert waitlist.process() == 0  # 2 owed, the head waits for 3; the public sees none
    assert tier_of(store, event_id).available == 0
    waitlist.save_settings(organizer, WaitlistSettings(event_id, partial=True))
    entry = waitlist.status(three.entry.id, three.entry.key).entry
    assert entry.status is EntryStatus.OFFERED and entry.offered_quantity == 2


def test_pause_gives_tickets_to_the_public_and_capacity_raise_goes_to_the_queue(
        store: Any, service: Ticketing, waitlist: Waitlist) -> None:
    event_id, tier_id, holds, organizer = sold_out_tier(service, capacity=1)
    join(waitlist, event_id, tier_id, "ada")
    waitlist.save_settings(organizer, WaitlistSettings(event_id, paused=True))
    service.cancel(holds[0])
    assert tier_of(store, event_id).available == 1
    service.reserve(event_id, [LineRequest(tier_id, 1)], BUYER)
    waitlist.save_settings(organizer, WaitlistSettings(event_id, paused=False))
    tier = tier_of(store, event_id)
    service.catalog.update_tier(organizer, event_id, tier_id, name=tier.name, price_minor=tier.price_minor, capacity=2,
                                max_per_order=tier.max_per_order, sales_start=None, sales_end=None, hidden=False)
    assert waitlist.process() == 1
    tier = tier_of(store, event_id)
    assert (tier.held, tier.available) == (2, 0)


def test_leaving_an_offer_passes_it_on(store: Any, service: Ticketing, waitlist: Waitlist) -> None:
    event_id, tier_id, holds, _ = sold_out_tier(service, capacity=1)
    ada, bob = join(waitlist, event_id, tier_id, "ada"), join(waitlist, event_id, tier_id, "bob")
    service.cancel(holds[0])
    waitlist.process()
    assert waitlist.leave(ada.entry.id, ada.entry.key).status is EntryStatus.LEFT
    assert waitlist.status(bob.entry.id, bob.entry.key).status is EntryStatus.OFFERED


def in_process_moto(store: Any) -> bool:
    """moto in process is not thread-safe: the DynamoDB races run on the single-threaded moto server
    (tests/store/test_dynamodb_waitlist_race.py runs the same bodies there)."""
    return type(store).__name__ == "DynamoStore"


def test_racing_reapers_and_offer_jobs_make_one_offer_per_released_ticket(
        store: Any, service: Ticketing, waitlist: Waitlist, clock: Any) -> None:
    if in_process_moto(store):
        pytest.skip("raced over the moto server in test_dynamodb_waitlist_race.py")
    racing_reapers(store, service, waitlist, clock)


def racing_reapers(store: Any, service: Ticketing, waitlist: Waitlist, clock: Any, tickets: int = 6,
                   workers: int = 4) -> None:
    """`workers` instances each run the reaper (2 holds a batch) and the offer job, 3 times over."""
    event_id, tier_id, holds, _ = sold_out_tier(service, capacity=tickets)
    entries = [join(waitlist, event_id, tier_id, f"w{i}") for i in range(tickets + 2)]
    clock.advance(minutes=16)
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            for _ in range(3):
                service.release_expired_holds(limit=2)
                waitlist.process()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    waitlist.process()
    offered = [e for e in store.waitlist_entries(event_id) if e.status is EntryStatus.OFFERED]
    assert [e.position for e in offered] == list(range(1, tickets + 1))
    assert len({e.reservation_id for e in offered}) == tickets
    tier = tier_of(store, event_id)
    assert (tier.held, tier.sold, tier.available) == (tickets, 0, 0)
    assert [store.get_reservation(h).status for h in holds] == [ReservationStatus.EXPIRED] * tickets
    assert sum(q.owed for q in store.waitlist_tiers(event_id)) == 0
    assert {waitlist.status(e.entry.id, e.entry.key).position for e in entries[tickets:]} == {1, 2}


def test_queue_numbers_are_unique_under_concurrent_joins(store: Any, service: Ticketing, waitlist: Waitlist) -> None:
    if in_process_moto(store):
        pytest.skip("raced over the moto server in test_dynamodb_waitlist_race.py")
    concurrent_joins(store, service, waitlist)


def concurrent_joins(store: Any, service: Ticketing, waitlist: Waitlist, joiners: int = 6) -> None:
    """`joiners` threads join 3 times each at once."""
    event_id, tier_id, _, _ = sold_out_tier(service, capacity=1)
    start = threading.Barrier(joiners)
    positions: list[int] = []

    def joiner(i: int) -> None:
        start.wait()
        for j in range(3):
            positions.append(join(waitlist, event_id, tier_id, f"j{i}x{j}").entry.position)

    threads = [threading.Thread(target=joiner, args=(i,)) for i in range(joiners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(positions) == list(range(1, 3 * joiners + 1))
    [queue] = store.waitlist_tiers(event_id)
    assert (queue.waiting, queue.next_position) == (3 * joiners, 3 * joiners)
    assert waitlist.waiting_counts(event_id) == {tier_id: 3 * joiners}
