"""Store contract for ticket transfers (domain/transfers.py): the conditional rewrite of a ticket and
its records, the same on SQLite, DynamoDB (moto) and the in-memory fake."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from eventflow.domain.models import Buyer, CheckIn, Ticket, TicketStatus
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.transfers import TicketTransfer, TransferPolicy, TransferRule, key_digest
from tests.conftest import publish_event

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ODD = "Zoë \"Z\" O'Brien — 日本 🎟"


def bought(service: Ticketing, quantity: int = 2) -> tuple[str, list[Ticket]]:
    event, tiers = publish_event(service)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, quantity)], Buyer("ann@example.com", "Ann Buyer"))
    order = service.confirm(held.id, payment_ref="demo")
    return event.id, list(order.tickets)


def handed_on(ticket: Ticket, n: int = 1, name: str = ODD) -> tuple[Ticket, TicketTransfer]:
    after = replace(ticket, secret=f"NEWSECRET{n}", access_key=f"new-key-{n}", holder_name=name,
                    holder_email=f"to{n}@example.com", transfers=ticket.transfers + 1)
    record = TicketTransfer(f"trf_{n}", ticket.id, ticket.event_id, ticket.order_id,
                            T0.astimezone(timezone(timedelta(hours=9))) + timedelta(minutes=n),
                            ticket.holder_name, ticket.holder_email, name, f"to{n}@example.com",
                            key_digest(ticket.access_key))
    return after, record


def test_a_transfer_rewrites_the_ticket_everywhere_and_is_kept(service: Ticketing) -> None:
    store = service.store
    event_id, (first, second) = bought(service)
    after, record = handed_on(first)
    assert store.transfer_ticket(first, after, record) is True
    assert store.get_ticket(first.id) == after
    for order in (store.get_order(first.order_id), store.list_orders(event_id)[0]):
        assert order is not None and order.tickets == (after, second)  # the other ticket untouched
    got = store.list_transfers(first.id)
    assert got == [replace(record, at=record.at.astimezone(UTC))] and got[0].at.utcoffset() == timedelta(0)
    assert store.event_transfers(event_id) == got
    assert store.list_transfers(second.id) == [] and store.list_transfers("tkt_unknown") == []
    assert store.event_transfers("evt_none") == []


def test_two_transfers_from_the_same_read_exactly_one_wins(service: Ticketing) -> None:
    store = service.store
    _, (ticket, _) = bought(service)
    mine, mine_record = handed_on(ticket, 1, "Bo")
    theirs, their_record = handed_on(ticket, 2, "Cy")
    assert store.transfer_ticket(ticket, mine, mine_record) is True
    assert store.transfer_ticket(ticket, theirs, their_record) is False  # the secret it saw is gone
    assert store.get_ticket(ticket.id) == mine
    assert [t.id for t in store.list_transfers(ticket.id)] == ["trf_1"]
    again, again_record = handed_on(mine, 3, "Di")  # from the new state: twice in a row works
    assert store.transfer_ticket(mine, again, again_record) is True
    stored = store.get_ticket(ticket.id)
    assert stored is not None and (stored.holder_name, stored.transfers) == ("Di", 2)
    assert [t.id for t in store.list_transfers(ticket.id)] == ["trf_1", "trf_3"]


def test_a_checked_in_or_void_ticket_is_not_transferred(service: Ticketing) -> None:
    store = service.store
    event_id, (used, refunded) = bought(service)
    store.admit(CheckIn(used.id, event_id, "door-1", T0, "n1", received_at=T0))
    assert store.transfer_ticket(used, *handed_on(used)) is False
    store.set_ticket_status(refunded.id, TicketStatus.VOID.value)
    assert store.transfer_ticket(refunded, *handed_on(refunded, 2)) is False
    assert store.get_ticket(used.id) == used
    assert store.event_transfers(event_id) == []
    ghost = replace(used, id="tkt_ghost")
    assert store.transfer_ticket(ghost, *handed_on(ghost, 3)) is False


def test_transfer_policies_round_trip_per_event(service: Any) -> None:
    store = service.store
    assert store.get_transfer_policy("evt_a") is None
    deadline = T0.astimezone(timezone(timedelta(hours=-5)))
    store.save_transfer_policy(TransferPolicy("evt_a", TransferRule.DEADLINE, deadline))
    got = store.get_transfer_policy("evt_a")
    assert got == TransferPolicy("evt_a", TransferRule.DEADLINE, deadline) and got.deadline.utcoffset() == timedelta(0)
    store.save_transfer_policy(TransferPolicy("evt_a", TransferRule.FORBID))
    assert store.get_transfer_policy("evt_a") == TransferPolicy("evt_a", TransferRule.FORBID)
    assert store.get_transfer_policy("evt_b") is None


def test_a_check_in_judged_before_a_transfer_is_not_written_after_it(service: Ticketing) -> None:
    """The door judged the old code (count 0), then the transfer landed: the check-in conditional on the
    count writes nothing; with the new count it is written once."""
    store = service.store
    event_id, (ticket, _) = bought(service)
    assert store.transfer_ticket(ticket, *handed_on(ticket)) is True
    late = CheckIn(ticket.id, event_id, "door-1", T0, "n-late", received_at=T0)
    assert store.admit(late, 0) == (late, False)
    assert store.get_checkin(event_id, ticket.id) is None
    stored, created = store.admit(CheckIn(ticket.id, event_id, "door-1", T0, "n-new", received_at=T0), 1)
    assert created and stored.nonce == "n-new"
    again, created = store.admit(CheckIn(ticket.id, event_id, "door-2", T0, "n-again", received_at=T0), 1)
    assert not created and again.nonce == "n-new"  # already in: the stored check-in, as without a count
