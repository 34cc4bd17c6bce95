"""The checkout's "Who are the tickets for?" part: a name (and optional email) per ticket when the event
asks names and the order has more than one ticket, and the organizer's questions (per order, per ticket).

Ticket 1 is prefilled with the buyer; a name left empty gives that ticket the buyer's name (a single
ticket is the buyer's own, named on the event page: not asked again). The checkout's Pay saves the
form first (`AttendeeForm.save`: the domain validates, domain/attendees.py) and pays only when it
was accepted; a refusal is shown under the form, naming the ticket, and on the input it is about (the
domain's `field`: `attendees[1].email`, `answers.<question>`; a required question the checkout finds
unanswered, `attendees[0].answers.<question>`, is marked the same way). Inputs carry stable labels and
`data-testid`s (`attendee-name-0`, `attendee-email-0`, `question-<id>-<slot>`; the contract in
/work/notes/i17-contract.md) for browser tests and screen readers.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from eventflow.domain.attendees import Attendee, AttendeeList, AttendeeSlots
from eventflow.domain.errors import DomainError, ValidationFailed
from eventflow.domain.models import Reservation
from eventflow.domain.questions import CHECKED, Question, QuestionKind
from eventflow.i18n import _, error_text
from eventflow.services import Services

Reader = Callable[[], str]
Input = ui.input | ui.select | ui.checkbox


def ticket_number(field: str | None) -> int | None:
    """`attendees[2].email` -> 3 (the ticket as the buyer counts them)."""
    if field and field.startswith("attendees[") and "]" in field:
        index = field[len("attendees["):field.index("]")]
        return int(index) + 1 if index.isdigit() else None
    return None


def question_input(question: Question, slot: str, value: str, suffix: str = "",
                   inputs: dict[str, Input] | None = None) -> Reader:
    """One question's input; returns how to read its answer back. `inputs` gets it under its fields."""
    kept = inputs if inputs is not None else {}
    fields = ([f"answers.{question.id}", f"attendees[0].answers.{question.id}"] if slot == "order"
              else [f"attendees[{slot}].answers.{question.id}"])
    label = question.label + suffix + (" *" if question.required else "")
    props = f'data-testid=question-{question.id}-{slot} aria-label="{label.replace(chr(34), chr(39))}"'
    if question.kind is QuestionKind.CHECKBOX:
        box = ui.checkbox(label, value=value == CHECKED).props(props)
        kept.update(dict.fromkeys(fields, box))
        return lambda: CHECKED if box.value else ""
    if question.kind is QuestionKind.CHOICE:
        chosen = ui.select(list(question.options), label=label, value=value or None).props(
            f"outlined dense {props}").classes("w-full")
        kept.update(dict.fromkeys(fields, chosen))
        return lambda: str(chosen.value or "")
    text = ui.input(label, value=value).props(f"outlined dense maxlength=1000 {props}").classes("w-full")
    kept.update(dict.fromkeys(fields, text))
    return lambda: str(text.value or "")


class AttendeeForm:
    """What the checkout asks before Pay; `save()` is True when there was nothing to ask or it was kept."""

    def __init__(self, services: Services, reservation: Reservation, asked: AttendeeSlots | None,
                 saved: AttendeeList | None) -> None:
        self.services, self.reservation = services, reservation
        self.names: list[tuple[Reader, Reader]] = []
        self.order_answers: dict[str, Reader] = {}
        self.ticket_answers: list[dict[str, Reader]] = []
        self.error: ui.label | None = None
        self.inputs: dict[str, Input] = {}  # by the domain's field names, to mark the one a refusal is about
        self.marked: list[Input] = []
        if asked is None or saved is None:
            return
        ask_names = asked.form.ask_names and reservation.quantity > 1
        if not (ask_names or asked.order_questions or any(s.questions for s in asked.slots)):
            return
        with ui.column().classes("w-full gap-2").props("data-testid=attendee-form"):
            ui.label(_("Who are the tickets for?") if ask_names else _("A few questions from the organizer")) \
                .classes("text-lg font-semibold")
            if ask_names:
                ui.label(_("A name left empty puts yours on that ticket.")).classes("text-sm text-slate-600")
            for slot, attendee in zip(asked.slots, saved.attendees, strict=False):
                self._ticket(slot.index, slot.questions, attendee, ask_names, len(asked.slots) > 1)
            for question in asked.order_questions:
                self.order_answers[question.id] = question_input(question, "order",
                                                                 saved.order_answers.get(question.id, ""),
                                                                 inputs=self.inputs)
            self.error = ui.label().classes("text-red-700").props('data-testid=attendee-error role=alert')

    def _ticket(self, index: int, questions: tuple[Question, ...], attendee: Attendee, ask_names: bool,
                numbered: bool) -> None:
        number = index + 1
        if not (ask_names or questions):
            self.names.append((lambda: "", lambda: ""))
            self.ticket_answers.append({})
            return
        with ui.card().classes("w-full gap-1").props(f"flat bordered data-testid=attendee-{index}"):
            if numbered:
                ui.label(_("Ticket {number}").format(number=number)).classes("font-medium")
            if ask_names:
                name_label = _("Name on ticket {number}").format(number=number)
                email_label = _("Email for ticket {number} (optional)").format(number=number)
                shown = attendee.name if index == 0 or attendee.name != self.reservation.buyer.name else ""
                name = ui.input(name_label, value=shown).props(
                    f'outlined dense maxlength=120 autocomplete=name data-testid=attendee-name-{index} '
                    f'aria-label="{name_label}"').classes("w-full")
                email = ui.input(email_label, value=attendee.email).props(
                    f'outlined dense type=email maxlength=254 autocomplete=email data-testid=attendee-email-{index} '
                    f'aria-label="{email_label}"').classes("w-full")
                self.names.append((lambda: str(name.value or ""), lambda: str(email.value or "")))
                self.inputs.update({f"attendees[{index}].name": name, f"attendees[{index}].email": email})
            else:
                self.names.append((lambda: "", lambda: ""))
            suffix = f" ({_('ticket {number}').format(number=number)})" if numbered else ""
            self.ticket_answers.append({q.id: question_input(q, str(index), attendee.answers.get(q.id, ""), suffix,
                                                             self.inputs) for q in questions})

    @property
    def asks(self) -> bool:
        return self.error is not None

    def entries(self) -> list[Attendee]:
        buyer = self.reservation.buyer.name
        return [Attendee(name().strip() or buyer, email(), {k: read() for k, read in answers.items()})
                for (name, email), answers in zip(self.names, self.ticket_answers, strict=True)]

    def show(self, problem: ValidationFailed) -> bool:
        """The refusal under the form, naming the ticket, and on its input when the form has it (focused,
        so a screen reader says it); False when the form does not know that field."""
        assert self.error is not None
        number = ticket_number(problem.field)
        words = error_text(problem)
        self.error.text = words if number is None else _("Ticket {number}: {problem}").format(number=number,
                                                                                                problem=words)
        field = self.inputs.get(problem.field or "")
        if field is None:
            return False
        if isinstance(field, ui.checkbox):  # no error slot: its label says it
            field.classes(add="text-red-700")
        else:
            field.error = words  # Quasar's error state, the words under the input
        field.run_method("focus")
        self.marked.append(field)
        return True

    def unmark(self) -> None:
        for field in self.marked:
            if isinstance(field, ui.checkbox):
                field.classes(remove="text-red-700")
            else:
                field.error = None
        self.marked.clear()

    async def save(self) -> bool:
        if self.error is None:
            return True
        self.error.text = ""
        self.unmark()
        order = {k: read() for k, read in self.order_answers.items()}
        try:
            await self.services.off_loop(self.services.attendees.put, self.reservation.id, self.entries(), order)
        except ValidationFailed as problem:
            self.show(problem)
            return False
        except DomainError as problem:
            self.error.text = error_text(problem)
            return False
        return True


async def attendee_form(services: Services, reservation: Reservation) -> AttendeeForm:
    """The form for a held reservation (nothing shown when the event asks nothing of this order)."""
    try:
        asked, saved = await services.off_loop(services.attendees.current, reservation.id)
    except DomainError:  # the hold just ended or the store was busy: Pay still says why
        return AttendeeForm(services, reservation, None, None)
    return AttendeeForm(services, reservation, asked, saved)
