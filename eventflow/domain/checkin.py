"""Door check-in: rotating codes checked online, offline scans merged later, nothing lost.

Online, the server decides (one conditional write per admission, so two devices cannot both
admit a ticket). Offline, each device decides from its cached manifest and uploads its scans
later; when two devices admitted the same ticket, both scans are kept as a double admission,
the earlier one counting as the check-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from eventflow.domain.clock import Clock
from eventflow.domain.codes import CodeAge, code_age, parse_payload
from eventflow.domain.errors import ValidationFailed
from eventflow.domain.models import CheckIn, DoubleAdmission, Event, Ticket, TicketStatus
from eventflow.domain.ports import AvailabilityListener, NoListener, Store

MAX_SYNC_BATCH = 500
CLOCK_SKEW_ALLOWED = timedelta(minutes=5)  # an offline scan "from the future" beyond this is refused


class ScanResult(StrEnum):
    ADMITTED = "admitted"
    ALREADY_CHECKED_IN = "already_checked_in"
    INVALID = "invalid"
    STALE_CODE = "stale_code"
    WRONG_EVENT = "wrong_event"
    VOID = "void"


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    result: ScanResult
    ticket: Ticket | None = None
    tier_name: str | None = None
    checkin: CheckIn | None = None  # the ticket's check-in (when and by which device)
    double_admission: bool = False


@dataclass(frozen=True, slots=True)
class OfflineScan:
    ticket_id: str
    code: str  # the rotating digits, or the whole QR payload `EF1.<ticket_id>.<code>`
    scanned_at: datetime
    nonce: str

    def digits(self) -> str | None:
        """The rotating code this scan shows; None for a payload that is not ours or names another ticket."""
        if "." not in self.code:
            return self.code
        parsed = parse_payload(self.code)
        if parsed is None or parsed[0] != self.ticket_id:
            return None
        return parsed[1]


@dataclass(frozen=True, slots=True)
class ManifestTicket:
    id: str
    order: str
    tier: str
    holder: str
    secret: str
    status: TicketStatus
    checked_in_at: datetime | None


@dataclass(frozen=True, slots=True)
class Manifest:
    event_id: str
    generated_at: datetime
    tickets: list[ManifestTicket] = field(default_factory=list)


class DoorCheckIn:
    def __init__(self, store: Store, clock: Clock, listener: AvailabilityListener | None = None) -> None:
        self.store = store
        self.clock = clock
        self.listener: AvailabilityListener = listener or NoListener()  # dashboards refresh on admissions

    def manifest(self, event: Event) -> Manifest:
        """What a scanner caches to verify codes with no network: ticket secrets and states."""
        tiers = {t.id: t.name for t in self.store.get_tiers(event.id)}
        checked_in = {c.ticket_id: c.scanned_at for c in self.store.list_checkins(event.id)}
        tickets = [
            ManifestTicket(t.id, order.id, tiers.get(t.tier_id, ""), t.holder_name, t.secret, t.status,
                           checked_in.get(t.id))
            for order in self.store.list_orders(event.id)
            for t in order.tickets
        ]
        return Manifest(event.id, self.clock.now(), tickets)

    def scan(self, event: Event, payload: str, device_id: str) -> ScanOutcome:
        """An online scan: the server's word is final across all devices."""
        device_id = _device(device_id)
        parsed = parse_payload(payload)
        if parsed is None:
            return ScanOutcome(ScanResult.INVALID)
        ticket_id, code = parsed
        now = self.clock.now()
        outcome = self._judge(event, ticket_id, code, now)
        if outcome.result is not ScanResult.ADMITTED:
            return outcome
        assert outcome.ticket is not None
        checkin = CheckIn(ticket_id, event.id, device_id, now, nonce=f"online:{device_id}:{now.isoformat()}")
        stored, created = self.store.admit(checkin)
        if created:
            self.listener.availability_changed(event.id)
        result = ScanResult.ADMITTED if created else ScanResult.ALREADY_CHECKED_IN
        return ScanOutcome(result, outcome.ticket, outcome.tier_name, stored)

    def sync(self, event: Event, device_id: str, scans: list[OfflineScan]) -> list[ScanOutcome]:
        """Upload of a device's offline admissions; safe to send again (each nonce counts once)."""
        device_id = _device(device_id)
        if len(scans) > MAX_SYNC_BATCH:
            raise ValidationFailed(f"Send at most {MAX_SYNC_BATCH} scans at a time")
        now = self.clock.now()
        outcomes = []
        for scan in scans:
            if not 1 <= len(scan.nonce) <= 100:
                raise ValidationFailed("Every scan needs a nonce of 1-100 characters")
            if scan.scanned_at.tzinfo is None:
                raise ValidationFailed("scanned_at needs a timezone")
            outcomes.append(self._sync_one(event, device_id, scan, now))
        return outcomes

    def _sync_one(self, event: Event, device_id: str, scan: OfflineScan, now: datetime) -> ScanOutcome:
        code = scan.digits()
        if code is None or scan.scanned_at > now + CLOCK_SKEW_ALLOWED:
            judged = ScanOutcome(ScanResult.INVALID)
        else:
            judged = self._judge(event, scan.ticket_id, code, scan.scanned_at)
        if judged.result is not ScanResult.ADMITTED:
            self.store.record_scan_result(scan.nonce, event.id, judged.result.value)
            return judged
        checkin = CheckIn(scan.ticket_id, event.id, device_id, scan.scanned_at, scan.nonce, offline=True)
        stored, created = self.store.admit(checkin)
        if created:
            self.listener.availability_changed(event.id)
        if created or stored.nonce == scan.nonce:
            result = self.store.record_scan_result(scan.nonce, event.id, ScanResult.ADMITTED.value)
            return ScanOutcome(ScanResult(result), judged.ticket, judged.tier_name, stored)
        # Someone else's check-in was first to reach the server. If that was another device,
        # both let the person in while offline: keep both scans, earlier one first.
        double = stored.device_id != device_id
        if double:
            first, second = sorted((stored, checkin), key=lambda c: (c.scanned_at, c.nonce))
            self.store.add_double_admission(DoubleAdmission(scan.ticket_id, event.id, first, second))
            self.listener.availability_changed(event.id)
        result = self.store.record_scan_result(scan.nonce, event.id, ScanResult.ALREADY_CHECKED_IN.value)
        return ScanOutcome(ScanResult(result), judged.ticket, judged.tier_name, stored, double_admission=double)

    def _judge(self, event: Event, ticket_id: str, code: str, at: datetime) -> ScanOutcome:
        ticket = self.store.get_ticket(ticket_id)
        if ticket is None:
            return ScanOutcome(ScanResult.INVALID)
        tier_name = next((t.name for t in self.store.get_tiers(ticket.event_id) if t.id == ticket.tier_id), None)
        if ticket.event_id != event.id:
            return ScanOutcome(ScanResult.WRONG_EVENT, ticket, tier_name)
        if ticket.status is TicketStatus.VOID:
            return ScanOutcome(ScanResult.VOID, ticket, tier_name)
        age = code_age(ticket.secret, code, at)
        if age is CodeAge.STALE:
            return ScanOutcome(ScanResult.STALE_CODE, ticket, tier_name)
        if age is not CodeAge.VALID:
            return ScanOutcome(ScanResult.INVALID, ticket, tier_name)
        return ScanOutcome(ScanResult.ADMITTED, ticket, tier_name)


def _device(device_id: str) -> str:
    device_id = device_id.strip()
    if not 1 <= len(device_id) <= 160:
        raise ValidationFailed("device_id must be 1-160 characters")
    return device_id
