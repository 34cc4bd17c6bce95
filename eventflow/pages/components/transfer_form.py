"""Handing a ticket on from its wallet (issue 17, domain/transfers.py): the "Transfer this ticket" form under
the code, and what an old wallet link shows once the ticket was transferred ("Ticket transferred").

The new holder's link is mailed to them, never shown here: whoever holds the old link (the old holder, or
anyone who saw it) learns nothing that opens the ticket."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.errors import DomainError, ValidationFailed
from eventflow.domain.models import Event, Ticket
from eventflow.i18n import LANGUAGE_NAMES, SUPPORTED, _, current_language, error_text
from eventflow.pages.components.formatting import local_moment
from eventflow.pages.components.frame import frame, heading
from eventflow.services import Services


async def transferred_page(services: Services, ticket_id: str, key: str) -> bool:
    """The page of a wallet link whose key a transfer retired; False when `key` never opened this ticket."""
    retired = await services.off_loop(services.transfers.retired_link, ticket_id, key)
    if retired is None:
        return False
    record, ticket = retired
    event = await services.off_loop(services.queries.event, ticket.event_id)
    title = event.title if event is not None else _("Ticket")
    when = local_moment(record.at, services.ticketing.clock.now(), event.timezone if event else "UTC")
    with frame(title), ui.column().classes("w-full items-center text-center gap-2 py-8").props(
            "data-testid=ticket-transferred"):
        ui.icon("forward_to_inbox", size="56px").classes("text-violet-400").props('aria-hidden="true"')
        heading(_("Ticket transferred")).classes("text-2xl font-bold text-slate-900 m-0")
        ui.label(_("This ticket was given to someone else on {when}. They got their own link by email; this "
                   "link and its old code no longer get anyone in.").format(when=when)).classes("text-slate-600")
    return True


async def transfer_form(services: Services, ticket: Ticket, event: Event, key: str, wallet: ui.element) -> None:
    """The form under a valid wallet's code (`ticket` and `event` as the wallet read them), when the ticket
    may be handed on now (not in yet, the organizer allows it); on success the code is hidden and the page
    says so."""
    ticket_id = ticket.id
    if await services.off_loop(services.transfers.refusal, ticket, event) is not None:
        return
    with ui.expansion(_("Transfer this ticket"), icon="forward_to_inbox").classes(
            "w-full max-w-md self-center bg-white rounded").props("data-testid=transfer-open") as box:
        ui.label(_("Give this ticket to someone who goes instead of you. They get a new code by email; "
                   "your code and this link stop working at once.")).classes("text-sm text-slate-600")
        name = ui.input(_("New attendee's name")).classes("w-full").props(
            'data-testid=transfer-name autocomplete=off')
        email = ui.input(_("New attendee's email")).classes("w-full").props(
            'data-testid=transfer-email type=email autocomplete=off')
        language = ui.select({code: LANGUAGE_NAMES[code] for code in SUPPORTED}, value=current_language(),
                             label=_("Language of their email")).classes("w-full").props(
            "data-testid=transfer-language")  # the recipient's, if the sender knows it; else the sender's

        async def submit() -> None:
            for field in (name, email):
                field.props(remove="error error-message")
            try:
                record = await services.transfer_ticket(ticket_id, key, name.value or "", email.value or "",
                                                        language.value or current_language())
            except ValidationFailed as problem:
                target = email if problem.field == "email" else name
                target.props(f'error error-message="{error_text(problem)}"')  # shown under the field
                message.set_text("")
                return
            except DomainError as problem:
                message.set_text(error_text(problem))
                message.classes(replace="text-sm text-red-700")
                return
            wallet.set_visibility(False)
            box.set_visibility(False)
            message.set_text(_("Ticket transferred to {name}. We emailed them their ticket.").format(
                name=record.to_name))
            message.classes(replace="text-emerald-800 font-semibold text-lg text-center m-0")
            done.classes(add="bg-white rounded border border-emerald-200 p-6")
            for success_only in (tick, next_steps):
                success_only.set_visibility(True)

        ui.button(_("Transfer ticket"), on_click=submit).props("unelevated data-testid=transfer-submit")
    # The message shows errors too; on success the box around it becomes the confirmation (with ways on).
    with ui.column().classes("w-full max-w-md self-center items-center text-center gap-2") as done:
        tick = ui.icon("check_circle", size="48px").classes("text-emerald-600").props('aria-hidden="true"')
        message = ui.label("").classes("text-sm").props("data-testid=transfer-message role=status")
        with ui.column().classes("items-center gap-2") as next_steps:
            ui.label(_("This link and your old code no longer work.")).classes("text-sm text-slate-600")
            with ui.row().classes("gap-3 justify-center"):
                ui.link(_("My tickets"), "/my-tickets").classes(
                    "no-underline bg-violet-800 text-white rounded px-4 min-h-[44px] inline-flex items-center"
                ).props("data-testid=transfer-done-my-tickets")
                ui.link(_("Event page"), f"/e/{event.slug}").classes(
                    "no-underline text-violet-800 px-4 min-h-[44px] inline-flex items-center").props(
                    "data-testid=transfer-done-event")
    for success_only in (tick, next_steps):
        success_only.set_visibility(False)
