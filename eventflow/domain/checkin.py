"""Door check-in: rotating codes checked online, offline scans merged later, nothing lost.

Online, the server decides (one conditional write per admission, so two devices cannot both
admit a ticket). Offline, each device decides from its cached manifest and uploads its scans
later; when two devices admitted the same ticket, both scans are kept as a double admission,
the earlier one counting as the check-in.

Door devices can verify codes but not make them: the manifest carries the event's public key
(domain/door_keys.py), never a ticket secret, except the legacy `EF1` secrets of tickets sold
before signed codes existed, and only until their event is over (docs/door.md).

An offline scan's `scanned_at` is the device's word, so it is bounded: not in the future, not
outside the event's door window, and not before the device had the manifest it judged with (the
manifest's stamp, issued by the server). Each scan's nonce counts once per (event, device).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from eventflow.domain.clock import Clock
from eventflow.domain.codes import (
    ACCEPTED_STEPS,
    STEP_SECONDS,
    CodeAge,
    DoorCode,
    LegacyCode,
    SignedCode,
    code_age,
    is_legacy_digits,
    is_ticket_id,
    parse_payload,
    signed_code_age,
    step_age,
    step_of,
)
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.errors import ValidationFailed
from eventflow.domain.models import CheckIn, DoubleAdmission, Event, EventStatus, Ticket, TicketStatus
from eventflow.domain.ports import AvailabilityListener, NoListener, Store
from eventflow.domain.wallet_passes import PREFIX as PASS_PREFIX
from eventflow.domain.wallet_passes import PassCodes

MAX_SYNC_BATCH = 500
CLOCK_SKEW_ALLOWED = timedelta(minutes=5)  # a device clock this far off the server's is still believed
DOORS_OPEN_BEFORE = timedelta(hours=12)  # offline scans are believed from this long before the start...
DOORS_CLOSE_AFTER = timedelta(hours=2)  # ...until this long after the end (late arrivals, clocks)
# Tickets sold before this instant may still show legacy EF1 codes from a wallet cached on a phone;
# their TOTP secrets stay in the manifest until their event is over. Later tickets never had one.
SIGNED_CODES_SINCE = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
WALLET_HOURS = 4  # signed codes a wallet gets at a time; it asks for more below three hours left


class ScanResult(StrEnum):
    ADMITTED = "admitted"
    ALREADY_CHECKED_IN = "already_checked_in"
    INVALID = "invalid"
    STALE_CODE = "stale_code"
    WRONG_EVENT = "wrong_event"
    VOID = "void"
    DISPUTED = "disputed"  # the payment is charged back and the organizer refuses such tickets
    EVENT_CANCELLED = "event_cancelled"  # the organizer cancelled the event: no ticket of it gets in


class Refusal(StrEnum):
    """Why an offline scan was refused before its code was looked at (the `reason` in the API)."""

    MALFORMED = "malformed_code"
    FROM_THE_FUTURE = "scanned_in_the_future"
    OUTSIDE_DOOR_WINDOW = "outside_door_window"
    UNKNOWN_MANIFEST = "unknown_manifest"
    BEFORE_MANIFEST = "scanned_before_manifest"
    LEGACY_CODE_EXPIRED = "legacy_code_after_event"


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    result: ScanResult
    ticket: Ticket | None = None
    tier_name: str | None = None
    checkin: CheckIn | None = None  # the ticket's check-in (when and by which device)
    double_admission: bool = False
    reason: Refusal | None = None
    disputed: bool = False  # admitted although its payment is disputed (the organizer lets such tickets in)
    transferred_at: datetime | None = None  # the ticket's last hand-on (domain/transfers.py): "transferred 10 min ago"


@dataclass(frozen=True, slots=True)
class OfflineScan:
    ticket_id: str
    code: str  # the whole QR payload (EF2 or EF1), or an EF1 code's bare digits
    scanned_at: datetime  # the device's clock
    nonce: str
    manifest_stamp: str | None = None  # the stamp of the manifest the device judged with
    id_checked: bool = False  # staff admitted by name after checking an ID: no code shown

    def door_code(self) -> DoorCode | None:
        """The code this scan shows; None for a payload that is not ours or names another ticket."""
        if not is_ticket_id(self.ticket_id):
            return None
        if is_legacy_digits(self.code):
            return LegacyCode(self.ticket_id, self.code)
        parsed = parse_payload(self.code)
        return parsed if parsed is not None and parsed.ticket_id == self.ticket_id else None


@dataclass(frozen=True, slots=True)
class ManifestTicket:
    id: str
    order: str
    tier: str
    holder: str
    status: TicketStatus
    checked_in_at: datetime | None
    legacy_secret: str | None = None  # EF1 TOTP secret: only tickets sold before signed codes
    disputed: bool = False  # its payment is charged back and the organizer refuses such tickets
    transfers: int = 0  # part of what its codes sign (domain/door_keys.signed_message)
    transferred_at: datetime | None = None  # its last hand-on, so the door can say "transferred 10 min ago"


@dataclass(frozen=True, slots=True)
class Manifest:
    event_id: str
    generated_at: datetime
    stamp: str  # the server's proof of `generated_at`; offline uploads carry it back
    public_key: str  # the event's Ed25519 key (base64url): verifies EF2 codes, cannot make them
    opens_at: datetime  # the door window offline scans must fall in
    closes_at: datetime
    tickets: list[ManifestTicket] = field(default_factory=list)
    event_status: EventStatus = EventStatus.PUBLISHED  # "cancelled": the scanner refuses every ticket offline
    passes_forbidden: bool = False  # the organizer forbade wallet passes: the scanner refuses their codes offline


@dataclass(frozen=True, slots=True)
class WalletCodes:
    """Consecutive signed steps of one ticket: step `first_step + n` shows `EF2.<id>.<step>.<signatures[n]>`."""

    first_step: int
    signatures: list[str]


def door_window(event: Event) -> tuple[datetime, datetime]:
    return event.starts_at - DOORS_OPEN_BEFORE, event.ends_at + DOORS_CLOSE_AFTER


class DisputedOrders(Protocol):
    """Chargebacks at the door (`payments.disputes.DoorDisputes`): per order None (not disputed),
    True (disputed, refused) or False (disputed, the organizer lets such tickets in)."""

    def verdict(self, organizer_id: str, order_id: str) -> bool | None: ...

    def verdicts(self, organizer_id: str, event_id: str) -> dict[str, bool]: ...


class DoorCheckIn:
    passes: PassCodes | None = None  # wallet passes' static codes, checked online (domain/wallet_passes.py)

    def __init__(self, store: Store, clock: Clock, keys: DoorKeys, listener: AvailabilityListener | None = None,
                 signed_codes_since: datetime = SIGNED_CODES_SINCE, disputes: DisputedOrders | None = None) -> None:
        self.disputes = disputes
        self.store = store
        self.clock = clock
        self.keys = keys
        self.listener: AvailabilityListener = listener or NoListener()  # dashboards refresh on admissions
        self.signed_codes_since = signed_codes_since

    # ---------------------------------------------------------------- what devices get
    def manifest(self, event: Event) -> Manifest:
        """What a scanner caches to verify codes with no network: the public key and ticket states."""
        now = self.clock.now()
        tiers = self._tier_names(event)
        checked_in = {c.ticket_id: c.scanned_at for c in self.store.list_checkins(event.id)}
        opens_at, closes_at = door_window(event)
        legacy_open = now <= closes_at
        refused = self.disputes.verdicts(event.organizer_id, event.id) if self.disputes else {}
        handed_on = {t.ticket_id: t.at for t in self.store.event_transfers(event.id)}  # oldest first: last wins
        tickets = [
            ManifestTicket(t.id, order.id, tiers.get(t.tier_id, ""), t.holder_name, t.status, checked_in.get(t.id),
                           t.secret if legacy_open and order.created_at < self.signed_codes_since else None,
                           disputed=refused.get(order.id, False), transfers=t.transfers,
                           transferred_at=handed_on.get(t.id))
            for order in self.store.list_orders(event.id)
            for t in order.tickets
        ]
        return Manifest(event.id, now, self.keys.manifest_stamp(event.id, now), self.keys.public_key(event.id),
                        opens_at, closes_at, tickets, event.status,
                        passes_forbidden=self.passes is not None and self.store.passes_forbidden(event.id))

    def wallet_codes(self, ticket: Ticket, hours: float = WALLET_HOURS) -> WalletCodes:
        """Signed codes of a ticket from the step before now for `hours`: what a wallet carries
        so it keeps showing codes the door accepts with no network for that long."""
        first = step_of(self.clock.now()) + min(ACCEPTED_STEPS)
        count = int(hours * 3600) // STEP_SECONDS + 1 - min(ACCEPTED_STEPS)
        return WalletCodes(first, [self.keys.sign(ticket.event_id, ticket.id, step, ticket.transfers)
                                   for step in range(first, first + count)])

    def holder_status(self, ticket: Ticket, event: Event | None) -> str:
        """What the holder's wallet says of the ticket: `ticket_status_word`, or `disputed` when
        the door refuses it because its payment is disputed (a flag-only dispute still admits)."""
        word = ticket_status_word(ticket, event)
        if word == TicketStatus.VALID.value and event is not None and self.disputes is not None \
                and self.disputes.verdict(event.organizer_id, ticket.order_id):
            return "disputed"
        return word

    def qr_payload(self, ticket: Ticket, at: datetime) -> str:
        """The code a ticket shows at `at` (EF2)."""
        return self.keys.payload(ticket.event_id, ticket.id, step_of(at), ticket.transfers)

    # ---------------------------------------------------------------- online
    def scan(self, event: Event, payload: str, device_id: str) -> ScanOutcome:
        """An online scan: the server's word is final across all devices."""
        device_id = _device(device_id)
        if self.passes is not None and payload.strip().startswith(PASS_PREFIX):  # a wallet pass's static code
            ticket_id = self.passes.ticket_for(payload)  # None: forged, made before a transfer, or forbidden
            if ticket_id is None:
                return ScanOutcome(ScanResult.INVALID, reason=Refusal.MALFORMED)
            return self._admit_online(event, self._judge_ticket(event, ticket_id, {}), device_id, self.clock.now())
        code = parse_payload(payload)
        if code is None:
            return ScanOutcome(ScanResult.INVALID, reason=Refusal.MALFORMED)
        now = self.clock.now()
        if isinstance(code, LegacyCode) and now > door_window(event)[1]:
            return ScanOutcome(ScanResult.INVALID, reason=Refusal.LEGACY_CODE_EXPIRED)
        return self._admit_online(event, self._judge(event, code, now, {}), device_id, now)

    def admit_checked_id(self, event: Event, ticket_id: str, device_id: str) -> ScanOutcome:
        """Staff found the guest by name and checked an ID: admitted without a code (online)."""
        device_id = _device(device_id)
        now = self.clock.now()
        return self._admit_online(event, self._judge_ticket(event, ticket_id, {}), device_id, now)

    def _admit_online(self, event: Event, outcome: ScanOutcome, device_id: str, now: datetime) -> ScanOutcome:
        if outcome.result is not ScanResult.ADMITTED:
            return outcome
        assert outcome.ticket is not None
        checkin = CheckIn(outcome.ticket.id, event.id, device_id, now, nonce=f"online:{device_id}:{now.isoformat()}",
                          received_at=now)
        # Conditional on the transfer count the code was judged with: a transfer landing in between wins.
        stored, created = self.store.admit(checkin, outcome.ticket.transfers)
        if stored is checkin and not created:
            return ScanOutcome(ScanResult.INVALID, outcome.ticket, outcome.tier_name)
        if created:
            self.listener.availability_changed(event.id)
        result = ScanResult.ADMITTED if created else ScanResult.ALREADY_CHECKED_IN
        return ScanOutcome(result, outcome.ticket, outcome.tier_name, stored, disputed=outcome.disputed,
                           transferred_at=outcome.transferred_at)

    # ---------------------------------------------------------------- offline uploads
    def sync(self, event: Event, device_id: str, scans: list[OfflineScan], scope: str | None = None,
             device_since: datetime | None = None) -> list[ScanOutcome]:
        """Upload of a device's offline admissions; safe to send again (each nonce counts once per
        event and device). `scope` names the device for its nonces (default: `device_id`);
        `device_since`: when the device's access began (the earliest a scan without a stamp may be)."""
        device_id = _device(device_id)
        if len(scans) > MAX_SYNC_BATCH:
            raise ValidationFailed("Send at most {most} scans at a time", most=MAX_SYNC_BATCH)
        for scan in scans:  # the whole batch is checked before any of it is judged or stored
            if not 1 <= len(scan.nonce) <= 100:
                raise ValidationFailed("Every scan needs a nonce of 1-100 characters")
            if scan.scanned_at.tzinfo is None:
                raise ValidationFailed("scanned_at needs a timezone")
        now = self.clock.now()
        tiers: dict[str, dict[str, str]] = {}
        nonce_scope = f"{event.id}|{scope or device_id}|"
        return [self._sync_one(event, device_id, scan, now, nonce_scope + scan.nonce, device_since, tiers)
                for scan in scans]

    def _refusal(self, event: Event, scan: OfflineScan, code: DoorCode | None, now: datetime,
                 device_since: datetime | None) -> Refusal | None:
        """The checks that need neither the store nor a signature: the cheap half of an upload."""
        if code is None and not scan.id_checked:
            return Refusal.MALFORMED
        if scan.scanned_at > now + CLOCK_SKEW_ALLOWED:
            return Refusal.FROM_THE_FUTURE
        opens_at, closes_at = door_window(event)
        if not opens_at <= scan.scanned_at <= closes_at:
            return Refusal.OUTSIDE_DOOR_WINDOW
        fetched = device_since
        if scan.manifest_stamp is not None:
            fetched = self.keys.stamp_time(event.id, scan.manifest_stamp)
            if fetched is None:
                return Refusal.UNKNOWN_MANIFEST
        if fetched is not None and scan.scanned_at < fetched - CLOCK_SKEW_ALLOWED:
            return Refusal.BEFORE_MANIFEST
        if isinstance(code, SignedCode) and step_age(code.step, scan.scanned_at) is CodeAge.INVALID:
            return Refusal.MALFORMED
        return None

    def _sync_one(self, event: Event, device_id: str, scan: OfflineScan, now: datetime, nonce: str,
                  device_since: datetime | None, tiers: dict[str, dict[str, str]]) -> ScanOutcome:
        # A wallet pass's static code has no step to judge: its signature and transfer count are checked here.
        by_pass = self.passes is not None and not scan.id_checked and scan.code.strip().startswith(PASS_PREFIX)
        if by_pass and (self.passes is None or self.passes.ticket_for(scan.code) != scan.ticket_id):
            return ScanOutcome(ScanResult.INVALID, reason=Refusal.MALFORMED)  # forged, old or forbidden
        code = None if scan.id_checked or by_pass else scan.door_code()
        refusal = self._refusal(event, replace(scan, id_checked=True) if by_pass else scan, code, now, device_since)
        if refusal is not None:  # decided by the upload alone: nothing to remember
            return ScanOutcome(ScanResult.INVALID, reason=refusal)
        judged = (self._judge_ticket(event, scan.ticket_id, tiers) if code is None
                  else self._judge(event, code, scan.scanned_at, tiers))
        if judged.result is not ScanResult.ADMITTED:
            self.store.record_scan_result(nonce, event.id, judged.result.value)
            return judged
        checkin = CheckIn(scan.ticket_id, event.id, device_id, scan.scanned_at, nonce, offline=True,
                          received_at=self.clock.now())
        transfers = judged.ticket.transfers if judged.ticket is not None else None
        stored, created = self.store.admit(checkin, transfers)
        if stored is checkin and not created:  # handed on while this upload was judged: its code is gone
            self.store.record_scan_result(nonce, event.id, ScanResult.INVALID.value)
            return ScanOutcome(ScanResult.INVALID, judged.ticket, judged.tier_name)
        if created:
            self.listener.availability_changed(event.id)
        if created or stored.nonce == nonce or (stored.nonce == scan.nonce and stored.device_id == device_id):
            result = self.store.record_scan_result(nonce, event.id, ScanResult.ADMITTED.value)
            return ScanOutcome(ScanResult(result), judged.ticket, judged.tier_name, stored)
        # Someone else's check-in was first to reach the server. If that was another device,
        # both let the person in while offline: keep both scans, earlier one first.
        double = stored.device_id != device_id
        if double:
            first, second = sorted((stored, checkin), key=lambda c: (c.scanned_at, c.nonce))
            self.store.add_double_admission(DoubleAdmission(scan.ticket_id, event.id, first, second))
            self.listener.availability_changed(event.id)
        result = self.store.record_scan_result(nonce, event.id, ScanResult.ALREADY_CHECKED_IN.value)
        return ScanOutcome(ScanResult(result), judged.ticket, judged.tier_name, stored, double_admission=double)

    # ---------------------------------------------------------------- the verdict
    def _judge_ticket(self, event: Event, ticket_id: str, tiers: dict[str, dict[str, str]]) -> ScanOutcome:
        """ADMITTED when the ticket is a valid one of this event; the code is judged by the caller."""
        ticket = self.store.get_ticket(ticket_id)
        if ticket is None:
            return ScanOutcome(ScanResult.INVALID)
        if ticket.event_id not in tiers:
            tiers[ticket.event_id] = {t.id: t.name for t in self.store.get_tiers(ticket.event_id)}
        tier_name = tiers[ticket.event_id].get(ticket.tier_id)
        if ticket.event_id != event.id:
            return ScanOutcome(ScanResult.WRONG_EVENT, ticket, tier_name)
        if event.status is EventStatus.CANCELLED:  # before the batch has voided its tickets, and after
            return ScanOutcome(ScanResult.EVENT_CANCELLED, ticket, tier_name)
        if ticket.status is TicketStatus.VOID:
            return ScanOutcome(ScanResult.VOID, ticket, tier_name)
        refused = self.disputes.verdict(event.organizer_id, ticket.order_id) if self.disputes else None
        if refused:
            return ScanOutcome(ScanResult.DISPUTED, ticket, tier_name)
        return ScanOutcome(ScanResult.ADMITTED, ticket, tier_name, disputed=refused is False)

    def _judge(self, event: Event, code: DoorCode, at: datetime, tiers: dict[str, dict[str, str]]) -> ScanOutcome:
        outcome = self._judge_code(event, code, at, tiers)
        ticket = outcome.ticket
        if ticket is not None and ticket.transfers and outcome.result is not ScanResult.WRONG_EVENT:
            handed_on = self.store.list_transfers(ticket.id)  # only for tickets handed on: one more read
            return replace(outcome, transferred_at=handed_on[-1].at if handed_on else None)
        return outcome

    def _judge_code(self, event: Event, code: DoorCode, at: datetime,
                    tiers: dict[str, dict[str, str]]) -> ScanOutcome:
        outcome = self._judge_ticket(event, code.ticket_id, tiers)
        if outcome.result is not ScanResult.ADMITTED:
            return outcome
        assert outcome.ticket is not None
        if isinstance(code, SignedCode):
            age = signed_code_age(self.keys, event.id, code, at, outcome.ticket.transfers)
        elif self.has_legacy_code(outcome.ticket):
            age = code_age(outcome.ticket.secret, code.digits, at)
        else:  # sold after signed codes shipped: no EF1 code of it was ever shown
            age = CodeAge.INVALID
        if age is CodeAge.STALE:
            return ScanOutcome(ScanResult.STALE_CODE, outcome.ticket, outcome.tier_name)
        if age is not CodeAge.VALID:
            return ScanOutcome(ScanResult.INVALID, outcome.ticket, outcome.tier_name)
        return outcome

    def has_legacy_code(self, ticket: Ticket) -> bool:
        """Whether a wallet may still show EF1 codes of this ticket (sold before signed codes)."""
        order = self.store.get_order(ticket.order_id)
        return order is not None and order.created_at < self.signed_codes_since

    def _tier_names(self, event: Event) -> dict[str, str]:
        return {t.id: t.name for t in self.store.get_tiers(event.id)}


def ticket_status_word(ticket: Ticket, event: Event | None) -> str:
    """A ticket's status as the holder's API shows it: `event_cancelled` once its event is
    cancelled (whatever the batch has reached), else `valid` or `void`."""
    if event is not None and event.status is EventStatus.CANCELLED:
        return ScanResult.EVENT_CANCELLED.value
    return ticket.status.value


def _device(device_id: str) -> str:
    device_id = device_id.strip()
    if not 1 <= len(device_id) <= 160:
        raise ValidationFailed("device_id must be 1-160 characters")
    return device_id
