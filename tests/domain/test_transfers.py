"""Handing a ticket on (domain/transfers.py): new secret and link, old codes refused, rules, mail, races."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from eventflow.domain.checkin import DoorCheckIn, ScanResult
from eventflow.domain.codes import legacy_payload
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.errors import NotFound, ValidationFailed
from eventflow.domain.models import Buyer, Event, Ticket, TicketStatus
from eventflow.domain.outbox import Outbox
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.transfers import (
    TicketAlreadyUsed,
    TicketChanged,
    TicketNotTransferable,
    TransferNotAllowed,
    Transfers,
)
from tests.conftest import publish_event


@pytest.fixture
def door(service: Ticketing) -> DoorCheckIn:  # every ticket here speaks signed EF2 codes
    return DoorCheckIn(service.store, service.clock, DoorKeys("test secret"),
                       signed_codes_since=datetime(2020, 1, 1, tzinfo=UTC))


@pytest.fixture
def transfers(service: Ticketing) -> Transfers:
    return Transfers(service.store, service.store, service.clock, Outbox(service.store, service.clock),
                     "https://tickets.example")


def sold(service: Ticketing, quantity: int = 2) -> tuple[Event, list[Ticket]]:
    event, tiers = publish_event(service)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, quantity)], Buyer("ann@example.com", "Ann Buyer"))
    tickets = list(service.confirm(held.id, payment_ref="demo").tickets)
    service.clock.set(event.starts_at - timedelta(hours=1))
    return event, tickets


def code(door: DoorCheckIn, ticket: Ticket) -> str:
    return door.qr_payload(ticket, door.clock.now())


def test_a_transfer_retires_the_old_code_and_link_and_mails_the_new_holder(
        service: Ticketing, door: DoorCheckIn, transfers: Transfers) -> None:
    event, (ticket, _) = sold(service)
    old_code = code(door, ticket)
    record = transfers.transfer(ticket.id, ticket.access_key, "  Bo Friend ", "Bo@Example.com")
    new = service.store.get_ticket(ticket.id)
    assert new is not None and (new.holder_name, new.holder_email, new.transfers) == ("Bo Friend", "bo@example.com", 1)
    assert new.secret != ticket.secret and new.access_key != ticket.access_key
    assert door.scan(event, old_code, "door-1").result is ScanResult.INVALID  # the screenshot
    assert door.scan(event, code(door, new), "door-1").result is ScanResult.ADMITTED
    with pytest.raises(NotFound):
        transfers.holder_ticket(ticket.id, ticket.access_key)  # the old wallet link no longer opens it
    assert transfers.old_link(ticket.id, ticket.access_key) == record  # ...it says "transferred"
    assert transfers.old_link(ticket.id, "guess") is None and transfers.old_link(ticket.id, "") is None
    mail = service.store.get_outbox_message(f"transfer:{record.id}")
    assert mail is not None and mail.mail.to == "Bo Friend <bo@example.com>"
    assert f"https://tickets.example/t/{ticket.id}?k={new.access_key}" in mail.mail.text
    assert ticket.access_key not in mail.mail.text


def test_twice_in_a_row_each_holder_in_turn(service: Ticketing, door: DoorCheckIn, transfers: Transfers) -> None:
    event, (ticket, _) = sold(service)
    transfers.transfer(ticket.id, ticket.access_key, "Bo", "bo@example.com")
    middle = service.store.get_ticket(ticket.id)
    assert middle is not None
    service.clock.advance(minutes=10)
    transfers.transfer(ticket.id, middle.access_key, "Cy", "cy@example.com")
    last = service.store.get_ticket(ticket.id)
    assert last is not None and last.transfers == 2
    for stale in (ticket, middle):
        assert door.scan(event, code(door, stale), "door-1").result is ScanResult.INVALID
    with pytest.raises(NotFound):  # Bo's link no longer transfers it again
        transfers.transfer(ticket.id, middle.access_key, "Eve", "eve@example.com")
    outcome = door.scan(event, code(door, last), "door-1")
    assert outcome.result is ScanResult.ADMITTED
    assert outcome.transferred_at == service.clock.now()  # "transferred just now" at the door
    assert [t.to_name for t in transfers.history(ticket.id)] == ["Bo", "Cy"]
    manifest = door.manifest(event)
    [entry] = [t for t in manifest.tickets if t.id == ticket.id]
    assert (entry.transfers, entry.transferred_at, entry.holder) == (2, service.clock.now(), "Cy")


def test_a_legacy_ef1_ticket_gets_a_new_secret_too(service: Ticketing, transfers: Transfers) -> None:
    door = DoorCheckIn(service.store, service.clock, DoorKeys("test secret"))  # sold before signed codes
    event, (ticket, _) = sold(service)
    old_code = legacy_payload(ticket, service.clock.now())
    transfers.transfer(ticket.id, ticket.access_key, "Bo", "bo@example.com")
    new = service.store.get_ticket(ticket.id)
    assert new is not None
    assert door.scan(event, old_code, "door-1").result is ScanResult.INVALID
    assert door.scan(event, legacy_payload(new, service.clock.now()), "door-1").result is ScanResult.ADMITTED


def test_refused_after_check_in_and_for_tickets_that_get_nobody_in(
        service: Ticketing, door: DoorCheckIn, transfers: Transfers) -> None:
    event, (used, refunded) = sold(service)
    assert door.scan(event, code(door, used), "door-1").result is ScanResult.ADMITTED
    with pytest.raises(TicketAlreadyUsed):
        transfers.transfer(used.id, used.access_key, "Bo", "bo@example.com")
    service.store.set_ticket_status(refunded.id, TicketStatus.VOID.value)
    with pytest.raises(TicketNotTransferable):
        transfers.transfer(refunded.id, refunded.access_key, "Bo", "bo@example.com")
    assert transfers.history(used.id) == [] and transfers.history(refunded.id) == []


def test_the_organizer_forbids_or_sets_a_deadline(service: Ticketing, transfers: Transfers) -> None:
    event, (first, second) = sold(service)
    transfers.save_policy(event.id, "forbid", None)
    with pytest.raises(TransferNotAllowed):
        transfers.transfer(first.id, first.access_key, "Bo", "bo@example.com")
    deadline = service.clock.now() + timedelta(minutes=5)
    transfers.save_policy(event.id, "deadline", deadline)
    transfers.transfer(first.id, first.access_key, "Bo", "bo@example.com")  # before it: fine
    service.clock.set(deadline + timedelta(seconds=1))
    with pytest.raises(TransferNotAllowed, match="closed"):
        transfers.transfer(second.id, second.access_key, "Cy", "cy@example.com")
    with pytest.raises(ValidationFailed) as bad:
        transfers.save_policy(event.id, "deadline", None)
    assert bad.value.field == "deadline"
    with pytest.raises(ValidationFailed):
        transfers.save_policy(event.id, "sometimes", None)


@pytest.mark.parametrize(("name", "email", "field"), [
    ("", "bo@example.com", "name"), ("Bo\nX", "bo@example.com", "name"), ("B" * 121, "bo@example.com", "name"),
    ("Bo", "", "email"), ("Bo", "not-an-email", "email"),
])
def test_names_and_emails_are_checked(service: Ticketing, transfers: Transfers, name: str, email: str,
                                      field: str) -> None:
    _, (ticket, _) = sold(service)
    with pytest.raises(ValidationFailed) as bad:
        transfers.transfer(ticket.id, ticket.access_key, name, email)
    assert bad.value.field == field
    assert service.store.get_ticket(ticket.id) == ticket


def test_two_holders_racing_exactly_one_wins(service: Ticketing, transfers: Transfers) -> None:
    _, (ticket, _) = sold(service)
    start, outcomes = threading.Barrier(8), []

    def hand_on(n: int) -> None:
        start.wait()
        try:
            transfers.transfer(ticket.id, ticket.access_key, f"Friend {n}", f"f{n}@example.com")
            outcomes.append("won")
        except (TicketChanged, NotFound):
            outcomes.append("lost")

    threads = [threading.Thread(target=hand_on, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost"] * 7 + ["won"]
    assert len(transfers.history(ticket.id)) == 1


def test_a_transfer_racing_a_check_in_never_both(service: Ticketing, door: DoorCheckIn,
                                                 transfers: Transfers) -> None:
    """Both orders of the race: the check-in first refuses the transfer; the transfer first refuses
    the old code (the holder at the door then needs the new holder's code)."""
    event, (first, second) = sold(service)
    old_code = code(door, first)
    assert door.scan(event, old_code, "door-1").result is ScanResult.ADMITTED
    with pytest.raises(TicketAlreadyUsed):
        transfers.transfer(first.id, first.access_key, "Bo", "bo@example.com")
    old_code = code(door, second)
    transfers.transfer(second.id, second.access_key, "Bo", "bo@example.com")
    assert door.scan(event, old_code, "door-1").result is ScanResult.INVALID
    assert service.store.get_checkin(event.id, second.id) is None


def test_a_stale_read_loses_to_a_check_in_at_the_store(service: Ticketing, door: DoorCheckIn,
                                                       transfers: Transfers) -> None:
    """The check-in lands between the transfer's checks and its write: the conditional write refuses."""
    event, (ticket, _) = sold(service)
    real_refusal = transfers.refusal

    def check_then_door_admits(t: Ticket, e: Event | None):  # type: ignore[no-untyped-def]
        answer = real_refusal(t, e)
        assert door.scan(event, code(door, ticket), "door-1").result is ScanResult.ADMITTED
        return answer

    transfers.refusal = check_then_door_admits  # type: ignore[method-assign]
    with pytest.raises(TicketAlreadyUsed):
        transfers.transfer(ticket.id, ticket.access_key, "Bo", "bo@example.com")
    assert service.store.get_ticket(ticket.id) == ticket


def test_a_transfer_landing_between_the_doors_check_and_its_write_wins(
        service: Ticketing, door: DoorCheckIn, transfers: Transfers) -> None:
    """The door has judged the old code valid; the transfer lands before the door's write: the old code
    is refused (never both), and the new holder's code gets in."""
    event, (ticket, _) = sold(service)
    old_code = code(door, ticket)
    real_judge = door._judge

    def judge_then_transfer(*args):  # type: ignore[no-untyped-def]
        judged = real_judge(*args)
        transfers.transfer(ticket.id, ticket.access_key, "Bo", "bo@example.com")
        return judged

    door._judge = judge_then_transfer  # type: ignore[method-assign]
    assert door.scan(event, old_code, "door-1").result is ScanResult.INVALID
    door._judge = real_judge  # type: ignore[method-assign]
    assert service.store.get_checkin(event.id, ticket.id) is None
    new = service.store.get_ticket(ticket.id)
    assert new is not None and door.scan(event, code(door, new), "door-1").result is ScanResult.ADMITTED
