"""When an event cannot happen as sold: cancel or postpone it, void an order, a buyer's refund request.

`POST /events/{id}/cancel` answers 202 at once: sales have stopped and the door refuses the tickets;
refunds and mails follow in a resumable batch (domain/cancellation.py) whose progress
`GET /events/{id}` (as `change`) and `GET /events/{id}/change` show. Organizer routes are plain
`def` (FastAPI's thread pool): voiding a card order waits for Stripe.
"""

from __future__ import annotations

from datetime import datetime

from fastapi.responses import Response
from pydantic import BaseModel, Field

from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import CatalogInstant, Strict, model_response
from eventflow.domain.cancellation import Settled
from eventflow.domain.errors import NotFound
from eventflow.domain.event_changes import ChangeKind, EventChange

router = resource_router()


class CancelIn(Strict):
    message: str = Field(default="", max_length=5_000)


class PostponeIn(Strict):
    starts_at: CatalogInstant
    ends_at: CatalogInstant
    refund_deadline: CatalogInstant  # buyers may ask for a full refund until then
    message: str = Field(default="", max_length=5_000)


class VoidIn(Strict):
    reason: str = Field(default="", max_length=500)


class FailureOut(BaseModel):
    order_id: str
    reason: str


class ProgressOut(BaseModel):
    done: int  # orders settled (refunded if paid, buyer mailed)
    total: int
    failed: int
    percent: int  # done / total; 100 only when every order is settled
    failures: list[FailureOut] | None = None  # the organizer's view only


class ChangeOut(BaseModel):
    kind: str  # cancelled | postponed
    status: str  # cancelling | cancelled | postponing | postponed
    message: str
    created_at: datetime
    finished_at: datetime | None
    progress: ProgressOut
    starts_at: datetime | None = None  # postponed: the new date
    ends_at: datetime | None = None
    refund_deadline: datetime | None = None  # postponed: refunds on request until then


class SettledOut(BaseModel):
    order_id: str
    status: str  # void | refunded
    refunded_minor: int
    currency: str
    refund_id: str | None
    demo: bool  # paid with the demo provider: recorded as refunded, no money moved


def change_out(change: EventChange, owner: bool) -> ChangeOut:
    busy = change.busy
    status = {ChangeKind.CANCELLED: ("cancelling", "cancelled"),
              ChangeKind.POSTPONED: ("postponing", "postponed")}[change.kind][0 if busy else 1]
    failures = [FailureOut(order_id=o, reason=why) for o, why in change.failures] if owner else None
    return ChangeOut(
        kind=change.kind.value, status=status, message=change.message, created_at=change.created_at,
        finished_at=change.finished_at, starts_at=change.starts_at, ends_at=change.ends_at,
        refund_deadline=change.refund_deadline,
        progress=ProgressOut(done=change.done, total=change.total, failed=change.failed, percent=change.percent,
                             failures=failures))


def settled_out(settled: Settled, status: str) -> SettledOut:
    return SettledOut(order_id=settled.order.id, status=status, refunded_minor=settled.refunded_minor,
                      currency=settled.order.currency, refund_id=settled.refund.id if settled.refund else None,
                      demo=settled.demo)


@router.post("/events/{event_id}/cancel", status_code=202, response_model=ChangeOut, responses=ERRORS)
def cancel_event(event_id: str, body: CancelIn, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Cancel: sales stop and tickets are refused now; every paid order is refunded in full and every
    buyer mailed by a batch (202; follow it on `GET /events/{id}`). Asking again answers the same batch."""
    change = app.cancellations.cancel(organizer_id, event_id, body.message)
    return model_response(change_out(change, owner=True), status=202)


@router.post("/events/{event_id}/postpone", status_code=202, response_model=ChangeOut, responses=ERRORS)
def postpone_event(event_id: str, body: PostponeIn, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """A new date: tickets stay valid, every buyer is mailed, refunds on request until `refund_deadline`."""
    change = app.cancellations.postpone(organizer_id, event_id, starts_at=body.starts_at, ends_at=body.ends_at,
                                        refund_deadline=body.refund_deadline, message=body.message)
    return model_response(change_out(change, owner=True), status=202)


@router.get("/events/{event_id}/change", response_model=ChangeOut, responses=ERRORS)
def event_change(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> ChangeOut:
    """The event's cancellation or postponement: progress, and failures with their reasons."""
    change = app.cancellations.progress(organizer_id, event_id)
    if change is None:
        raise NotFound("This event was neither cancelled nor postponed")
    return change_out(change, owner=True)


@router.post("/events/{event_id}/change/retry", status_code=202, response_model=ChangeOut, responses=ERRORS)
def retry_failed_orders(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Try the failed orders again (the batch takes them on its next run)."""
    return model_response(change_out(app.cancellations.retry_failures(organizer_id, event_id), owner=True), 202)


@router.post("/orders/{order_id}/void", response_model=SettledOut, responses=ERRORS)
def void_order(order_id: str, body: VoidIn, app: ServicesDep, organizer_id: OrganizerDep) -> SettledOut:
    """Void an order of one of your events (free, demo and card orders): its tickets stop working,
    what is left of it is refunded, the buyer is mailed. Repeating it changes nothing."""
    return settled_out(app.cancellations.void_order(organizer_id, order_id, body.reason), "void")


@router.post("/reservations/{reservation_id}/refund-request", response_model=SettledOut, responses=ERRORS)
def request_refund(reservation_id: str, app: ServicesDep) -> SettledOut:
    """The buyer of a postponed event asks for a full refund, until the organizer's deadline (the
    reservation id from the order page is the capability, as for the order page itself)."""
    return settled_out(app.cancellations.request_refund(reservation_id), "refunded")
