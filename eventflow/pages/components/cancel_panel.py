"""The editor's "Cancel event" and "Postpone" dialogs, and the panel that follows the batch they start.

Cancelling asks for a message to the buyers, then shows the refund batch's progress (orders done /
total, failures with their reasons, a retry button), re-read every two seconds until it finishes.
Postponing asks for the new date and a deadline for refunds on request. Every call goes through
`Services.off_loop`; the batch itself runs in app/jobs.py (domain/cancellation.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.event_changes import ChangeKind, EventChange
from eventflow.domain.models import Event, Organizer
from eventflow.i18n import _, error_text
from eventflow.pages.components.event_form import local_input, parse_local
from eventflow.services import Services

POLL_SECONDS = 2.0
Changed = Callable[[], Awaitable[None]]  # re-read the event (its status bar) after a change


class CancelPanel:
    """Progress of the event's cancellation or postponement; the dialogs that start one."""

    def __init__(self, services: Services, organizer: Organizer, event: Event, changed: Changed) -> None:
        self.services, self.organizer, self.event, self.changed = services, organizer, event, changed

    def build(self) -> None:
        """The panel (empty until the event is cancelled or postponed), polling while a batch runs."""
        self.container = ui.column().classes("w-full")
        # Made here, in the page's own slot: a timer made by a dialog's button would live in the dialog.
        self.timer = ui.timer(POLL_SECONDS, self.refresh, active=False)
        ui.timer(0.05, self.refresh, once=True)  # the first read off the page's build

    async def refresh(self) -> None:
        change = await self.services.off_loop(self.services.queries.event_change, self.event.id)
        self.container.clear()
        with self.container:
            if change is not None:
                self.show(change)
        self.timer.active = change is not None and change.busy  # poll only while the batch runs

    def show(self, change: EventChange) -> None:
        cancelled = change.kind is ChangeKind.CANCELLED
        title = (_("Refunding every buyer") if change.busy else _("Cancelled: every buyer refunded and told")) \
            if cancelled else (_("Telling every buyer about the new date") if change.busy else _("Postponed"))
        with ui.card().classes("w-full").props("data-testid=change-panel"):
            ui.label(title).classes("text-lg font-semibold")
            ui.linear_progress(value=change.percent / 100, show_value=False).props("data-testid=change-bar")
            ui.label(_("{done} / {total} orders done · {percent}%").format(
                done=change.done, total=change.total, percent=change.percent)).props(
                f"data-testid=change-progress data-percent={change.percent}")
            if change.refund_deadline is not None:
                ui.label(_("Buyers may ask for a refund until {deadline} ({timezone})").format(
                    deadline=local_input(change.refund_deadline, self.event.timezone), timezone=self.event.timezone)) \
                    .classes("text-sm text-slate-600")
            if change.failures:
                ui.label(_("{count} orders need another try:").format(count=change.failed)) \
                    .classes("text-red-700 font-medium")
                for order_id, reason in change.failures[:50]:
                    ui.label(f"{order_id}: {reason}").classes("text-sm text-red-700").props(
                        f"data-testid=failure-{order_id}")
                ui.button(_("Retry failed orders"), icon="refresh", on_click=self.retry).props(
                    "color=negative outline data-testid=retry-failures")

    async def retry(self) -> None:
        try:
            await self.services.off_loop(self.services.cancellations.retry_failures, self.organizer.id, self.event.id)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
        await self.refresh()

    # ------------------------------------------------------------ the dialogs
    def confirm_cancel(self) -> None:
        with ui.dialog(value=True) as dialog, ui.card().classes("w-[32rem] max-w-full"):
            ui.label(_("Cancel this event?")).classes("text-lg font-semibold")
            ui.label(_("Sales stop at once and the door refuses every ticket. Every paid order is refunded in "
                       "full, platform fee included, and every buyer gets one mail with your message. This "
                       "cannot be undone.")).classes("text-sm text-slate-600")
            message = ui.textarea(_("Message to your buyers"), placeholder=_("Why, and what happens next")).props(
                "outlined maxlength=5000 data-testid=cancel-message").classes("w-full")

            async def cancel() -> None:
                try:
                    await self.services.off_loop(self.services.cancellations.cancel, self.organizer.id,
                                                 self.event.id, message.value or "")
                except DomainError as problem:
                    ui.notify(error_text(problem), type="negative")
                    return
                dialog.close()
                await self.changed()
                await self.refresh()

            with ui.row():
                ui.button(_("Keep it"), on_click=dialog.close).props("flat")
                ui.button(_("Cancel event and refund everyone"), on_click=cancel).props(
                    "color=negative data-testid=confirm-cancel")

    def confirm_postpone(self) -> None:
        event, zone = self.event, self.event.timezone
        with ui.dialog(value=True) as dialog, ui.card().classes("w-[32rem] max-w-full"):
            ui.label(_("Postpone to a new date")).classes("text-lg font-semibold")
            ui.label(_("Tickets stay valid for the new date. Every buyer is told and may ask for a full refund "
                       "until the deadline.")).classes("text-sm text-slate-600")
            week = timedelta(days=7)
            starts = ui.input(_("New start"), value=local_input(event.starts_at + week, zone)).props(
                "type=datetime-local outlined stack-label data-testid=postpone-starts")
            ends = ui.input(_("New end"), value=local_input(event.ends_at + week, zone)).props(
                "type=datetime-local outlined stack-label data-testid=postpone-ends")
            deadline = ui.input(_("Refunds on request until"), value=local_input(event.starts_at, zone)).props(
                "type=datetime-local outlined stack-label data-testid=postpone-deadline")
            message = ui.textarea(_("Message to your buyers")).props(
                "outlined maxlength=5000 data-testid=postpone-message").classes("w-full")
            error = ui.label().classes("text-red-700").props("data-testid=postpone-error")

            async def postpone() -> None:
                try:
                    await self.services.off_loop(
                        self.services.cancellations.postpone, self.organizer.id, self.event.id,
                        starts_at=_instant(starts.value, zone, "starts_at"),
                        ends_at=_instant(ends.value, zone, "ends_at"),
                        refund_deadline=_instant(deadline.value, zone, "refund_deadline"), message=message.value or "")
                except DomainError as problem:
                    error.set_text(error_text(problem))
                    return
                dialog.close()
                await self.changed()
                await self.refresh()

            with ui.row():
                ui.button(_("Back"), on_click=dialog.close).props("flat")
                ui.button(_("Postpone and tell buyers"), on_click=postpone).props(
                    "color=warning data-testid=confirm-postpone")


def _instant(text: str | None, timezone: str, field: str) -> datetime:
    instant = parse_local(text, timezone, field)
    assert instant is not None  # required: parse_local raises instead
    return instant
