"""Store contract for My tickets (domain/my_tickets.py): the email -> ticket index written at confirmation,
used sign-in links, the pass setting per event; the same on SQLite, DynamoDB (moto) and the fake."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from eventflow.domain.models import Buyer
from eventflow.domain.my_tickets import TicketOwner
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_owners_are_kept_once_per_email_and_ticket_and_listed_by_ticket(store: Any) -> None:
    first = TicketOwner("ann@example.com", "tkt_b", "evt_1", "ord_1", "buyer")
    store.add_ticket_owners([first, TicketOwner("ann@example.com", "tkt_a", "evt_2", "ord_2", "attendee")])
    store.add_ticket_owners([TicketOwner("ann@example.com", "tkt_b", "evt_1", "ord_1", "recipient"),
                             TicketOwner("bob@example.com", "tkt_b", "evt_1", "ord_1", "recipient")])
    store.add_ticket_owners([])
    got = store.tickets_of("ann@example.com")
    assert [o.ticket_id for o in got] == ["tkt_a", "tkt_b"]
    assert got[1] == first  # the first entry stands
    assert store.tickets_of("bob@example.com") == [TicketOwner("bob@example.com", "tkt_b", "evt_1", "ord_1",
                                                               "recipient")]
    assert store.tickets_of("nobody@example.com") == []


def test_a_confirmed_order_indexes_its_buyer(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer("Ann@Example.com", "Ann Buyer"))
    order = service.confirm(held.id, payment_ref="demo")
    service.confirm(held.id, payment_ref="demo")  # a retried confirmation adds nothing twice
    owners = service.store.tickets_of("ann@example.com")
    assert sorted(o.ticket_id for o in owners) == sorted(t.id for t in order.tickets)
    assert {(o.event_id, o.order_id, o.role) for o in owners} == {(event.id, order.id, "buyer")}


def test_a_sign_in_nonce_is_claimed_once_even_racing(store: Any) -> None:
    results: list[bool] = []
    go = threading.Barrier(4)

    def claim() -> None:
        go.wait()
        results.append(store.claim_sign_in("nonce-1", T0))
    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert store.claim_sign_in("nonce-2", T0) is True


def test_passes_are_allowed_until_forbidden_per_event(store: Any) -> None:
    assert store.passes_forbidden("evt_1") is False
    store.set_passes_forbidden("evt_1", True)
    assert store.passes_forbidden("evt_1") is True and store.passes_forbidden("evt_2") is False
    store.set_passes_forbidden("evt_1", False)
    assert store.passes_forbidden("evt_1") is False
