"""The editor's "Checkout questions" card: whether each ticket gets its attendee's name, and the questions
buyers answer at checkout (text, choice, checkbox; required or not; once per order or per ticket; for
every tier or some). Saved whole through `Attendees.save_form` (domain/attendees.py), which checks them;
a refusal is shown in the card. Answers given to a removed question stay with their orders."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.errors import NotFound
from eventflow.domain.models import Event, Organizer
from eventflow.domain.questions import CheckoutForm, Question, QuestionKind
from eventflow.i18n import N_, _
from eventflow.pages.components.form_note import saved_with_note
from eventflow.services import Services

KIND_WORDS = {QuestionKind.TEXT: N_("Text"), QuestionKind.CHOICE: N_("Choice"), QuestionKind.CHECKBOX: N_("Checkbox")}


class QuestionsPanel:
    def __init__(self, services: Services, organizer: Organizer, event: Event) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.form = CheckoutForm(event.id)
        self.tiers: dict[str, str] = {}
        with ui.card().classes("w-full gap-2").props("data-testid=questions-panel"):
            ui.label(_("Checkout questions")).classes("text-lg font-semibold")
            self.ask_names = ui.checkbox(_("Ask a name (and optional email) for each ticket of an order"),
                                         value=True, on_change=self.names_changed).props("data-testid=ask-names")
            self.listed = ui.column().classes("w-full gap-1").props("data-testid=questions-list")
            self.note = ui.label("").classes("text-sm").props("data-testid=questions-note role=status")
            self._new_question_form()
        ui.timer(0, self.load, once=True)  # after the page is built: the editor's build is not async

    def _new_question_form(self) -> None:
        with ui.expansion(_("Add a question"), icon="add").classes("w-full").props("data-testid=question-new"):
            self.label = ui.input(_("Question")).props("outlined dense maxlength=200 data-testid=question-new-label") \
                .classes("w-full")
            self.kind = ui.select({k.value: _(w) for k, w in KIND_WORDS.items()}, value=QuestionKind.TEXT.value,
                                  label=_("Kind of answer")).props("outlined dense data-testid=question-new-kind")
            self.options = ui.input(_("Options, separated by commas")).props(
                "outlined dense data-testid=question-new-options").classes("w-full")
            self.options.bind_visibility_from(self.kind, "value", value=QuestionKind.CHOICE.value)
            self.required = ui.checkbox(_("Required")).props("data-testid=question-new-required")
            self.per_ticket = ui.checkbox(_("Ask for each ticket (not once per order)")).props(
                "data-testid=question-new-per-ticket")
            self.only_tiers = ui.select({}, multiple=True, label=_("Only for these tiers (empty: all)")).props(
                "outlined dense use-chips data-testid=question-new-tiers").classes("w-full")
            ui.button(_("Add question"), on_click=self.add).props("unelevated data-testid=question-add")

    async def load(self) -> None:
        try:
            form = await self.services.off_loop(self.services.attendees.own_form, self.organizer.id, self.event.id)
            view = await self.services.off_loop(self.services.catalog.event_view, self.event.id)
        except NotFound:  # the draft was deleted from this very page before the panel loaded
            return
        self.tiers = {t.id: t.name for t in view.tiers}
        self.only_tiers.set_options(self.tiers)
        self.show(form)

    def show(self, form: CheckoutForm) -> None:
        self.form = form
        self.ask_names.set_value(form.ask_names)
        self.listed.clear()
        with self.listed:
            if not form.questions:
                ui.label(_("No questions: buyers only give their name and email.")).classes("text-sm text-slate-600")
            for question in form.questions:
                self._row(question)

    def _row(self, question: Question) -> None:
        facts = [_(KIND_WORDS[question.kind])]
        if question.options:
            facts.append(" / ".join(question.options))
        facts.append(_("required") if question.required else _("optional"))
        facts.append(_("per ticket") if question.per_ticket else _("per order"))
        if question.tier_ids:
            facts.append(", ".join(self.tiers.get(t, t) for t in question.tier_ids))
        with ui.row().classes("w-full items-center justify-between no-wrap").props(
                f"data-testid=question-{question.id}"):
            with ui.column().classes("gap-0"):
                ui.label(question.label).classes("font-medium")
                ui.label(" · ".join(facts)).classes("text-sm text-slate-600")
            ui.button(icon="delete", on_click=lambda: self.remove(question.id)).props(
                f'flat round dense color=grey-8 aria-label="{_("Remove question")}" '
                f"data-testid=question-delete-{question.id}")

    async def save(self, ask_names: bool, questions: list[Question], done: str) -> bool:
        form = await saved_with_note(self.note, self.services.off_loop(
            self.services.attendees.save_form, self.organizer.id, self.event.id, ask_names, questions), done)
        if form is None:
            return False
        self.show(form)
        return True

    async def names_changed(self) -> None:
        if bool(self.ask_names.value) != self.form.ask_names:
            await self.save(bool(self.ask_names.value), list(self.form.questions), _("Saved."))

    async def add(self) -> None:
        kind = QuestionKind(self.kind.value or QuestionKind.TEXT.value)
        options = tuple(o.strip() for o in (self.options.value or "").split(",") if o.strip()) \
            if kind is QuestionKind.CHOICE else ()
        question = Question("", self.label.value or "", kind, options, bool(self.required.value),
                            bool(self.per_ticket.value), tuple(self.only_tiers.value or ()))
        if await self.save(self.form.ask_names, [*self.form.questions, question], _("Question added.")):
            self.label.set_value("")
            self.options.set_value("")

    async def remove(self, question_id: str) -> None:
        kept = [q for q in self.form.questions if q.id != question_id]
        await self.save(self.form.ask_names, kept, _("Question removed."))


def questions_panel(services: Services, organizer: Organizer, event: Event) -> None:
    QuestionsPanel(services, organizer, event)

