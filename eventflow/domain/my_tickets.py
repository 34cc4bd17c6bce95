"""My tickets: a buyer, an attendee or a transfer's recipient sees every ticket of theirs, across orders and
events, after proving their email with a one-time link (no password).

Finding tickets by email never scans orders: an index `TicketOwner` (email -> ticket) is written where
tickets get an owner — `owners_of_order` when an order is confirmed (the buyer and each named attendee's
email; `Ticketing.confirm_once`) and `owner_after_transfer` when a ticket is handed on (the new holder;
`Services.transfer_ticket`). Entries are never removed: a ticket handed away stays in its former holder's
list, marked "transferred" and without its link (the current access key is the new holder's capability).

The mailed link is `<email>.<expiry>.<nonce>.<mac>` (HMAC-SHA256, a key of its own), valid for 30 minutes
and used once: opening it claims its nonce in the store (`claim_sign_in`, a conditional insert). It opens a
session token `<email>.<expiry>.<mac>` (another key, 30 days) the page keeps in the browser. Asking for a
link answers the same whether or not the address has tickets; mail goes out only when it has, at most one
per address per quarter hour (the outbox key names the window, as the password reset does)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from eventflow.domain.clock import Clock
from eventflow.domain.errors import Unauthorized, ValidationFailed
from eventflow.domain.language import words_for
from eventflow.domain.links import ticket_path
from eventflow.domain.models import Order, TicketStatus
from eventflow.domain.outbox import Outbox, OutgoingMail

if TYPE_CHECKING:
    from eventflow.domain.ports import Store
    from eventflow.domain.transfers import TicketTransfer

LINK_LIFETIME = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(days=30)
MAIL_WINDOW_SECONDS = 15 * 60  # one sign-in mail per address per quarter hour
MY_TICKETS_PATH = "/my-tickets"

audit = logging.getLogger("eventflow.audit")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # as accounts.py (not imported: it needs the ports)


@dataclass(frozen=True, slots=True)
class TicketOwner:
    """One index entry: `email` may open `ticket_id` in My tickets. `role`: buyer, attendee or recipient."""

    email: str
    ticket_id: str
    event_id: str
    order_id: str
    role: str


class MyTicketsStore(Protocol):
    """The index and the used sign-in links (store/*/my_tickets.py); the pass setting per event."""

    def add_ticket_owners(self, owners: Sequence[TicketOwner]) -> None:
        """Add entries; an entry for the same (email, ticket) already there is kept as it is."""
        ...

    def tickets_of(self, email: str) -> list[TicketOwner]:
        """Every entry of this (normalised) email, ordered by ticket id; [] for an unknown one."""
        ...

    def claim_sign_in(self, nonce: str, expires_at: datetime) -> bool:
        """True the first time a nonce is claimed, False ever after (of two racing claims one wins)."""
        ...

    def passes_forbidden(self, event_id: str) -> bool:
        """Whether the organizer forbade wallet passes for the event (default: allowed)."""
        ...

    def set_passes_forbidden(self, event_id: str, forbidden: bool) -> None: ...


def _email(value: str) -> str:
    return value.strip().lower()


def owners_of_order(order: Order) -> list[TicketOwner]:
    """The entries an order gives: its buyer owns every ticket, a named attendee their own."""
    owners = []
    for ticket in order.tickets:
        owners.append(TicketOwner(_email(order.buyer.email), ticket.id, order.event_id, order.id, "buyer"))
        if ticket.holder_email and _email(ticket.holder_email) != _email(order.buyer.email):
            owners.append(TicketOwner(_email(ticket.holder_email), ticket.id, order.event_id, order.id, "attendee"))
    return owners


def owner_after_transfer(record: TicketTransfer) -> TicketOwner:
    return TicketOwner(_email(record.to_email), record.ticket_id, record.event_id, record.order_id, "recipient")


class SignInLinkInvalid(Unauthorized):
    """This sign-in link has expired or was used already: ask for a new one."""


@dataclass(frozen=True, slots=True)
class MyTicket:
    """One line of the list. `path` is the wallet's address, None when the ticket was handed on."""

    ticket_id: str
    event_id: str
    event_title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    tier_name: str
    holder_name: str
    state: str  # valid, transferred, void, refunded ... (the ticket's status, or "transferred")
    path: str | None
    access_key: str | None  # None when transferred: the key is the new holder's
    upcoming: bool


class _Signer:
    def __init__(self, purpose: str, secret_key: str) -> None:
        self._key = hashlib.sha256(f"eventflow {purpose}\0{secret_key}".encode()).digest()

    def sign(self, payload: str) -> str:
        mac = base64.urlsafe_b64encode(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())
        return f"{payload}.{mac.decode().rstrip('=')}"

    def open(self, token: str) -> list[str] | None:
        payload, _, _mac = token.rpartition(".")
        if not payload or not hmac.compare_digest(self.sign(payload).encode(), token.encode()):
            return None
        return payload.split(".")


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()


class MyTickets:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox, secret_key: str, base_url: str) -> None:
        self.store, self.clock, self.outbox = store, clock, outbox
        self.links = _Signer("my tickets link", secret_key)
        self.sessions = _Signer("my tickets session", secret_key)
        self.base_url = base_url.rstrip("/")

    # ------------------------------------------------------------------ the index
    def order_confirmed(self, order: Order) -> None:
        self.store.add_ticket_owners(owners_of_order(order))

    def transferred(self, record: TicketTransfer) -> None:
        """Idempotent; the stores' `transfer_ticket` already writes this entry in the transfer's own write."""
        self.store.add_ticket_owners([owner_after_transfer(record)])

    # ------------------------------------------------------------------ signing in
    def request_link(self, email: str, language: str | None = None) -> str | None:
        """Queue a sign-in mail if this address has tickets; the outbox key of a new mail, else None (callers
        answer the same either way and send the mail after answering). ValidationFailed for a malformed
        address (that says nothing about anyone's tickets)."""
        address = _email(email)
        if len(address) > 254 or not EMAIL_RE.match(address):
            raise ValidationFailed("Enter a valid email address", field="email")
        if not self.store.tickets_of(address):
            return None
        now = int(self.clock.now().timestamp())
        expires = now + int(LINK_LIFETIME.total_seconds())
        token = self.links.sign(f"{_b64(address)}.{expires}.{secrets.token_urlsafe(12)}")
        link = f"{self.base_url}{MY_TICKETS_PATH}?token={quote(token)}"
        words = words_for(language)
        text = words("Hello,\n\nopen your tickets on EventFlow with this link (it works once, for 30 minutes):"
                     "\n\n{link}\n\nIf you did not ask for it, ignore this mail.\n").format(link=link)
        digest = hashlib.sha256(address.encode()).hexdigest()[:24]
        outbox_key = f"my-tickets:{digest}:{now // MAIL_WINDOW_SECONDS}"
        if not self.outbox.enqueue(outbox_key, OutgoingMail(to=address, subject=words("Your EventFlow tickets"),
                                                            text=text)):
            return None  # one mail per quarter hour: the earlier one stands
        audit.info("my-tickets sign-in link queued: address=%s", digest)
        return outbox_key

    def sign_in(self, token: str) -> str:
        """A session token for the link's address; SignInLinkInvalid if forged, expired or used before."""
        parts = self.links.open(token)
        if parts is None or len(parts) != 3 or not parts[1].isdigit():
            raise SignInLinkInvalid()
        address, expires, nonce = _unb64(parts[0]), int(parts[1]), parts[2]
        if expires < self.clock.now().timestamp():
            raise SignInLinkInvalid()
        if not self.store.claim_sign_in(nonce, datetime.fromtimestamp(expires, self.clock.now().tzinfo)):
            raise SignInLinkInvalid()
        session_ends = int(self.clock.now().timestamp() + SESSION_LIFETIME.total_seconds())
        return self.sessions.sign(f"{_b64(address)}.{session_ends}")

    def email_of(self, session: str) -> str:
        """The address a session token speaks for; Unauthorized when forged or ended."""
        parts = self.sessions.open(session or "")
        if parts is None or len(parts) != 2 or not parts[1].isdigit() \
                or int(parts[1]) < self.clock.now().timestamp():
            raise Unauthorized("Open My tickets again from a new sign-in link")
        return _unb64(parts[0])

    # ------------------------------------------------------------------ the list
    def tickets(self, email: str) -> list[MyTicket]:
        """Every ticket of this address: upcoming first (soonest first), then past ones (latest first)."""
        address, now = _email(email), self.clock.now()
        shown: list[MyTicket] = []
        tier_names: dict[str, dict[str, str]] = {}
        for owner in self.store.tickets_of(address):
            ticket, event = self.store.get_ticket(owner.ticket_id), self.store.get_event(owner.event_id)
            if ticket is None or event is None:
                continue
            if owner.event_id not in tier_names:
                tier_names[owner.event_id] = {t.id: t.name for t in self.store.get_tiers(owner.event_id)}
            handed_on = ticket.transfers > 0 and _email(ticket.holder_email) != address
            state = "transferred" if handed_on else str(ticket.status.value if isinstance(
                ticket.status, TicketStatus) else ticket.status)
            holder = self._name_while_theirs(ticket.id, address) if handed_on else ticket.holder_name
            shown.append(MyTicket(
                ticket.id, event.id, event.title, event.starts_at, event.ends_at, event.timezone,
                tier_names[owner.event_id].get(ticket.tier_id, "Ticket"), holder, state,
                None if handed_on else ticket_path(ticket.id, ticket.access_key),
                None if handed_on else ticket.access_key, event.ends_at >= now))
        upcoming = sorted((t for t in shown if t.upcoming), key=lambda t: (t.starts_at, t.ticket_id))
        past = sorted((t for t in shown if not t.upcoming), key=lambda t: (t.starts_at, t.ticket_id), reverse=True)
        return upcoming + past

    def _name_while_theirs(self, ticket_id: str, address: str) -> str:
        """The name a handed-on ticket carried while it was this person's: the list does not tell its
        former holders who has it now (as the old wallet link does not)."""
        records = self.store.list_transfers(ticket_id)
        received = [r.to_name for r in records if _email(r.to_email) == address]
        return received[-1] if received else (records[0].from_name if records else "")
