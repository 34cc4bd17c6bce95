"""Store contract: a transfer writes the new holder's My-tickets entry and mail in its own atomic write (issue
17), so a transfer that happened is never followed by a failing second write; a refused transfer writes no entry; an
entry already there (the recipient bought the ticket first, or had it before) is kept as it is. The same on
SQLite, DynamoDB (moto) and the in-memory fake."""

from __future__ import annotations

from dataclasses import replace

from eventflow.domain.my_tickets import TicketOwner
from eventflow.domain.outbox import OutboxMessage, OutboxStatus, OutgoingMail
from eventflow.domain.reservations import Ticketing
from tests.store.test_contract_transfers import T0, bought, handed_on


def test_a_transfer_indexes_its_new_holder_in_the_same_write(service: Ticketing) -> None:
    store = service.store
    event_id, (ticket, _other) = bought(service)
    after, record = handed_on(ticket, 1)
    record = replace(record, to_email="To1@Example.com ")  # the index keeps addresses folded
    assert store.tickets_of("to1@example.com") == []
    assert store.transfer_ticket(ticket, after, record) is True
    assert store.tickets_of("to1@example.com") == [
        TicketOwner("to1@example.com", ticket.id, event_id, ticket.order_id, "recipient")]
    late, late_record = handed_on(ticket, 2)  # from the old read: refused, and no entry for its recipient
    assert store.transfer_ticket(ticket, late, late_record) is False
    assert store.tickets_of("to2@example.com") == []


def test_an_entry_already_there_stays_and_the_transfer_still_happens(service: Ticketing) -> None:
    store = service.store
    event_id, (ticket, _) = bought(service)
    assert [o.role for o in store.tickets_of("ann@example.com")] == ["buyer", "buyer"]  # indexed at confirmation
    after, record = handed_on(ticket, 1)
    back = replace(record, to_email="ann@example.com")  # handed back to the buyer: her entry is there already
    assert store.transfer_ticket(ticket, replace(after, holder_email="ann@example.com"), back) is True
    entries = {o.ticket_id: o for o in store.tickets_of("ann@example.com")}
    assert entries[ticket.id] == TicketOwner("ann@example.com", ticket.id, event_id, ticket.order_id, "buyer")
    moved = store.get_ticket(ticket.id)
    assert moved is not None and moved.transfers == 1


def test_a_transfer_queues_the_new_holders_mail_in_the_same_write(service: Ticketing) -> None:
    """The new link exists only in that mail: queued with the transfer, or (refused) not at all."""
    store = service.store
    _, (ticket, _other) = bought(service)
    after, record = handed_on(ticket, 1)
    mail = OutgoingMail(to="Bo <to1@example.com>", subject="Your ticket", text="Your ticket: https://t.example/t/x")
    message = OutboxMessage(key="transfer:trf_1", mail=mail, created_at=T0, next_attempt_at=T0,
                            event_id=ticket.event_id, batch="transfer:trf_1", updated_at=T0)
    assert store.transfer_ticket(ticket, after, record, message) is True
    queued = store.get_outbox_message("transfer:trf_1")
    assert queued is not None and (queued.mail, queued.status, queued.event_id) == (
        mail, OutboxStatus.PENDING, ticket.event_id)
    late, late_record = handed_on(ticket, 2)
    refused = replace(message, key="transfer:trf_2", batch="transfer:trf_2")
    assert store.transfer_ticket(ticket, late, late_record, refused) is False
    assert store.get_outbox_message("transfer:trf_2") is None
