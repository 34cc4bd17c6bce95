"""Names per ticket and checkout questions (domain/attendees.py, domain/questions.py).

Buyer routes (the reservation id is the capability, as on the other reservation routes) are `async` and
reach the store through `Services.off_loop`: `GET/PUT /reservations/{id}/attendees` (one entry per held
ticket: `{name, email?, answers?}`; per-order questions answered in the first entry's `answers`) and
`GET /reservations/{id}/questions` (what to ask). Organizer routes `GET/PUT /events/{id}/questions` are
plain `def` (FastAPI's thread pool); another organizer's event is 404. A bad entry is 422 naming it
(`attendees[1].email`, as FastAPI names a bad field: `{"error": "validation_error", "detail": [{field,
message}]}`); attendees of a reservation no longer held (paid, cancelled, expired) are 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, StrictBool

from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS, error_response
from eventflow.api.schemas import Strict, json_response
from eventflow.domain.attendees import Attendee, AttendeeList, AttendeeSlots
from eventflow.domain.errors import ValidationFailed
from eventflow.domain.questions import CHECKED, CheckoutForm, Question, QuestionKind

router = resource_router()
Answer = str | StrictBool  # a checkbox may be sent as true/false


class AttendeeIn(Strict):
    name: str = Field(max_length=1000)  # the domain's limit (120) answers with the entry's field name
    email: str | None = Field(default=None, max_length=1000)
    answers: dict[str, Answer] | None = Field(default=None, max_length=100)


class AttendeeOut(BaseModel):
    name: str
    email: str
    answers: dict[str, str]
    tier_id: str


class QuestionIn(Strict):
    id: str | None = Field(default=None, max_length=40)
    label: str = Field(max_length=1000)
    kind: QuestionKind = QuestionKind.TEXT
    options: list[str] = Field(default_factory=list, max_length=100)
    required: StrictBool = False
    per_ticket: StrictBool = False
    tier_ids: list[str] = Field(default_factory=list, max_length=50)


class QuestionOut(BaseModel):
    id: str
    label: str
    kind: QuestionKind
    options: list[str]
    required: bool
    per_ticket: bool
    tier_ids: list[str]


class FormIn(Strict):
    ask_names: StrictBool = True
    questions: list[QuestionIn] = Field(default_factory=list, max_length=100)


class FormOut(BaseModel):
    ask_names: bool
    questions: list[QuestionOut]


class TicketQuestionsOut(BaseModel):
    tier_id: str
    questions: list[str]  # ids of the questions asked for this ticket


class ReservationQuestionsOut(FormOut):
    order_questions: list[str]  # ids asked once per order (answer them in the first attendee's `answers`)
    tickets: list[TicketQuestionsOut]


def invalid(problem: ValidationFailed) -> JSONResponse:
    return error_response(422, "validation_error", [{"field": problem.field or "body", "message": problem.detail}])


def question_json(q: Question) -> dict[str, Any]:
    return {"id": q.id, "label": q.label, "kind": q.kind.value, "options": list(q.options), "required": q.required,
            "per_ticket": q.per_ticket, "tier_ids": list(q.tier_ids)}


def form_json(form: CheckoutForm) -> dict[str, Any]:
    return {"ask_names": form.ask_names, "questions": [question_json(q) for q in form.questions]}


def attendees_json(asked: AttendeeSlots, saved: AttendeeList) -> list[dict[str, Any]]:
    return [{"name": a.name, "email": a.email,
             "answers": {**(saved.order_answers if i == 0 else {}), **a.answers}, "tier_id": slot.tier_id}
            for i, (slot, a) in enumerate(zip(asked.slots, saved.attendees, strict=False))]


def text_answer(value: Answer) -> str:
    if isinstance(value, bool):
        return CHECKED if value else ""
    return value


@router.get("/reservations/{reservation_id}/attendees", response_model=list[AttendeeOut], responses=ERRORS)
async def get_attendees(reservation_id: str, app: ServicesDep) -> Response:
    """One entry per held ticket: what was saved, or the first list (ticket 1 prefilled with the buyer)."""
    asked, saved = await app.off_loop(app.attendees.current, reservation_id)
    return json_response(attendees_json(asked, saved))


@router.put("/reservations/{reservation_id}/attendees", response_model=list[AttendeeOut], responses=ERRORS)
async def put_attendees(reservation_id: str, app: ServicesDep,
                        body: Annotated[list[AttendeeIn], Body(max_length=100)]) -> Response:
    """Name each held ticket's attendee and answer the questions, before checkout; the tickets are issued
    with these names. 422 names the entry (`attendees[2].name`); 409 once the reservation is paid or closed."""
    given = [Attendee(a.name, a.email or "", {k: text_answer(v) for k, v in (a.answers or {}).items()})
             for a in body]
    try:
        await app.off_loop(app.attendees.put, reservation_id, given)
    except ValidationFailed as problem:
        return invalid(problem)
    asked, saved = await app.off_loop(app.attendees.current, reservation_id)
    return json_response(attendees_json(asked, saved))


@router.get("/reservations/{reservation_id}/questions", response_model=ReservationQuestionsOut, responses=ERRORS)
async def reservation_questions(reservation_id: str, app: ServicesDep) -> Response:
    """What the checkout asks for this reservation: names (`ask_names`), per-order and per-ticket questions."""
    asked = await app.off_loop(app.attendees.slots, reservation_id)
    shown = {q.id: q for q in asked.order_questions} | {q.id: q for s in asked.slots for q in s.questions}
    return json_response({
        "ask_names": asked.form.ask_names, "questions": [question_json(q) for q in shown.values()],
        "order_questions": [q.id for q in asked.order_questions],
        "tickets": [{"tier_id": s.tier_id, "questions": [q.id for q in s.questions]} for s in asked.slots],
    })


@router.get("/events/{event_id}/questions", response_model=FormOut, responses=ERRORS)
def get_questions(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """The event's checkout form: whether each ticket's attendee is named, and its questions."""
    return json_response(form_json(app.attendees.own_form(organizer_id, event_id)))


@router.put("/events/{event_id}/questions", response_model=FormOut, responses=ERRORS)
def put_questions(event_id: str, body: FormIn, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Replace the checkout form. Questions without an `id` get one; keep a question's id to keep its answers
    in the exports. 422 names the question (`questions[1].options`)."""
    questions = [Question(q.id or "", q.label, q.kind, tuple(q.options), q.required, q.per_ticket, tuple(q.tier_ids))
                 for q in body.questions]
    try:
        form = app.attendees.save_form(organizer_id, event_id, body.ask_names, questions)
    except ValidationFailed as problem:
        return invalid(problem)
    return json_response(form_json(form))
