"""Door check-in with the injected clock: rotating codes, replays, offline merges.

Events here sold their tickets before signed codes shipped (the ManualClock starts in June 2026),
so these tests speak the legacy EF1 codes; tests/domain/test_signed_codes.py covers EF2."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from eventflow.domain.checkin import DoorCheckIn, OfflineScan, ScanResult
from eventflow.domain.codes import legacy_payload, ticket_code
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.errors import ValidationFailed
from eventflow.domain.models import Buyer, Event, Ticket
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event


@pytest.fixture
def door(service: Ticketing) -> DoorCheckIn:
    return DoorCheckIn(service.store, service.clock, DoorKeys("test secret"))


def qr_payload(ticket: Ticket, at: datetime) -> str:
    return legacy_payload(ticket, at)


def sold_tickets(service: Ticketing, quantity: int = 2, open_door: bool = True) -> tuple[Event, list[Ticket]]:
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, quantity)], Buyer("g@example.com", "Guest"))
    tickets = list(service.confirm(reservation.id, payment_ref="demo").tickets)
    if open_door:
        service.clock.set(event.starts_at - timedelta(hours=1))  # the door is open: offline scans count
    return event, tickets


def payload_at(ticket: Ticket, service: Ticketing, steps: int) -> str:
    return qr_payload(ticket, service.clock.now() + timedelta(seconds=30 * steps))


@pytest.mark.parametrize(("steps", "result"), [
    (-1, ScanResult.ADMITTED), (0, ScanResult.ADMITTED), (1, ScanResult.ADMITTED),
    (-2, ScanResult.STALE_CODE), (-40, ScanResult.STALE_CODE), (2, ScanResult.INVALID),
])
def test_codes_are_good_one_step_either_side(service: Ticketing, door: DoorCheckIn, steps: int,
                                             result: ScanResult) -> None:
    event, (ticket, _) = sold_tickets(service)
    assert door.scan(event, payload_at(ticket, service, steps), "door-1").result is result


def test_a_ticket_gets_in_once_and_the_replay_says_when_and_where(service: Ticketing, door: DoorCheckIn) -> None:
    event, (ticket, _) = sold_tickets(service)
    first = door.scan(event, payload_at(ticket, service, 0), "door-1")
    assert first.result is ScanResult.ADMITTED and first.ticket == ticket
    service.clock.advance(seconds=45)
    again = door.scan(event, payload_at(ticket, service, 0), "door-2")
    assert again.result is ScanResult.ALREADY_CHECKED_IN
    assert again.checkin is not None and again.checkin.device_id == "door-1"
    assert [c.ticket_id for c in service.store.list_checkins(event.id)] == [ticket.id]


def test_wrong_event_refunded_and_garbage_are_refused(service: Ticketing, door: DoorCheckIn) -> None:
    event, (ticket, other) = sold_tickets(service)
    elsewhere, (foreign, _) = sold_tickets(service, open_door=False)
    assert door.scan(event, payload_at(foreign, service, 0), "d").result is ScanResult.WRONG_EVENT
    service.store.set_ticket_status(other.id, "void")
    assert door.scan(event, payload_at(other, service, 0), "d").result is ScanResult.VOID
    for garbage in ("", "hello", f"EF1.{ticket.id}.1234", f"EF2.{ticket.id}.12345678", "EF1.tkt_nope.12345678"):
        assert door.scan(event, garbage, "d").result is ScanResult.INVALID
    assert service.store.list_checkins(event.id) == []
    assert elsewhere.id != event.id


def test_sync_is_idempotent_on_nonce(service: Ticketing, door: DoorCheckIn) -> None:
    event, (ticket, _) = sold_tickets(service)
    scan = OfflineScan(ticket.id, ticket_code(ticket.secret, service.clock.now()), service.clock.now(), "n-1")
    service.clock.advance(minutes=20)  # uploaded long after: the code is judged at scan time
    first = door.sync(event, "door-1", [scan])
    second = door.sync(event, "door-1", [scan])
    assert [o.result for o in first] == [o.result for o in second] == [ScanResult.ADMITTED]
    assert len(service.store.list_checkins(event.id)) == 1
    assert service.store.list_double_admissions(event.id) == []


def test_two_offline_devices_merge_into_one_checkin_and_one_double_admission(
    service: Ticketing, door: DoorCheckIn
) -> None:
    event, (ticket, _) = sold_tickets(service)
    at = service.clock.now()
    code = ticket_code(ticket.secret, at)
    late_device = OfflineScan(ticket.id, code, at + timedelta(seconds=20), "b-1")
    early_device = OfflineScan(ticket.id, code, at, "a-1")
    service.clock.advance(minutes=10)
    assert door.sync(event, "door-b", [late_device])[0].result is ScanResult.ADMITTED
    merged = door.sync(event, "door-a", [early_device])[0]
    assert merged.result is ScanResult.ALREADY_CHECKED_IN and merged.double_admission
    door.sync(event, "door-a", [early_device])  # redelivered: still one record
    assert len(service.store.list_checkins(event.id)) == 1
    (double,) = service.store.list_double_admissions(event.id)
    assert (double.first.device_id, double.second.device_id) == ("door-a", "door-b")  # earlier scan first
    assert double.first.scanned_at < double.second.scanned_at


def test_same_device_scanning_twice_offline_is_not_a_double_admission(service: Ticketing, door: DoorCheckIn) -> None:
    event, (ticket, _) = sold_tickets(service)
    now = service.clock.now()
    code = ticket_code(ticket.secret, now)
    door.sync(event, "door-1", [OfflineScan(ticket.id, code, now, "x-1"), OfflineScan(ticket.id, code, now, "x-2")])
    assert service.store.list_double_admissions(event.id) == []


def test_offline_scans_are_judged_at_scan_time(service: Ticketing, door: DoorCheckIn) -> None:
    event, (ticket, other) = sold_tickets(service)
    now = service.clock.now()
    screenshot = OfflineScan(ticket.id, ticket_code(ticket.secret, now - timedelta(minutes=5)), now, "s-1")
    future = OfflineScan(other.id, ticket_code(other.secret, now + timedelta(hours=1)), now + timedelta(hours=1), "f")
    results = [o.result for o in door.sync(event, "door-1", [screenshot, future])]
    assert results == [ScanResult.STALE_CODE, ScanResult.INVALID]


def test_sync_takes_the_digits_or_the_whole_qr_payload_of_the_same_ticket(
    service: Ticketing, door: DoorCheckIn
) -> None:
    event, (ticket, other) = sold_tickets(service)
    now = service.clock.now()
    scans = [
        OfflineScan(ticket.id, qr_payload(ticket, now), now, "p-1"),  # the whole payload, as /scan takes it
        OfflineScan(other.id, qr_payload(ticket, now), now, "p-2"),  # another ticket's payload: invalid
        OfflineScan(other.id, f"EF1.{other.id}.123", now, "p-3"),  # not one of our codes
        OfflineScan(other.id, ticket_code(other.secret, now), now, "p-4"),  # the bare digits, as before
    ]
    results = [o.result for o in door.sync(event, "door-1", scans)]
    assert results == [ScanResult.ADMITTED, ScanResult.INVALID, ScanResult.INVALID, ScanResult.ADMITTED]


def test_a_three_hour_old_code_is_a_screenshot_online_and_in_an_upload(service: Ticketing, door: DoorCheckIn) -> None:
    event, (ticket, other) = sold_tickets(service)
    now = service.clock.now()
    assert door.scan(event, qr_payload(ticket, now - timedelta(hours=3)), "d").result is ScanResult.STALE_CODE
    upload = OfflineScan(other.id, ticket_code(other.secret, now - timedelta(hours=3)), now, "s-3h")
    assert door.sync(event, "d", [upload])[0].result is ScanResult.STALE_CODE
    ancient = OfflineScan(other.id, ticket_code(other.secret, now - timedelta(hours=7)), now, "s-7h")
    assert door.sync(event, "d", [ancient])[0].result is ScanResult.INVALID  # past the look-back: garbage


def test_manifest_carries_what_a_scanner_needs(service: Ticketing, door: DoorCheckIn) -> None:
    event, (ticket, other) = sold_tickets(service)
    door.scan(event, payload_at(ticket, service, 0), "d")
    manifest = door.manifest(event)
    entries = {entry.id: entry for entry in manifest.tickets}
    assert set(entries) == {ticket.id, other.id}
    assert entries[ticket.id].legacy_secret == ticket.secret and entries[ticket.id].checked_in_at is not None
    assert entries[other.id].checked_in_at is None and entries[other.id].holder == "Guest"


def test_bad_sync_input_is_refused(service: Ticketing, door: DoorCheckIn) -> None:
    event, (ticket, _) = sold_tickets(service)
    with pytest.raises(ValidationFailed):
        door.sync(event, "", [])
    with pytest.raises(ValidationFailed):
        door.sync(event, "d", [OfflineScan(ticket.id, "12345678", service.clock.now(), "")])
