"""Checkout before a required answer names the input (issue 17): the first unanswered required question —
per order first, then ticket by ticket — comes back as `QuestionUnanswered` with the field as the API takes
answers (`attendees[i].answers.<id>`; per-order answers ride on the first attendee) and its question."""

from __future__ import annotations

from dataclasses import replace

from eventflow.domain.attendees import Attendee, first_unanswered
from eventflow.domain.questions import Question, QuestionKind
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.domain.test_attendees import BUYER, setup

SIZE = Question("size", "T-shirt size", QuestionKind.CHOICE, ("S", "M", "L"), required=True, per_ticket=True)
RULES = Question("rules", "I accept the house rules", QuestionKind.CHECKBOX, required=True)


def test_the_first_unanswered_required_question_is_named_with_its_field(service: Ticketing) -> None:
    attendees, event_id, tiers = setup(service, SIZE, RULES)
    held = service.reserve(event_id, [LineRequest(tiers[0], 2)], BUYER)
    missing = first_unanswered(service.store, held)
    assert missing is not None and missing.field == "attendees[0].answers.rules"  # per order, on the first
    assert (missing.question.id, missing.ticket) == ("rules", None)
    assert missing.detail == "Please answer the required questions first: attendees[0].answers.rules"
    assert missing.template == "Please answer the required questions first"  # what pages translate
    attendees.put(held.id, [Attendee("Ann", answers={"size": "S"}), Attendee("Bo", answers={"size": "M"})],
                  {"rules": "yes"})
    assert first_unanswered(service.store, held) is None
    # The organizer adds a required per-ticket question after the buyer answered: each ticket's is named.
    diet = Question("diet", "Dietary needs", required=True, per_ticket=True)
    event = service.store.get_event(event_id)
    assert event is not None
    attendees.save_form(event.organizer_id, event_id, True, [SIZE, RULES, diet])
    missing = first_unanswered(service.store, held)
    assert missing is not None and (missing.field, missing.ticket) == ("attendees[0].answers.diet", 0)
    saved = service.store.get_attendees(event_id, held.id)
    assert saved is not None
    first = replace(saved.attendees[0], answers={**saved.attendees[0].answers, "diet": "none"})
    service.store.save_attendees(replace(saved, attendees=(first, saved.attendees[1])))
    missing = first_unanswered(service.store, held)
    assert missing is not None and (missing.field, missing.ticket) == ("attendees[1].answers.diet", 1)
    assert missing.question.label == "Dietary needs"
