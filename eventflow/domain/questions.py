"""Checkout questions: what an organizer asks buyers (per order or per ticket, for the whole event or
some tiers) and whether each ticket gets its attendee's name; the rules answers must keep.

Answers are plain text keyed by question id: a text as typed (any letters, emoji, quotes; bounded),
a choice exactly one of its options, a checkbox "yes" or "" (a required checkbox must be ticked: "I
accept the house rules"). A bad answer raises `ValidationFailed` naming the input, so the API answers
422 with the field and the checkout page shows it next to that input.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from eventflow.domain.errors import ValidationFailed

MAX_QUESTIONS = 30
MAX_LABEL = 200
MAX_OPTIONS = 30
MAX_OPTION = 100
MAX_ANSWER = 1000
MAX_NAME = 120
CHECKED = "yes"
TICKED = (CHECKED, "true", "on", "1")  # what a ticked box may be sent as (API clients, forms)
# C0 controls but tab and newline (and DEL): nothing a person types, and they break exports and mail headers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\t\u2028\u2029]")


class QuestionKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    CHECKBOX = "checkbox"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    label: str
    kind: QuestionKind = QuestionKind.TEXT
    options: tuple[str, ...] = ()  # a choice's options, in the order shown
    required: bool = False
    per_ticket: bool = False  # asked once per ticket (else once per order)
    tier_ids: tuple[str, ...] = ()  # asked only for these tiers; empty: every tier

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", QuestionKind(self.kind))

    def asks_tier(self, tier_id: str) -> bool:
        return not self.tier_ids or tier_id in self.tier_ids


@dataclass(frozen=True, slots=True)
class CheckoutForm:
    """An event's checkout settings: names per ticket (default on) and its questions, in order."""

    event_id: str
    ask_names: bool = True
    questions: tuple[Question, ...] = field(default_factory=tuple)

    def order_questions(self, tier_ids: Sequence[str]) -> list[Question]:
        """Asked once: per-order questions of the whole event or of a tier the order has."""
        return [q for q in self.questions if not q.per_ticket and any(q.asks_tier(t) for t in tier_ids)]

    def ticket_questions(self, tier_id: str) -> list[Question]:
        """Asked for each ticket of this tier."""
        return [q for q in self.questions if q.per_ticket and q.asks_tier(tier_id)]


def clean_text(value: str, limit: int, field_name: str, one_line: bool = False) -> str:
    """Trimmed text within `limit` characters, without control characters (newlines only where allowed)."""
    text = value.strip()
    if len(text) > limit:
        raise ValidationFailed("This text is too long", field=field_name)
    if _CONTROL.search(text) or (one_line and _LINE_BREAK.search(text)):
        raise ValidationFailed("This text contains characters that cannot be used", field=field_name)
    return text


def checked_question(question: Question, tier_ids: set[str], where: str) -> Question:
    """The organizer's question, trimmed and checked; `where` names it in errors (`questions[2]`)."""
    label = clean_text(question.label, MAX_LABEL, f"{where}.label", one_line=True)
    if not label:
        raise ValidationFailed("Write the question", field=f"{where}.label")
    options = tuple(clean_text(o, MAX_OPTION, f"{where}.options", one_line=True)
                    for o in question.options)
    if question.kind is QuestionKind.CHOICE:
        if len(options) < 2 or len(options) > MAX_OPTIONS or "" in options or len(set(options)) != len(options):
            raise ValidationFailed("A choice needs 2 to 30 different options", field=f"{where}.options")
    elif options:
        raise ValidationFailed("Only a choice has options", field=f"{where}.options")
    unknown = [t for t in question.tier_ids if t not in tier_ids]
    if unknown:
        raise ValidationFailed("No such tier", field=f"{where}.tier_ids")
    return Question(question.id or new_question_id(), label, question.kind, options, question.required,
                    question.per_ticket, tuple(dict.fromkeys(question.tier_ids)))


def checked_questions(questions: Sequence[Question], tier_ids: set[str]) -> tuple[Question, ...]:
    if len(questions) > MAX_QUESTIONS:
        raise ValidationFailed("At most 30 questions", field="questions")
    checked = tuple(checked_question(q, tier_ids, f"questions[{i}]") for i, q in enumerate(questions))
    if len({q.id for q in checked}) != len(checked):
        raise ValidationFailed("Two questions have the same id", field="questions")
    return checked


def new_question_id() -> str:
    return "q_" + secrets.token_hex(4)


def checked_answer(question: Question, value: str, where: str) -> str:
    """One answer as stored ("" for none), or ValidationFailed naming `where`."""
    if question.kind is QuestionKind.CHECKBOX:
        word = value.strip().lower()
        if word not in (*TICKED, "", "no", "false", "off", "0"):
            raise ValidationFailed("Tick the box or leave it", field=where)
        answer = CHECKED if word in TICKED else ""
    elif question.kind is QuestionKind.CHOICE:
        answer = value.strip()
        if answer and answer not in question.options:
            raise ValidationFailed("Choose one of the options", field=where)
    else:
        answer = clean_text(value, MAX_ANSWER, where)
    if question.required and not answer:
        raise ValidationFailed("Please answer this question", field=where)
    return answer


def checked_answers(questions: Sequence[Question], answers: Mapping[str, str], where: str) -> dict[str, str]:
    """The answers to exactly these questions (unknown ids refused, missing ones empty unless required)."""
    asked = {q.id: q for q in questions}
    unknown = [qid for qid in answers if qid not in asked]
    if unknown:
        raise ValidationFailed("No such question here", field=f"{where}.{unknown[0]}")
    kept = {q.id: checked_answer(q, answers.get(q.id, ""), f"{where}.{q.id}") for q in questions}
    return {qid: answer for qid, answer in kept.items() if answer}
