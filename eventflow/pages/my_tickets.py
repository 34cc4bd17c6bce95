"""`/my-tickets`: every ticket of one email (domain/my_tickets.py), after a one-time link by mail.

Without a session the page asks for the email and answers the same whether or not it has tickets. The
mailed link `/my-tickets?token=…` is opened once: its session (30 days) is kept in this browser's server-side
storage (NiceGUI `app.storage.user`) and the page reloads without the token. The list: upcoming first, each
opening the rotating wallet; a ticket handed on is marked "Transferred" and has no link.

Offline: the page leaves the list and, for each ticket that gets someone in, the wallet's data (the same
`wallet_ticket` the wallet keeps) in localStorage through static/my_tickets.js; the service worker serves
static/offline-my-tickets.html for /my-tickets and the wallet's offline copy for /t/… — so every ticket the
list showed once opens with no network. The installed app starts here (manifest `start_url`)."""

from __future__ import annotations

import json
from typing import Any

from nicegui import app, background_tasks, ui

from eventflow.domain.errors import DomainError, NotFound
from eventflow.domain.my_tickets import MyTicket
from eventflow.i18n import N_, _, current_language, error_text
from eventflow.pages.components.door_assets import add_door_head
from eventflow.pages.components.formatting import event_when
from eventflow.pages.components.frame import frame, heading
from eventflow.pages.components.wallet_view import read_wallet, wallet_ticket
from eventflow.services import Services

SESSION_KEY = "my_tickets_session"
OFFLINE_WALLETS = 20  # wallets kept for offline use: the soonest ones
SENT = N_("If there are tickets for this email, a sign-in link is on its way. It works once, for 30 minutes. "
          "No mail? Look in the spam folder, or ask again in a quarter of an hour.")


def register(services: Services) -> None:
    mine = services.my_tickets

    @ui.page("/my-tickets")
    async def my_tickets_page(token: str = "") -> None:
        add_door_head("my_tickets")  # service worker + manifest: the installed app opens here
        if token:
            try:
                app.storage.user[SESSION_KEY] = await services.off_loop(mine.sign_in, token)
            except DomainError:
                with frame(_("My tickets"), organizer_login=False), ui.card().classes("w-full max-w-md mx-auto gap-3"):
                    ui.label(_("This sign-in link has expired or was used already.")).classes(
                        "text-red-700").props("data-testid=my-tickets-invalid role=alert")
                    ask_form(services)
                return
            ui.navigate.to("/my-tickets")  # the token leaves the address bar and the history
            return
        email = signed_in(services)
        with frame(_("My tickets"), organizer_login=False):
            if email is None:
                with ui.card().classes("w-full max-w-md mx-auto gap-3"):
                    ask_form(services)
                return
            await ticket_list(services, email)


def signed_in(services: Services) -> str | None:
    session = app.storage.user.get(SESSION_KEY)
    if not isinstance(session, str):
        return None
    try:
        return services.my_tickets.email_of(session)
    except DomainError:
        app.storage.user.pop(SESSION_KEY, None)
        return None


def ask_form(services: Services) -> None:
    heading(_("My tickets")).classes("text-2xl font-bold m-0")
    ui.label(_("Enter the email you bought or received tickets with: we mail you a link to see them all, "
               "no password needed.")).classes("text-slate-600")
    address = ui.input(_("Email")).props("type=email autocomplete=email outlined data-testid=my-tickets-email")
    answer = ui.label().classes("text-slate-700").props("data-testid=my-tickets-answer role=status")

    async def submit() -> None:
        try:
            queued = await services.off_loop(services.my_tickets.request_link, address.value or "",
                                             current_language())
        except DomainError as problem:
            answer.text = error_text(problem)
            return
        answer.text = _(SENT)
        if queued:  # sent after the answer: how long it takes tells nothing about the address
            background_tasks.create(services.in_thread(services.outbox_sender.send_now, queued),
                                    name="my-tickets-mail")

    address.on("keydown.enter", submit)
    ui.button(_("Mail me a link"), on_click=submit).classes("w-full").props("size=lg data-testid=my-tickets-submit")


async def ticket_list(services: Services, email: str) -> None:
    tickets = await services.off_loop(services.my_tickets.tickets, email)
    with ui.row().classes("w-full items-center justify-between"):
        heading(_("My tickets")).classes("text-2xl font-bold m-0")
        ui.button(_("Sign out"), on_click=sign_out).props("flat dense data-testid=my-tickets-sign-out")
    ui.label(email).classes("text-slate-600 text-sm")
    if not tickets:
        ui.label(_("No tickets for this email yet.")).props("data-testid=my-tickets-empty")
    for ticket in tickets:
        ticket_card(ticket)
    wallets = await services.off_loop(offline_wallets, services, tickets)
    keep_offline(email, tickets, wallets)


def ticket_card(ticket: MyTicket) -> None:
    when = event_when(ticket.starts_at, ticket.ends_at, ticket.timezone)
    with ui.card().classes("w-full gap-1").props(f"data-testid=my-ticket data-ticket={ticket.ticket_id}"):
        ui.label(ticket.event_title).classes("text-lg font-semibold")
        ui.label(when).classes("text-slate-600 text-sm")
        ui.label(f"{ticket.tier_name} · {ticket.holder_name}").classes("text-sm")
        if ticket.path is None:
            ui.label(_("Transferred")).classes("text-amber-800 font-medium").props(
                "data-testid=my-ticket-transferred")
        elif ticket.state != "valid":
            ui.label(_("Not valid")).classes("text-red-700 font-medium").props("data-testid=my-ticket-not-valid")
        else:
            ui.link(_("Open ticket"), ticket.path).classes("font-medium").props("data-testid=my-ticket-open")
        if not ticket.upcoming:
            ui.label(_("Past event")).classes("text-slate-500 text-xs")


def offline_wallets(services: Services, tickets: list[MyTicket]) -> list[dict[str, Any]]:
    """The wallets of the soonest upcoming tickets, as the wallet keeps them (call off the loop)."""
    kept = []
    for ticket in [t for t in tickets if t.upcoming and t.access_key and t.state == "valid"][:OFFLINE_WALLETS]:
        assert ticket.access_key is not None
        try:
            kept.append(wallet_ticket(read_wallet(services, ticket.ticket_id, ticket.access_key)))
        except NotFound:
            continue
    return kept


def keep_offline(email: str, tickets: list[MyTicket], wallets: list[dict[str, Any]]) -> None:
    listed = [{"id": t.ticket_id, "title": t.event_title, "when": event_when(t.starts_at, t.ends_at, t.timezone),
               "tier": t.tier_name, "holder": t.holder_name, "state": t.state, "path": t.path,
               "upcoming": t.upcoming} for t in tickets]
    words = {"title": _("My tickets"), "transferred": _("Transferred"), "open": _("Open ticket"),
             "offline": _("Offline: the tickets this device has shown before.")}
    data = json.dumps({"email": email, "tickets": listed, "wallets": wallets, "words": words})
    safe = data.replace("</", "<\\/")  # no "</script>" can end the script early
    ui.add_body_html(f"<script>EventFlowMyTickets.keep({safe});</script>")


def sign_out() -> None:
    app.storage.user.pop(SESSION_KEY, None)
    ui.run_javascript("window.EventFlowMyTickets && EventFlowMyTickets.forget()")
    ui.navigate.to("/my-tickets")
