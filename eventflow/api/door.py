"""The door: organizers hand out and revoke staff links; staff devices fetch the manifest, scan
online and upload offline scans; organizers read who came in (and who was admitted twice).

Staff routes (`/staff/me`, `/checkin/manifest|scan|sync`) serve a door queue, so they are `async`
and reach the store through `Services.off_loop`, once per request; organizer routes are plain `def`."""

from __future__ import annotations

from datetime import datetime

from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, Field

from eventflow.api.deps import OrganizerDep, ServicesDep, StaffDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict, model_response
from eventflow.domain.checkin import OfflineScan, ScanOutcome, ScanResult
from eventflow.domain.codes import door_rules
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
    secret: str
    status: str
    checked_in_at: datetime | None = None  # left out while not checked in (keeps 10,000 tickets < 2 MB)


class ManifestOut(BaseModel):
    event_id: str
    title: str
    generated_at: datetime
    # The code window (eventflow/domain/codes.py), so the scanner judges codes offline as the server does.
    step_seconds: int
    digits: int
    accepted_steps: list[int]
    stale_lookback_steps: int  # an older code within this many steps is a screenshot (`stale_code`)
    tiers: list[str]
    tickets: list[ManifestTicketOut]


class ScanIn(Strict):
    code: str = Field(max_length=200)
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


class OfflineScanIn(Strict):
    ticket_id: str = Field(max_length=64)
    code: str = Field(max_length=200)  # the rotating digits, or the whole QR payload EF1.<ticket_id>.<code>
    scanned_at: AwareDatetime
    nonce: str = Field(max_length=100)


class SyncIn(Strict):
    device_id: str = Field(max_length=64)
    scans: list[OfflineScanIn] = Field(max_length=500)


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
        event_id=event.id, title=event.title, generated_at=manifest.generated_at, **door_rules(), tiers=tiers,
        tickets=[ManifestTicketOut(id=t.id, order=t.order, tier=position[t.tier], holder=t.holder, secret=t.secret,
                                   status=t.status.value, checked_in_at=t.checked_in_at) for t in manifest.tickets],
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


def sync_offline_scans(app: Services, staff: StaffAccess, body: SyncIn) -> SyncOut:
    outcomes = app.door.sync(
        staff_event(app, staff), device_name(staff, body.device_id),
        [OfflineScan(s.ticket_id, s.code, s.scanned_at, s.nonce) for s in body.scans],
    )
    return SyncOut(results=[
        SyncResultOut(nonce=scan.nonce, **scan_out(outcome).model_dump())
        for scan, outcome in zip(body.scans, outcomes, strict=True)
    ])


@router.post("/events/{event_id}/checkin/sync", response_model=SyncOut, responses=ERRORS)
async def checkin_sync(event_id: str, body: SyncIn, app: ServicesDep, staff: StaffDep) -> Response:
    """A device's offline scans, each judged at its own `scanned_at`; sending a batch again is safe."""
    return model_response(await app.off_loop(sync_offline_scans, app, staff, body))


# ------------------------------------------------------------------ who came in (organizers)
class CheckInOut(BaseModel):
    ticket_id: str
    device_id: str
    scanned_at: datetime
    offline: bool


class DoubleAdmissionOut(BaseModel):
    ticket_id: str
    first: CheckInOut
    second: CheckInOut


def checkin_out(checkin: CheckIn) -> CheckInOut:
    return CheckInOut(ticket_id=checkin.ticket_id, device_id=checkin.device_id, scanned_at=checkin.scanned_at,
                      offline=checkin.offline)


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
