"""Signed door codes (EF2) and what bounds an offline upload, with the injected clock.

The attacks are the tests: a door device (its manifest) cannot make a code; an upload cannot
backdate a scan to before the device had its manifest or outside the event's door window; a
nonce of one event or device cannot answer for another; junk costs no store work."""

from __future__ import annotations

import base64
import os
from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from eventflow.domain.checkin import (
    MAX_SYNC_BATCH,
    DoorCheckIn,
    OfflineScan,
    Refusal,
    ScanResult,
    door_window,
)
from eventflow.domain.codes import _hotp, legacy_payload, parse_payload, step_of
from eventflow.domain.door_keys import DoorKeys, signed_message
from eventflow.domain.errors import ValidationFailed
from eventflow.domain.models import Buyer, Event, Ticket
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event

KEYS = DoorKeys("test secret")


@pytest.fixture
def door(service: Ticketing) -> DoorCheckIn:
    # Signed codes shipped before these tickets were sold: no EF1 for them, no secret on devices.
    return DoorCheckIn(service.store, service.clock, KEYS, signed_codes_since=service.clock.now())


def sold(service: Ticketing, quantity: int = 2, open_door: bool = True) -> tuple[Event, list[Ticket]]:
    event, tiers = publish_event(service)
    service.clock.advance(seconds=1)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, quantity)], Buyer("g@example.com", "Guest"))
    tickets = list(service.confirm(reservation.id, payment_ref="demo").tickets)
    if open_door:
        service.clock.set(event.starts_at - timedelta(hours=1))
    return event, tickets


def signed(ticket: Ticket, at: datetime) -> str:
    return KEYS.payload(ticket.event_id, ticket.id, step_of(at))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(("steps", "result"), [
    (-1, ScanResult.ADMITTED), (0, ScanResult.ADMITTED), (1, ScanResult.ADMITTED), (-2, ScanResult.STALE_CODE),
    (-6 * 60, ScanResult.STALE_CODE), (2, ScanResult.INVALID), (-6 * 120 - 1, ScanResult.INVALID),
])
def test_signed_codes_keep_the_step_window_and_the_stale_look_back(
    service: Ticketing, door: DoorCheckIn, steps: int, result: ScanResult
) -> None:
    event, (ticket, other) = sold(service)
    at = service.clock.now() + timedelta(seconds=30 * steps)
    assert door.scan(event, signed(ticket, at), "d").result is result
    upload = OfflineScan(other.id, signed(other, at), service.clock.now(), "n")
    assert door.sync(event, "d", [upload])[0].result is result  # the same verdict in an upload


def test_the_manifest_cannot_make_a_code(service: Ticketing, door: DoorCheckIn) -> None:
    """Everything a door device holds, turned into every code it could try: none gets in."""
    event, (ticket, _) = sold(service)
    manifest = door.manifest(event)
    assert all(t.legacy_secret is None for t in manifest.tickets)
    now = service.clock.now()
    step = step_of(now)
    own_key = Ed25519PrivateKey.generate()
    forged = [
        f"EF2.{ticket.id}.{step}.{b64(os.urandom(64))}",  # a random signature
        f"EF2.{ticket.id}.{step}.{b64(own_key.sign(signed_message(ticket.id, step)))}",  # its own key
        f"EF2.{ticket.id}.{step}.{manifest.public_key}{manifest.public_key}",  # the public key, twice
        signed(ticket, now).replace(f".{step}.", f".{step + 1}."),  # a real signature on the next step
        f"EF1.{ticket.id}.{pyotp.TOTP(pyotp.random_base32(), digits=8).now()}",
    ]
    other_event, (foreign, _) = sold(service, open_door=False)
    forged.append(KEYS.payload(other_event.id, ticket.id, step))  # another event's key
    for payload in forged:
        assert door.scan(event, payload, "d").result is ScanResult.INVALID, payload
    assert service.store.list_checkins(event.id) == []
    assert door.scan(event, signed(ticket, now), "d").result is ScanResult.ADMITTED  # the real one does
    assert foreign.event_id == other_event.id


def test_a_wallet_carries_codes_for_more_than_three_hours(service: Ticketing, door: DoorCheckIn) -> None:
    event, tickets = sold(service, quantity=4)
    start = service.clock.now()
    carried = [door.wallet_codes(ticket) for ticket in tickets]  # fetched online, then the phones go offline
    for ticket, codes, hours in zip(tickets, carried, (0, 1, 3, 3.99), strict=True):
        service.clock.set(start + timedelta(hours=hours))  # the owner at the door, hours later
        step = step_of(service.clock.now())
        shown = f"EF2.{ticket.id}.{step}.{codes.signatures[step - codes.first_step]}"
        assert door.scan(event, shown, "d").result is ScanResult.ADMITTED
    service.clock.set(start + timedelta(hours=4, minutes=1))
    assert step_of(service.clock.now()) - carried[0].first_step >= len(carried[0].signatures)  # then it needs network


def test_legacy_codes_still_work_for_tickets_sold_before_signed_codes(service: Ticketing) -> None:
    event, (ticket, other) = sold(service)
    door = DoorCheckIn(service.store, service.clock, KEYS, signed_codes_since=event.created_at)  # sold after
    assert door.scan(event, legacy_payload(ticket, service.clock.now()), "d").result is ScanResult.INVALID
    legacy_door = DoorCheckIn(service.store, service.clock, KEYS)  # the real switch date: these came before
    manifest = {t.id: t.legacy_secret for t in legacy_door.manifest(event).tickets}
    assert manifest[ticket.id] == ticket.secret
    assert legacy_door.scan(event, legacy_payload(ticket, service.clock.now()), "d").result is ScanResult.ADMITTED
    upload = OfflineScan(other.id, legacy_payload(other, service.clock.now()), service.clock.now(), "n")
    assert legacy_door.sync(event, "d", [upload])[0].result is ScanResult.ADMITTED
    # Once the event is over, EF1 is over: no secret in the manifest, no EF1 admission.
    service.clock.set(door_window(event)[1] + timedelta(minutes=1))
    assert all(t.legacy_secret is None for t in legacy_door.manifest(event).tickets)
    late = legacy_door.scan(event, legacy_payload(ticket, service.clock.now()), "d")
    assert (late.result, late.reason) == (ScanResult.INVALID, Refusal.LEGACY_CODE_EXPIRED)


def test_fast_totp_matches_pyotp() -> None:
    secret = pyotp.random_base32()
    key = base64.b32decode(secret)
    assert all(_hotp(key, step) == pyotp.TOTP(secret, digits=8).generate_otp(step) for step in range(5000, 5100))


# ------------------------------------------------------------------ what bounds an offline upload
def test_a_month_old_code_backdated_a_month_is_refused(service: Ticketing, door: DoorCheckIn) -> None:
    """The reported attack: a 30-day-old code uploaded with a `scanned_at` 30 days back."""
    event, (ticket, _) = sold(service)
    month_ago = service.clock.now() - timedelta(days=30)
    stamp = door.manifest(event).stamp
    for claimed_stamp in (None, stamp):
        upload = OfflineScan(ticket.id, signed(ticket, month_ago), month_ago, f"n-{claimed_stamp}", claimed_stamp)
        (outcome,) = door.sync(event, "d", [upload], device_since=service.clock.now() - timedelta(days=1))
        assert (outcome.result, outcome.reason) == (ScanResult.INVALID, Refusal.OUTSIDE_DOOR_WINDOW)
    assert service.store.list_checkins(event.id) == []


def test_an_offline_scan_is_not_older_than_the_manifest_it_was_judged_with(
    service: Ticketing, door: DoorCheckIn
) -> None:
    event, (ticket, other) = sold(service)
    stamp = door.manifest(event).stamp
    service.clock.advance(minutes=20)
    earlier = service.clock.now() - timedelta(minutes=19)  # after the stamp: fine
    before = service.clock.now() - timedelta(minutes=40)  # 20 minutes before the device had its manifest
    results = door.sync(event, "d", [
        OfflineScan(ticket.id, signed(ticket, earlier), earlier, "ok", stamp),
        OfflineScan(other.id, signed(other, before), before, "early", stamp),
        OfflineScan(other.id, signed(other, earlier), earlier, "forged", forged(stamp)),
        OfflineScan(other.id, signed(other, earlier), earlier, "elsewhere", KEYS.manifest_stamp("evt_x", earlier)),
    ])
    assert [(o.result, o.reason) for o in results] == [
        (ScanResult.ADMITTED, None), (ScanResult.INVALID, Refusal.BEFORE_MANIFEST),
        (ScanResult.INVALID, Refusal.UNKNOWN_MANIFEST), (ScanResult.INVALID, Refusal.UNKNOWN_MANIFEST),
    ]
    # Without a stamp (a scanner from before stamps), the device's access is the lower bound.
    no_stamp = door.sync(event, "d", [OfflineScan(other.id, signed(other, before), before, "old")],
                         device_since=service.clock.now() - timedelta(minutes=30))
    assert (no_stamp[0].result, no_stamp[0].reason) == (ScanResult.INVALID, Refusal.BEFORE_MANIFEST)


def test_nonces_are_scoped_by_event_and_device(service: Ticketing, door: DoorCheckIn) -> None:
    """The reported bug: a nonce already used at another event made the server answer with that
    event's verdict (`invalid`) while it had checked this ticket in."""
    first, (ticket_a, _) = sold(service)
    ancient = signed(ticket_a, service.clock.now() - timedelta(hours=7))
    (refused,) = door.sync(first, "door", [OfflineScan(ticket_a.id, ancient, service.clock.now(), "same-nonce")])
    assert refused.result is ScanResult.INVALID  # remembered for this event and device
    second, (ticket_b, ticket_c) = sold(service)
    now = service.clock.now()
    (outcome,) = door.sync(second, "door", [OfflineScan(ticket_b.id, signed(ticket_b, now), now, "same-nonce")])
    assert outcome.result is ScanResult.ADMITTED
    (other_device,) = door.sync(second, "door-2", [OfflineScan(ticket_c.id, signed(ticket_c, now), now, "same-nonce")])
    assert other_device.result is ScanResult.ADMITTED
    assert {c.ticket_id for c in service.store.list_checkins(second.id)} == {ticket_b.id, ticket_c.id}


class CountingStore:
    """The store, counting every call: junk in an upload must cost none."""

    def __init__(self, store: Any) -> None:
        self.store, self.calls = store, 0

    def __getattr__(self, name: str) -> Any:
        self.calls += 1
        return getattr(self.store, name)


@pytest.mark.parametrize("code", [
    "１２３４５６７８", "EF1.tkt_x.１２３４５６７８", "EF2.tkt_x.1.２", "EF2." + "x" * 150, "\u0000" * 8,
    "EF2.ü.1." + "A" * 86,
])
def test_junk_in_an_upload_is_refused_before_any_store_work(service: Ticketing, code: str) -> None:
    event, (ticket, _) = sold(service)
    store = CountingStore(service.store)
    door = DoorCheckIn(store, service.clock, KEYS)
    outcomes = door.sync(event, "d", [OfflineScan(ticket.id, code, service.clock.now(), f"n{n}") for n in range(50)])
    assert {(o.result, o.reason) for o in outcomes} == {(ScanResult.INVALID, Refusal.MALFORMED)}
    assert store.calls == 0
    assert door.scan(event, code, "d").result is ScanResult.INVALID
    assert parse_payload(code) is None


def test_an_upload_is_capped_and_checked_whole_before_any_of_it_is_judged(
    service: Ticketing, door: DoorCheckIn
) -> None:
    event, (ticket, _) = sold(service)
    now = service.clock.now()
    with pytest.raises(ValidationFailed):
        door.sync(event, "d", [OfflineScan(ticket.id, "x", now, f"n{n}") for n in range(MAX_SYNC_BATCH + 1)])
    with pytest.raises(ValidationFailed):
        door.sync(event, "d", [OfflineScan(ticket.id, signed(ticket, now), now, "good"),
                               OfflineScan(ticket.id, "x", now, "")])
    assert service.store.list_checkins(event.id) == []  # the good scan before the bad one was not admitted


def test_staff_admit_a_guest_by_name_online_and_offline(service: Ticketing, door: DoorCheckIn) -> None:
    event, (ticket, other) = sold(service)
    assert door.admit_checked_id(event, ticket.id, "d").result is ScanResult.ADMITTED
    assert door.admit_checked_id(event, ticket.id, "d").result is ScanResult.ALREADY_CHECKED_IN
    upload = OfflineScan(other.id, "", service.clock.now(), "by-name", id_checked=True)
    assert door.sync(event, "d", [upload])[0].result is ScanResult.ADMITTED


def forged(stamp: str) -> str:
    """The stamp with its last character changed (always to a different one: a fixed replacement
    would sometimes equal the original and make the "forgery" genuine)."""
    return stamp[:-1] + ("A" if stamp[-1] != "A" else "B")
