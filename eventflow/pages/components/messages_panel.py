"""The event dashboard's "Messages to attendees" panel: write to every buyer or one tier's, see progress.

Preview shows the mail as a buyer reads it and how many people it reaches; Send queues one outbox
row per buyer address (domain/attendee_messages.py), in a worker thread: listing the recipients reads
every order, which must never happen on the event loop nor on a plain dashboard visit. Progress
(sent / total, failures with their reason and a retry) is read from the outbox's counts, polled while
something is still on its way. The day-before reminder's on/off switch lives here too.
"""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.attendee_messages import MessageSent
from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event, Organizer, Tier
from eventflow.domain.outbox import OutboxBatch, OutboxMessage, OutboxStatus, OutgoingMail
from eventflow.i18n import N_, _, error_text, ngettext
from eventflow.pages.components.marks import pgettext
from eventflow.services import Services

POLL_SECONDS = 3.0
ALL = "all"
BATCH_NAMES = {"tickets": N_("Ticket mails"), "reminder": N_("Day-before reminder")}


def batch_title(batch: OutboxBatch) -> str:
    if batch.batch.startswith("message:"):
        return _("Message: {subject}").format(subject=batch.subject)
    name = BATCH_NAMES.get(batch.batch.split(":")[0])
    return _(name) if name else batch.subject


def progress_text(batch: OutboxBatch) -> str:
    text = _("{sent} / {total} sent").format(sent=batch.count(OutboxStatus.SENT), total=batch.total)
    problems = batch.count(OutboxStatus.FAILED) + batch.count(OutboxStatus.UNKNOWN)
    waiting = batch.count(OutboxStatus.PENDING) + batch.count(OutboxStatus.SENDING)
    if waiting:
        text += _(" · {count} on the way").format(count=waiting)
    if problems:
        text += _(" · {count} not delivered").format(count=problems)
    return text


class MessagesPanel:
    """Built by `EventDashboard.build`; reads nothing but the outbox counts and the reminder setting."""

    def __init__(self, services: Services, organizer: Organizer, event: Event, tiers: list[Tier]) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.timer: ui.timer | None = None
        with ui.card().classes("w-full gap-2").props("data-testid=messages-panel"):
            ui.label(_("Messages to attendees")).classes("text-lg font-semibold")
            ui.label(_("Write to everyone with a ticket, or to one tier's buyers. Each buyer gets one mail, "
                       "however many orders they made.")).classes("text-sm text-slate-600")
            options = {ALL: _("All buyers"), **{t.id: _("Buyers of {tier}").format(tier=t.name) for t in tiers}}
            self.audience = ui.select(options, value=ALL, label=pgettext("message", "To")) \
                .props("dense outlined data-testid=message-to")
            self.subject = ui.input(_("Subject")).props("dense outlined data-testid=message-subject").classes("w-full")
            self.text = ui.textarea(_("Message")).props("outlined data-testid=message-text").classes("w-full")
            with ui.row().classes("gap-2"):
                ui.button(_("Preview"), icon="visibility", on_click=self.preview) \
                    .props("flat data-testid=message-preview")
            self.preview_box = ui.column().classes("w-full gap-1")
            self.reminder = ui.switch(_("Reminder mail 24 hours before the start"), on_change=self.set_reminder) \
                .props("data-testid=reminder-switch")
            self.progress = ui.column().classes("w-full gap-1").props("data-testid=message-progress")
        ui.timer(0.01, self.load, once=True)

    def tier_id(self) -> str | None:
        return None if self.audience.value in (None, ALL) else str(self.audience.value)

    async def load(self) -> None:
        settings = await self.services.off_loop(self.services.reminders.settings, self.event.id)
        self.reminder.set_value(settings.reminder)  # before the handler could see a change of ours
        await self.show_progress()

    async def set_reminder(self) -> None:
        settings = await self.services.off_loop(self.services.reminders.settings, self.event.id)
        if settings.reminder == bool(self.reminder.value):
            return
        await self.services.off_loop(self.services.reminders.set_reminder, self.organizer.id, self.event.id,
                                     bool(self.reminder.value))
        ui.notify(_("Reminder on") if self.reminder.value else _("Reminder off"))

    async def preview(self) -> None:
        messages, organizer_id, event_id = self.services.messages, self.organizer.id, self.event.id
        subject, text, tier_id = self.subject.value or "", self.text.value or "", self.tier_id()

        def read() -> tuple[OutgoingMail, int]:
            mail = messages.preview(organizer_id, event_id, subject, text)
            return mail, len(messages.recipients(organizer_id, event_id, tier_id))

        try:
            mail, count = await self.services.in_thread(read)  # every order is read: never on the loop
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        self.preview_box.clear()
        with self.preview_box:
            ui.label(_("Subject: {subject}").format(subject=mail.subject)).classes("font-semibold")
            ui.label(mail.text).classes("whitespace-pre-wrap text-sm border rounded p-2 w-full") \
                .props("data-testid=message-preview-text")
            send_words = ngettext("Send to {count} buyer", "Send to {count} buyers", count).format(count=count)
            ui.button(send_words, icon="send",
                      on_click=lambda: self.send(subject, text, tier_id)) \
                .props(f"data-testid=message-send {'disable' if count == 0 else ''}")

    async def send(self, subject: str, text: str, tier_id: str | None) -> None:
        messages, organizer_id, event_id = self.services.messages, self.organizer.id, self.event.id
        self.preview_box.clear()  # the button goes at once: a second click has nothing to press
        ui.notify(_("Queueing the message..."))
        try:
            sent: MessageSent = await self.services.in_thread(
                messages.send, organizer_id, event_id, subject, text, tier_id)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        if sent.queued:
            queued = ngettext("Queued for {count} buyer", "Queued for {count} buyers", sent.queued)
            ui.notify(queued.format(count=sent.queued), type="positive")
        else:
            ui.notify(_("This message was sent before: nobody gets it twice"), type="warning")
        self.subject.value, self.text.value = "", ""
        await self.show_progress()

    async def show_progress(self) -> None:
        outbox, event_id = self.services.outbox, self.event.id

        def read() -> tuple[list[OutboxBatch], list[OutboxMessage]]:
            return outbox.batches(event_id), outbox.problems(event_id, 20)

        # In a worker thread even on SQLite: counting a 50,000-mail fan-out takes ~0.1 s.
        batches, problems = await self.services.in_thread(read)
        if self.progress.client.is_deleted:
            return
        self.progress.clear()
        with self.progress:
            for batch in batches:
                with ui.row().classes("w-full items-center justify-between"):
                    ui.label(batch_title(batch)).classes("text-sm")
                    ui.label(progress_text(batch)).classes("text-sm text-slate-600") \
                        .props(f"data-testid=progress-{batch.batch}")
            for message in problems:
                self.problem_row(message)
        moving = any(b.count(OutboxStatus.PENDING) + b.count(OutboxStatus.SENDING) for b in batches)
        if moving and self.timer is None:
            self.timer = ui.timer(POLL_SECONDS, self.show_progress)
        elif not moving and self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def problem_row(self, message: OutboxMessage) -> None:
        why = (_("may not have arrived (the sender stopped mid-send)") if message.status is OutboxStatus.UNKNOWN
               else message.last_error or _("failed"))
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(f"{message.mail.to}: {why}").classes("text-sm text-red-700") \
                .props(f"data-testid=problem-{message.key}")
            ui.button(_("Send again"), on_click=lambda key=message.key: self.retry(key)) \
                .props("flat dense data-testid=problem-retry")

    async def retry(self, key: str) -> None:
        await self.services.off_loop(self.services.outbox.retry, key)
        await self.show_progress()
