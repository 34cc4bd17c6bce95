"""A wallet pass's static code at a door with no network (issue 17): the code `EFP.<ticket>.<signature>` is
signed with the event's door key, so the scanner's own JavaScript (static/door.js, under node) verifies it
with the manifest's public key and refuses a forged one, one made before a transfer and any pass once the
organizer forbade them; the offline upload is judged again on the server (`DoorCheckIn.sync`)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from typing import Any

import pytest

from eventflow.domain.checkin import DoorCheckIn, OfflineScan, ScanResult
from eventflow.domain.codes import door_rules
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.models import Buyer, Event, Ticket
from eventflow.domain.outbox import Outbox
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.transfers import Transfers
from eventflow.domain.wallet_passes import PassCodes, parse_pass
from tests.api.test_door_codes import offline_verdict
from tests.conftest import publish_event

SECRET = "pass door secret"


def door_with_passes(service: Ticketing) -> tuple[DoorCheckIn, PassCodes, Event, list[Ticket]]:
    """Two paid tickets of one event, its door open now, and a door wired as the app wires it (one secret)."""
    event, tiers = publish_event(service)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer("ann@example.com", "Ann Buyer"))
    tickets = service.confirm(held.id, "demo").tickets
    service.clock.set(event.starts_at - timedelta(hours=1))  # the door is open: offline scans count
    door = DoorCheckIn(service.store, service.clock, DoorKeys(SECRET))
    door.passes = PassCodes(service.store, SECRET)
    return door, door.passes, event, tickets


def forged(code: str) -> str:
    """The same ticket with another signature of the right shape (a guess, or another ticket's signature)."""
    head, _, signature = code.rpartition(".")
    return f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def manifest_json(door: DoorCheckIn, event: Event) -> dict[str, Any]:
    """The manifest as the scanner caches it (the fields door.js reads)."""
    manifest = door.manifest(event)
    return {**door_rules(), "public_key": manifest.public_key, "passes_forbidden": manifest.passes_forbidden,
            "tickets": [{"id": t.id, "status": t.status.value, "transfers": t.transfers} for t in manifest.tickets]}


def test_an_offline_upload_of_a_pass_is_admitted_once_and_a_forged_one_refused(service: Ticketing) -> None:
    door, codes, event, (ticket, other) = door_with_passes(service)
    code = codes.code(ticket)
    assert parse_pass(code) is not None and parse_pass(forged(code)) is not None  # both look like passes
    now = service.clock.now()
    stamp = door.manifest(event).stamp
    refused = door.sync(event, "gate", [OfflineScan(ticket.id, forged(code), now, "n1", stamp),
                                        OfflineScan(other.id, code, now, "n2", stamp)])  # another ticket's pass
    assert [o.result for o in refused] == [ScanResult.INVALID, ScanResult.INVALID]
    admitted = door.sync(event, "gate", [OfflineScan(ticket.id, code, now, "n3", stamp)])
    assert [o.result for o in admitted] == [ScanResult.ADMITTED]
    again = door.sync(event, "gate", [OfflineScan(ticket.id, code, now, "n3", stamp)])  # the same upload, resent
    assert [o.result for o in again] == [ScanResult.ADMITTED]
    assert door.scan(event, code, "gate").result is ScanResult.ALREADY_CHECKED_IN


def test_a_pass_made_before_a_transfer_or_when_passes_are_forbidden_is_refused_on_upload(
        service: Ticketing) -> None:
    door, codes, event, (ticket, other) = door_with_passes(service)
    old = codes.code(ticket)
    Transfers(service.store, service.store, service.clock, Outbox(service.store, service.clock),
              "https://t.example").transfer(ticket.id, ticket.access_key, "Bo Friend", "bo@example.com")
    moved = service.store.get_ticket(ticket.id)
    assert moved is not None
    now = service.clock.now()
    assert door.sync(event, "gate", [OfflineScan(ticket.id, old, now, "n1")])[0].result is ScanResult.INVALID
    service.store.set_passes_forbidden(event.id, True)
    assert door.manifest(event).passes_forbidden
    assert door.sync(event, "gate", [OfflineScan(other.id, codes.code(other), now, "n2")])[0].result \
        is ScanResult.INVALID
    service.store.set_passes_forbidden(event.id, False)
    assert door.sync(event, "gate", [OfflineScan(ticket.id, codes.code(moved), now, "n3")])[0].result \
        is ScanResult.ADMITTED


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the scanner's JavaScript")
def test_the_scanners_offline_verifier_accepts_a_pass_and_refuses_forged_old_and_forbidden_ones(
        service: Ticketing) -> None:
    door, codes, event, (ticket, _other) = door_with_passes(service)
    code, now = codes.code(ticket), service.clock.now()
    cached = manifest_json(door, event)
    assert offline_verdict(cached, ticket.id, code, now) == "admitted"
    assert offline_verdict(cached, ticket.id, forged(code), now) == "invalid"
    assert offline_verdict({**cached, "public_key": DoorKeys("another server").public_key(event.id)},
                           ticket.id, code, now) == "invalid"
    assert offline_verdict({**cached, "passes_forbidden": True}, ticket.id, code, now) == "invalid"
    Transfers(service.store, service.store, service.clock, Outbox(service.store, service.clock),
              "https://t.example").transfer(ticket.id, ticket.access_key, "Bo Friend", "bo@example.com")
    refreshed = manifest_json(door, event)  # the scanner's next refresh knows the new transfer count
    moved = service.store.get_ticket(ticket.id)
    assert moved is not None
    assert offline_verdict(refreshed, ticket.id, code, now) == "invalid"
    assert offline_verdict(refreshed, ticket.id, codes.code(moved), now) == "admitted"
    # A rotating code's signature never passes as a pass's, nor the other way round.
    rotating = door.qr_payload(moved, now)
    assert offline_verdict(refreshed, ticket.id, f"EFP.{ticket.id}.{rotating.rsplit('.', 1)[1]}", now) == "invalid"
