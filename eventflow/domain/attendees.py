"""Who each ticket is for, and the buyer's answers to the checkout questions.

Before paying, the buyer names each held ticket's attendee (name, optional email) and answers the
event's questions (domain/questions.py); `Attendees.put` validates them and keeps one `AttendeeList`
per reservation. Slot i of the list is the i-th ticket the order will issue (reservation lines in
order, each line's quantity in turn: `ticket_slots`), so confirmation (`holders`, read once by
`Ticketing._new_order`, both payment paths) gives each ticket its attendee's name and email; nothing is
added to the reserve. After confirmation the answers stay with the reservation and are read per event
in one store call (`answer_sheet`) for the dashboard and the exports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from eventflow.domain.clock import Clock
from eventflow.domain.errors import ReservationClosed, ValidationFailed
from eventflow.domain.models import Event, EventView, Order, Reservation, ReservationStatus, Ticket
from eventflow.domain.questions import (
    MAX_NAME,
    CheckoutForm,
    Question,
    checked_answers,
    checked_questions,
    clean_text,
)

# accounts.EMAIL_RE's rule; not imported from there, which depends on the ports (a cycle through AttendeeStore).
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    email: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)  # question id -> answer (per-ticket questions)


@dataclass(frozen=True, slots=True)
class AttendeeList:
    """A reservation's attendees, one per ticket slot, and its per-order answers."""

    reservation_id: str
    event_id: str
    attendees: tuple[Attendee, ...]
    order_answers: Mapping[str, str] = field(default_factory=dict)
    saved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    """What the checkout asks for one ticket."""

    index: int
    tier_id: str
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class AttendeeSlots:
    """A held reservation's form: names (when the event asks), per-ticket and per-order questions."""

    reservation: Reservation
    form: CheckoutForm
    slots: tuple[Slot, ...]
    order_questions: tuple[Question, ...]


class AttendeeStore(Protocol):
    """Checkout forms per event and attendee lists per reservation (store/*/attendees.py)."""

    def get_checkout_form(self, event_id: str) -> CheckoutForm | None:
        """The event's saved form, or None (then the default: names asked, no questions)."""

    def save_checkout_form(self, form: CheckoutForm) -> None:
        """Insert or overwrite the event's form."""

    def get_attendees(self, event_id: str, reservation_id: str) -> AttendeeList | None:
        """The reservation's list, or None when none was saved (or it belongs to another event)."""

    def save_attendees(self, attendees: AttendeeList) -> None:
        """Insert or overwrite the reservation's list (keyed by reservation id)."""

    def list_attendees(self, event_id: str) -> list[AttendeeList]:
        """Every saved list of the event, ordered by reservation id."""


class ReservationSource(Protocol):
    def get_reservation(self, reservation_id: str) -> Reservation: ...


class EventSource(Protocol):
    def own_event(self, organizer_id: str, event_id: str) -> Event: ...

    def event_view(self, event_id: str) -> EventView: ...


def ticket_slots(reservation: Reservation) -> list[str]:
    """The tier of each ticket the order will issue, in issue order (as `Ticketing._new_order`)."""
    return [line.tier_id for line in reservation.lines for _ in range(line.quantity)]


def holders(reservation: Reservation, saved: AttendeeList | None) -> list[tuple[str, str]]:
    """(name, email) per ticket slot: the attendee's, else the buyer's name and no email."""
    named = list(saved.attendees) if saved is not None else []
    return [
        (named[i].name or reservation.buyer.name, named[i].email) if i < len(named) else (reservation.buyer.name, "")
        for i in range(reservation.quantity)
    ]


def checked_email(value: str, where: str) -> str:
    email = value.strip().lower()
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        raise ValidationFailed("Enter a valid email address", field=where)
    return email


class QuestionUnanswered(ValidationFailed):
    """Please answer the required questions first"""

    def __init__(self, question: Question, ticket: int | None) -> None:
        # Named as the API takes answers: per-order ones ride on the first attendee (PUT .../attendees).
        super().__init__(field=f"attendees[{ticket or 0}].answers.{question.id}")
        self.question, self.ticket = question, ticket  # ticket: its slot (0-based); None for a per-order question
        # The API's error body is `{error, detail}` and nothing else: its detail ends with the field, so a client
        # can point at the input (`...first: attendees[0].answers.<id>`). Pages translate the template (no field)
        # and mark the input themselves (pages/components/attendee_form.py).
        self.detail = f"{self.template}: {self.field}"


def first_unanswered(store: AttendeeStore, reservation: Reservation) -> QuestionUnanswered | None:
    """Checkout's check: the first required question not answered yet (per order first, then ticket by
    ticket), or None; no read of the attendees unless the event has a required question."""
    form = store.get_checkout_form(reservation.event_id)
    if form is None or not any(q.required for q in form.questions):
        return None
    saved = store.get_attendees(reservation.event_id, reservation.id)
    tiers = ticket_slots(reservation)
    for question in form.order_questions(list(dict.fromkeys(tiers))):
        if question.required and not (saved and saved.order_answers.get(question.id)):
            return QuestionUnanswered(question, None)
    for i, tier_id in enumerate(tiers):
        for question in form.ticket_questions(tier_id):
            if question.required and not (saved and i < len(saved.attendees)
                                          and saved.attendees[i].answers.get(question.id)):
                return QuestionUnanswered(question, i)
    return None


def missing_answers(store: AttendeeStore, reservation: Reservation) -> str | None:
    """The label of a required question not answered yet, or None."""
    missing = first_unanswered(store, reservation)
    return missing.question.label if missing is not None else None


class Attendees:
    """The organizer's checkout form and the buyer's attendees and answers."""

    def __init__(self, store: AttendeeStore, clock: Clock, reservations: ReservationSource,
                 events: EventSource) -> None:
        self.store, self.clock, self.reservations, self.events = store, clock, reservations, events

    # ------------------------------------------------------------ organizer
    def form(self, event_id: str) -> CheckoutForm:
        return self.store.get_checkout_form(event_id) or CheckoutForm(event_id)

    def own_form(self, organizer_id: str, event_id: str) -> CheckoutForm:
        self.events.own_event(organizer_id, event_id)
        return self.form(event_id)

    def save_form(self, organizer_id: str, event_id: str, ask_names: bool,
                  questions: Sequence[Question]) -> CheckoutForm:
        """Checked and saved; answers already given to a removed question stay with their orders."""
        self.events.own_event(organizer_id, event_id)
        tier_ids = {t.id for t in self.events.event_view(event_id).tiers}
        form = CheckoutForm(event_id, ask_names, checked_questions(questions, tier_ids))
        self.store.save_checkout_form(form)
        return form

    # ------------------------------------------------------------ buyer
    def slots(self, reservation_id: str) -> AttendeeSlots:
        reservation = self.reservations.get_reservation(reservation_id)
        form = self.form(reservation.event_id)
        tiers = ticket_slots(reservation)
        return AttendeeSlots(reservation, form,
                             tuple(Slot(i, t, tuple(form.ticket_questions(t))) for i, t in enumerate(tiers)),
                             tuple(form.order_questions(list(dict.fromkeys(tiers)))))

    def current(self, reservation_id: str) -> tuple[AttendeeSlots, AttendeeList]:
        """The form and what is saved, or a first list prefilled from the buyer (first ticket: the buyer)."""
        asked = self.slots(reservation_id)
        reservation = asked.reservation
        saved = self.store.get_attendees(reservation.event_id, reservation.id)
        if saved is None or len(saved.attendees) != reservation.quantity:
            buyer = reservation.buyer
            saved = AttendeeList(reservation.id, reservation.event_id, tuple(
                Attendee(buyer.name, buyer.email) if i == 0 else Attendee(buyer.name)
                for i in range(reservation.quantity)))
        return asked, saved

    def put(self, reservation_id: str, attendees: Sequence[Attendee],
            order_answers: Mapping[str, str] | None = None) -> AttendeeList:
        """Validate and keep the attendees (one per held ticket) and answers, while the hold stands.

        Per-order answers come in `order_answers`, or (as the API sends them) among the first
        attendee's answers."""
        asked = self.slots(reservation_id)
        reservation = asked.reservation
        if reservation.status is not ReservationStatus.HELD:
            raise ReservationClosed("Attendees can only change while the tickets are held")
        if len(attendees) != len(asked.slots):
            raise ValidationFailed("Send one attendee per ticket held", field="attendees")
        order_ids = {q.id for q in asked.order_questions}
        given_order = dict(order_answers or {})
        if attendees:  # per-order answers may ride on the first attendee
            given_order.update({k: v for k, v in attendees[0].answers.items() if k in order_ids})
        checked = tuple(self._checked(asked.slots[i], a, order_ids if i == 0 else set())
                        for i, a in enumerate(attendees))
        kept = AttendeeList(reservation.id, reservation.event_id, checked,
                            checked_answers(asked.order_questions, given_order, "answers"), self.clock.now())
        self.store.save_attendees(kept)
        return kept

    @staticmethod
    def _checked(slot: Slot, attendee: Attendee, skip: set[str]) -> Attendee:
        where = f"attendees[{slot.index}]"
        name = clean_text(attendee.name, MAX_NAME, f"{where}.name", one_line=True)
        if not name:
            raise ValidationFailed("Enter the attendee's name", field=f"{where}.name")
        answers = {k: v for k, v in attendee.answers.items() if k not in skip}
        return Attendee(name, checked_email(attendee.email, f"{where}.email"),
                        checked_answers(slot.questions, answers, f"{where}.answers"))

    def missing_answers(self, reservation: Reservation) -> str | None:
        return missing_answers(self.store, reservation)

    # ------------------------------------------------------------ reading back
    def answer_sheet(self, event_id: str) -> AnswerSheet:
        """Every answer of the event, for the dashboard and the exports: one store read."""
        return AnswerSheet(self.form(event_id).questions, self.store.list_attendees(event_id))


class AnswerSheet:
    """The answers of an event's orders and tickets, by reservation and ticket slot."""

    def __init__(self, questions: Sequence[Question], lists: Sequence[AttendeeList]) -> None:
        self.questions = tuple(questions)
        self._lists = {lst.reservation_id: lst for lst in lists}

    def knows(self, order: Order) -> bool:
        """Whether the order's attendees were read (an order without any saved is not known either)."""
        return order.reservation_id in self._lists

    def for_order(self, order: Order) -> dict[str, str]:
        saved = self._lists.get(order.reservation_id)
        return dict(saved.order_answers) if saved else {}

    def for_ticket(self, order: Order, ticket: Ticket) -> dict[str, str]:
        """The ticket's own answers and its order's (a per-ticket row carries both)."""
        saved = self._lists.get(order.reservation_id)
        if saved is None:
            return {}
        slot = next((i for i, t in enumerate(order.tickets) if t.id == ticket.id), len(saved.attendees))
        own = saved.attendees[slot].answers if slot < len(saved.attendees) else {}
        return {**saved.order_answers, **own}

    def columns(self) -> list[str]:
        return [q.label for q in self.questions]

    def cells(self, order: Order, ticket: Ticket) -> list[str]:
        answers = self.for_ticket(order, ticket)
        return [answers.get(q.id, "") for q in self.questions]

    def summary(self, order: Order) -> str:
        """One line for the attendee table: `Label: answer; ...` over the order and its tickets."""
        # "Size: M", but "Dietary needs? vegan" rather than "needs?: vegan"
        labels = {q.id: q.label if q.label.endswith(("?", ":")) else q.label + ":" for q in self.questions}
        parts = [f"{labels[k]} {v}" for k, v in self.for_order(order).items() if k in labels]
        saved = self._lists.get(order.reservation_id)
        for n, attendee in enumerate(saved.attendees[:len(order.tickets)] if saved else (), 1):
            parts += [f"#{n} {labels[k]} {v}" for k, v in attendee.answers.items() if k in labels]
        return "; ".join(parts)
