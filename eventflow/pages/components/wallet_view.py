"""What the ticket wallet shows, read once (call off the loop) and handed to static/wallet.js: the ticket,
its event and tier, why it gets nobody in when it does not (`DoorCheckIn.holder_status`), and its signed
codes. The wallet page (pages/ticket.py) and My tickets' offline copies (pages/my_tickets.py) both use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from eventflow.domain.checkin import WalletCodes
from eventflow.domain.codes import door_rules
from eventflow.domain.errors import NotFound
from eventflow.domain.models import Event
from eventflow.domain.queries import TicketView
from eventflow.i18n import N_, _
from eventflow.pages.components.formatting import event_when
from eventflow.services import Services

# What a wallet says instead of a code (DoorCheckIn.holder_status): a headline and why.
NOT_VALID = {
    "event_cancelled": (N_("Event cancelled"), N_("The organizer cancelled this event, so this ticket no longer "
                        "gets anyone in. Paid orders are refunded in full to the way you paid.")),
    "void": (N_("Ticket no longer valid"), N_("This ticket was refunded or cancelled, so it no longer gets anyone "
                                              "in.")),
    "disputed": (N_("Payment disputed"), N_("The payment for this ticket is disputed with the bank, so the door "
                                            "will not let it in. Please contact the organizer.")),
}


@dataclass(frozen=True, slots=True)
class Wallet:
    view: TicketView
    event: Event
    tier_name: str
    codes: WalletCodes | None  # None: the ticket gets nobody in (status says why)
    status: str  # valid, void, event_cancelled or disputed


def wallet_ticket(wallet: Wallet) -> dict[str, Any]:
    """What wallet.js shows (and keeps in localStorage for the offline copy of the page)."""
    ticket, event, checkin = wallet.view.ticket, wallet.event, wallet.view.checkin
    headline, why = NOT_VALID.get(wallet.status, ("", ""))
    return {
        "id": ticket.id, "holder": ticket.holder_name, "tier": wallet.tier_name,
        "status": wallet.status, "status_title": _(headline) if headline else "",
        "status_text": _(why) if why else "", "event_title": event.title,
        "when": event_when(event.starts_at, event.ends_at, event.timezone),
        "checked_in": checkin.scanned_at.astimezone(ZoneInfo(event.timezone)).strftime("%H:%M") if checkin else None,
        **door_rules(),
        "codes": {"first_step": wallet.codes.first_step, "signatures": wallet.codes.signatures} if wallet.codes
        else None,
        "codes_url": f"/api/v1/tickets/{quote(ticket.id)}/door-codes?key={quote(ticket.access_key)}",
        "words": wallet_words(),
    }


def wallet_words() -> dict[str, str]:
    """wallet.js's words in the visitor's language ({time}, {seconds} are filled in there)."""
    return {
        "offline": _("Offline: this code is still valid"), "checkedIn": _("Checked in at {time}"),
        "rotation": _("The code changes every {seconds} seconds: screenshots will not get in."),
        "notValid": _("Not valid"), "refresh": _("Connect to the internet once to refresh this ticket's codes."),
        "newCode": _("New code in {seconds} s"),
    }


def read_wallet(services: Services, ticket_id: str, key: str) -> Wallet:
    """What the wallet shows (call off the loop); also My tickets' offline copies (pages/my_tickets.py)."""
    view = services.queries.ticket_view(ticket_id, key)  # NotFound unless the key matches
    event = services.queries.event(view.ticket.event_id)
    if event is None:
        raise NotFound("No such event")
    tier_name = services.queries.tier_names(event.id).get(view.ticket.tier_id, "Ticket")
    status = services.door.holder_status(view.ticket, event)
    codes = services.door.wallet_codes(view.ticket) if status == "valid" else None
    return Wallet(view, event, tier_name, codes, status)
