"""A `CheckoutForm` and an `AttendeeList` (domain/attendees.py, domain/questions.py) as JSON texts, shared
by both stores: each read and written whole (a form per event, a list per reservation)."""

from __future__ import annotations

import json
from typing import Any

from eventflow.domain.attendees import Attendee, AttendeeList
from eventflow.domain.questions import CheckoutForm, Question
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t


def _dumps(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def form_to_text(form: CheckoutForm) -> str:
    return _dumps({"event_id": form.event_id, "ask_names": form.ask_names, "questions": [
        {"id": q.id, "label": q.label, "kind": q.kind.value, "options": list(q.options), "required": q.required,
         "per_ticket": q.per_ticket, "tier_ids": list(q.tier_ids)} for q in form.questions]})


def form_from_text(text: str) -> CheckoutForm:
    body = json.loads(text)
    return CheckoutForm(body["event_id"], bool(body.get("ask_names", True)), tuple(
        Question(q["id"], q["label"], q["kind"], tuple(q.get("options", ())), bool(q.get("required")),
                 bool(q.get("per_ticket")), tuple(q.get("tier_ids", ()))) for q in body.get("questions", ())))


def attendees_to_text(attendees: AttendeeList) -> str:
    return _dumps({
        "reservation_id": attendees.reservation_id, "event_id": attendees.event_id,
        "attendees": [{"name": a.name, "email": a.email, "answers": dict(a.answers)} for a in attendees.attendees],
        "order_answers": dict(attendees.order_answers), "saved_at": t2s(attendees.saved_at),
    })


def attendees_from_text(text: str) -> AttendeeList:
    body = json.loads(text)
    return AttendeeList(
        body["reservation_id"], body["event_id"],
        tuple(Attendee(a["name"], a.get("email", ""), dict(a.get("answers", {}))) for a in body["attendees"]),
        dict(body.get("order_answers", {})), s2t(body.get("saved_at")))
