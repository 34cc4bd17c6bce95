"""The door: organizers hand out and revoke staff links; staff devices fetch the manifest, scan
online and upload offline scans; organizers read who came in (and who was admitted twice).

Staff routes (`/staff/me`, `/checkin/manifest|scan|sync`) serve a door queue, so they are `async`
and reach the store through `Services.off_loop`, once per request; organizer routes are plain `def`."""

from __future__ import annotations

from datetime import datetime

from fastapi import Query
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from eventflow.api.deps import OrganizerDep, ServicesDep, StaffDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict, model_response
from eventflow.domain.checkin import MAX_SYNC_BATCH, OfflineScan, ScanOutcome, ScanResult
from eventflow.domain.codes import STEP_SECONDS, door_rules
from eventflow.domain.errors import NotFound
from eventflow.domain.models import CheckIn, Event, StaffAccess
from eventflow.services import Services

router = resource_router()


# ------------------------------------------------------------------ staff links (organizers)
class StaffIn(Strict):
    label: str = Field(max_length=80)


class StaffOut(BaseModel):
    staff_id: str
    event_id: str
    label: str
    active: bool
    token: str | None = None  # only in the answer that creates it
    link: str | None = None


def staff_out(staff: StaffAccess) -> StaffOut:
    return StaffOut(staff_id=staff.id, event_id=staff.event_id, label=staff.label, active=staff.active)


@router.post("/events/{event_id}/staff", status_code=201, responses=ERRORS)
def add_staff(event_id: str, body: StaffIn, app: ServicesDep, organizer_id: OrganizerDep) -> StaffOut:
    staff, token = app.staff.add_staff(organizer_id, event_id, body.label)
    return StaffOut(staff_id=staff.id, event_id=event_id, label=staff.label, active=True, token=token,
                    link=app.staff_link(event_id, token))


@router.get("/events/{event_id}/staff", responses=ERRORS)
def list_staff(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> list[StaffOut]:
    return [staff_out(s) for s in app.staff.list_staff(organizer_id, event_id)]


@router.delete("/events/{event_id}/staff/{staff_id}", responses=ERRORS)
def revoke_staff(event_id: str, staff_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> StaffOut:
    return staff_out(app.staff.revoke_staff(organizer_id, event_id, staff_id))


@router.get("/staff/me", response_model=StaffOut, responses=ERRORS)
async def staff_me(staff: StaffDep) -> Response:
    """Which event a staff token opens: the scanner asks this first."""
    return model_response(staff_out(staff))


# ------------------------------------------------------------------ check-in (staff devices)
class ManifestTicketOut(BaseModel):
    id: str
    order: str
    tier: int  # index into the manifest's `tiers`
    holder: str
    status: str
    checked_in_at: datetime | None = None  # left out while not checked in (keeps 10,000 tickets < 2 MB)
    # Legacy EF1 codes: the ticket's TOTP secret, only for tickets sold before signed codes and only
    # until the event is over (docs/door.md); left out for every other ticket.
    ef1_secret: str | None = None
    # Handed on (domain/transfers.py): how often (part of what its EF2 codes sign) and when last; left out else.
    transfers: int | None = None
    transferred_at: datetime | None = None


class ManifestOut(BaseModel):
    event_id: str
    title: str
    generated_at: datetime
    # The code window (eventflow/domain/codes.py), so the scanner judges codes offline as the server does.
    step_seconds: int
    digits: int
    accepted_steps: list[int]
    stale_lookback_steps: int  # an older code within this many steps is a screenshot (`stale_code`)
    # Signed EF2 codes: the event's Ed25519 public key (raw 32 bytes, base64url). It verifies codes;
    # nothing in the manifest can make one.
    public_key: str
    # Offline scans are believed only inside the door window and not before this manifest was
    # fetched: uploads carry `stamp` back with each scan (`manifest_stamp`).
    stamp: str
    opens_at: datetime
    closes_at: datetime
    tiers: list[str]
    tickets: list[ManifestTicketOut]
    event_status: str = "published"  # "cancelled": every ticket is refused (`event_cancelled`), offline too
    passes_forbidden: bool | None = None  # true: the organizer forbade wallet passes, their codes are refused offline
    # What the scanner shows at its top: the event's start in its own timezone, and the staff link's label.
    starts_at: datetime | None = None
    timezone: str | None = None
    device_label: str | None = None


class ScanIn(Strict):
    code: str = Field(max_length=200)
    device_id: str = Field(max_length=64)


class AdmitIn(Strict):
    """Staff found the guest by name and checked an ID: no code to show."""

    ticket_id: str = Field(max_length=64)
    device_id: str = Field(max_length=64)


class ScannedTicketOut(BaseModel):
    ticket_id: str
    holder: str
    tier: str | None
    checked_in_at: datetime | None
    checked_in_by: str | None


class ScanOut(BaseModel):
    result: str
    ticket: ScannedTicketOut | None
    double_admission: bool = False
    reason: str | None = None  # why an offline scan was refused unread (outside_door_window, ...)
    disputed: bool = False  # admitted, but its payment is disputed (the organizer lets such tickets in)
    transferred_at: datetime | None = None  # the ticket was handed on then (domain/transfers.py)


class OfflineScanIn(Strict):
    ticket_id: str = Field(max_length=64)
    code: str = Field(max_length=200)  # the whole QR payload (EF2 or EF1), or an EF1 code's 8 digits
    scanned_at: AwareDatetime  # the device's clock
    nonce: str = Field(max_length=100)  # counts once per event and device
    manifest_stamp: str | None = Field(default=None, max_length=40)  # `stamp` of the manifest it judged with
    id_checked: bool = False  # admitted by name after an ID check (`code` is then ignored)


class SyncIn(Strict):
    device_id: str = Field(max_length=64)
    scans: list[OfflineScanIn] = Field(max_length=MAX_SYNC_BATCH)  # more: 422 before any scan is looked at


class SyncResultOut(ScanOut):
    nonce: str


class SyncOut(BaseModel):
    results: list[SyncResultOut]


def scan_out(outcome: ScanOutcome) -> ScanOut:
    ticket = outcome.ticket
    # A ticket of another event is named but not described: door staff see only their event.
    shown = ticket is not None and outcome.result is not ScanResult.WRONG_EVENT
    return ScanOut(
        result=outcome.result.value,
        ticket=ScannedTicketOut(
            ticket_id=ticket.id, holder=ticket.holder_name, tier=outcome.tier_name,
            checked_in_at=outcome.checkin.scanned_at if outcome.checkin else None,
            checked_in_by=outcome.checkin.device_id if outcome.checkin else None,
        ) if shown and ticket is not None else None,
        double_admission=outcome.double_admission,
        reason=outcome.reason.value if outcome.reason else None,
        disputed=outcome.disputed,
        transferred_at=outcome.transferred_at,
    )


def device_name(staff: StaffAccess, device_id: str) -> str:
    """Scans are recorded under the staff link's label, so the organizer reads "Front door", not an id."""
    return f"{staff.label} · {device_id}"


def staff_event(app: Services, staff: StaffAccess) -> Event:
    event = app.queries.event(staff.event_id)
    if event is None:
        raise NotFound("No such event")
    return event


def manifest_out(app: Services, staff: StaffAccess) -> ManifestOut:
    event = staff_event(app, staff)
    manifest = app.door.manifest(event)
    tiers = sorted({t.tier for t in manifest.tickets})
    position = {name: n for n, name in enumerate(tiers)}
    return ManifestOut(
        event_id=event.id, title=event.title, generated_at=manifest.generated_at, **door_rules(),
        public_key=manifest.public_key, stamp=manifest.stamp, opens_at=manifest.opens_at,
        closes_at=manifest.closes_at, tiers=tiers,
        tickets=[ManifestTicketOut(id=t.id, order=t.order, tier=position[t.tier], holder=t.holder,
                                   status="disputed" if t.disputed else t.status.value,
                                   checked_in_at=t.checked_in_at, ef1_secret=t.legacy_secret,
                                   transfers=t.transfers or None, transferred_at=t.transferred_at)
                 for t in manifest.tickets], event_status=manifest.event_status.value,
        passes_forbidden=manifest.passes_forbidden or None,
        starts_at=event.starts_at, timezone=event.timezone, device_label=staff.label,
    )


@router.get("/events/{event_id}/checkin/manifest", response_model=ManifestOut, responses=ERRORS,
            response_model_exclude_none=True)
async def checkin_manifest(event_id: str, app: ServicesDep, staff: StaffDep) -> Response:
    """Everything a scanner needs to verify codes offline; refresh it every minute while online."""
    return model_response(await app.off_loop(manifest_out, app, staff), exclude_none=True)


def scan_at_door(app: Services, staff: StaffAccess, body: ScanIn) -> ScanOut:
    return scan_out(app.door.scan(staff_event(app, staff), body.code, device_name(staff, body.device_id)))


@router.post("/events/{event_id}/checkin/scan", response_model=ScanOut, responses=ERRORS)
async def checkin_scan(event_id: str, body: ScanIn, app: ServicesDep, staff: StaffDep) -> Response:
    return model_response(await app.off_loop(scan_at_door, app, staff, body))


def admit_at_door(app: Services, staff: StaffAccess, body: AdmitIn) -> ScanOut:
    event = staff_event(app, staff)
    return scan_out(app.door.admit_checked_id(event, body.ticket_id, device_name(staff, body.device_id)))


@router.post("/events/{event_id}/checkin/admit", response_model=ScanOut, responses=ERRORS)
async def checkin_admit(event_id: str, body: AdmitIn, app: ServicesDep, staff: StaffDep) -> Response:
    """Admit a guest found by name after an ID check (no code): door devices cannot make codes."""
    return model_response(await app.off_loop(admit_at_door, app, staff, body))


def sync_offline_scans(app: Services, staff: StaffAccess, body: SyncIn) -> SyncOut:
    outcomes = app.door.sync(
        staff_event(app, staff), device_name(staff, body.device_id),
        [OfflineScan(s.ticket_id, s.code, s.scanned_at, s.nonce, s.manifest_stamp, s.id_checked) for s in body.scans],
        scope=f"{staff.id}:{body.device_id}", device_since=staff.created_at,
    )
    return SyncOut(results=[
        SyncResultOut(nonce=scan.nonce, **scan_out(outcome).model_dump())
        for scan, outcome in zip(body.scans, outcomes, strict=True)
    ])


@router.post("/events/{event_id}/checkin/sync", response_model=SyncOut, responses=ERRORS)
async def checkin_sync(event_id: str, body: SyncIn, app: ServicesDep, staff: StaffDep) -> Response:
    """A device's offline scans, each judged at its own `scanned_at`; sending a batch again is safe."""
    return model_response(await app.off_loop(sync_offline_scans, app, staff, body))


# ------------------------------------------------------------------ signed codes for a wallet (ticket holders)
class WalletCodesOut(BaseModel):
    ticket_id: str
    step_seconds: int
    first_step: int  # unix time // step_seconds of the first signature
    signatures: list[str]  # step first_step + n shows `EF2.<ticket_id>.<step>.<signatures[n]>`


def wallet_codes_out(app: Services, ticket_id: str, key: str) -> WalletCodesOut:
    view = app.queries.ticket_view(ticket_id, key)  # NotFound unless the key matches
    codes = app.door.wallet_codes(view.ticket)
    return WalletCodesOut(ticket_id=ticket_id, step_seconds=STEP_SECONDS, first_step=codes.first_step,
                          signatures=codes.signatures)


@router.get("/tickets/{ticket_id}/door-codes", response_model=WalletCodesOut, responses=ERRORS)
async def ticket_door_codes(ticket_id: str, app: ServicesDep, key: str = Query(max_length=200)) -> Response:
    """The ticket's signed door codes for the next hours, so its wallet works offline."""
    return model_response(await app.off_loop(wallet_codes_out, app, ticket_id, key))


# ------------------------------------------------------------------ who came in (organizers)
class CheckInOut(BaseModel):
    ticket_id: str
    device_id: str
    scanned_at: datetime  # offline: the device's claim
    offline: bool
    received_at: datetime | None = None  # when the server learned of it (None: recorded before this was kept)


class DoubleAdmissionOut(BaseModel):
    ticket_id: str
    first: CheckInOut
    second: CheckInOut


def checkin_out(checkin: CheckIn) -> CheckInOut:
    return CheckInOut(ticket_id=checkin.ticket_id, device_id=checkin.device_id, scanned_at=checkin.scanned_at,
                      offline=checkin.offline, received_at=checkin.received_at)


@router.get("/events/{event_id}/checkin/checkins", responses=ERRORS)
def list_checkins(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> list[CheckInOut]:
    app.catalog.own_event(organizer_id, event_id)
    return [checkin_out(c) for c in app.queries.checkins(event_id)]


@router.get("/events/{event_id}/checkin/double-admissions", responses=ERRORS)
def list_double_admissions(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> list[DoubleAdmissionOut]:
    """Tickets admitted by two devices while offline: both scans, the earlier first."""
    app.catalog.own_event(organizer_id, event_id)
    return [DoubleAdmissionOut(ticket_id=d.ticket_id, first=checkin_out(d.first), second=checkin_out(d.second))
            for d in app.queries.double_admissions(event_id)]
