"""Handing a ticket on: the holder names the new attendee, the ticket gets a new secret and link.

A transfer rewrites the ticket in one conditional store write (`TransferStore.transfer_ticket`):
new access key (the old wallet link stops opening it), new secret, the new attendee's name and
email, and one more in its `transfers` count, which its signed door codes include
(`door_keys.signed_message`), so every code shown before (a screenshot, the old wallet's cached
codes) fails at once online and, after the door's next manifest refresh, offline too. The write
only happens while the ticket still has the secret the holder's request saw, is valid and has no
check-in: of two transfers racing, one wins; a check-in first refuses the transfer. The door's
check-in is conditional on the transfer count its code was judged with (`Store.admit(checkin,
transfers)`), so a transfer landing between the door's check and its write wins: never both.

Each transfer is kept (`TicketTransfer`: who to whom, when, a digest of the old link's key), so the
old link can say "transferred" and the door "transferred 10 min ago". The new holder is mailed
their wallet link through the outbox (`transfer:<transfer id>`); the old holder is never given it.
The organizer allows transfers (default), forbids them, or allows them until a deadline, per event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from eventflow.domain.attendees import checked_email
from eventflow.domain.clock import Clock
from eventflow.domain.errors import Conflict, NotFound, ValidationFailed
from eventflow.domain.language import supported_language, words_for
from eventflow.domain.links import ticket_url
from eventflow.domain.models import Event, EventStatus, Order, Ticket, TicketStatus, new_id
from eventflow.domain.outbox import Outbox, OutboxMessage, OutgoingMail
from eventflow.domain.questions import MAX_NAME, clean_text


class TransferRule(StrEnum):
    ALLOW = "allow"
    FORBID = "forbid"
    DEADLINE = "deadline"  # allowed until `TransferPolicy.deadline`


@dataclass(frozen=True, slots=True)
class TransferPolicy:
    event_id: str
    rule: TransferRule = TransferRule.ALLOW
    deadline: datetime | None = None  # with DEADLINE: the last instant a transfer is accepted

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule", TransferRule(self.rule))


@dataclass(frozen=True, slots=True)
class TicketTransfer:
    """One hand-on of a ticket, kept for good."""

    id: str
    ticket_id: str
    event_id: str
    order_id: str
    at: datetime
    from_name: str
    from_email: str
    to_name: str
    to_email: str
    old_key_digest: str  # sha256 of the access key it replaced: the old link finds this, the key is not kept


class TransferStore(Protocol):
    def transfer_ticket(self, before: Ticket, after: Ticket, record: TicketTransfer,
                        mail: OutboxMessage | None = None) -> bool:
        """Atomically replace ticket `before.id` by `after` (its secret, access_key, holder_name,
        holder_email and transfers) and keep `record`, only while the stored ticket still has
        `before.secret` and `before.transfers`, status valid and no check-in. The same write adds the
        new holder's My-tickets entry (`my_tickets.owner_after_transfer(record)`; one already there is
        kept as it is) and queues `mail` in the outbox (its key is the new transfer's, so never taken),
        so no second write can fail after the transfer (the new link exists only in that mail). False
        (nothing written) otherwise, and for an unknown ticket."""
        ...

    def list_transfers(self, ticket_id: str) -> list[TicketTransfer]:
        """The ticket's transfers, oldest first (tie: id); [] for none or an unknown ticket."""
        ...

    def event_transfers(self, event_id: str) -> list[TicketTransfer]:
        """Every transfer of the event's tickets, oldest first (tie: id)."""
        ...

    def get_transfer_policy(self, event_id: str) -> TransferPolicy | None: ...

    def save_transfer_policy(self, policy: TransferPolicy) -> None: ...


class TransferNotAllowed(Conflict):
    """The organizer does not allow this ticket to be transferred."""

    code = "transfer_not_allowed"


class TicketAlreadyUsed(Conflict):
    """This ticket was checked in already, so it can no longer be transferred."""

    code = "ticket_checked_in"


class TicketNotTransferable(Conflict):
    """This ticket no longer gets anyone in, so it cannot be transferred."""

    code = "ticket_not_valid"


class TicketChanged(Conflict):
    """This ticket changed meanwhile (transferred or checked in). Open its link again."""

    code = "ticket_changed"


def key_digest(access_key: str) -> str:
    return hashlib.sha256(access_key.encode()).hexdigest()


class Transfers:
    """The holder's transfer, the old link's answer and the organizer's rule."""

    def __init__(self, store: TransferStore, tickets: TicketReader, clock: Clock, outbox: Outbox,
                 base_url: str) -> None:
        self.store = store
        self.tickets = tickets
        self.clock = clock
        self.outbox = outbox
        self.base_url = base_url

    # ------------------------------------------------------------ the organizer's rule
    def policy(self, event_id: str) -> TransferPolicy:
        return self.store.get_transfer_policy(event_id) or TransferPolicy(event_id)

    def save_policy(self, event_id: str, rule: str, deadline: datetime | None) -> TransferPolicy:
        """The caller has checked the organizer owns the event."""
        try:
            chosen = TransferRule(rule)
        except ValueError:
            raise ValidationFailed("Choose allow, forbid or deadline", field="rule") from None
        if chosen is TransferRule.DEADLINE and (deadline is None or deadline.tzinfo is None):
            raise ValidationFailed("A deadline needs a date and time with a timezone", field="deadline")
        policy = TransferPolicy(event_id, chosen, deadline if chosen is TransferRule.DEADLINE else None)
        self.store.save_transfer_policy(policy)
        return policy

    def refusal(self, ticket: Ticket, event: Event | None) -> Conflict | None:
        """Why this ticket cannot be transferred now, or None."""
        if event is None or event.status is EventStatus.CANCELLED or ticket.status is not TicketStatus.VALID:
            return TicketNotTransferable()
        if self.tickets.get_checkin(ticket.event_id, ticket.id) is not None:
            return TicketAlreadyUsed()
        policy = self.policy(ticket.event_id)
        if policy.rule is TransferRule.FORBID:
            return TransferNotAllowed()
        if policy.rule is TransferRule.DEADLINE and policy.deadline is not None and self.clock.now() > policy.deadline:
            return TransferNotAllowed("Transfers for this event closed at {deadline}",
                                      deadline=policy.deadline.isoformat(timespec="minutes"))
        return None

    # ------------------------------------------------------------ the holder's transfer
    def holder_ticket(self, ticket_id: str, access_key: str) -> Ticket:
        """The ticket behind a wallet link; NotFound unless the key matches (as `Queries.ticket_view`)."""
        ticket = self.tickets.get_ticket(ticket_id)
        if ticket is None or not hmac.compare_digest(ticket.access_key.encode(), access_key.encode()):
            raise NotFound("No such ticket")
        return ticket

    def transfer(self, ticket_id: str, access_key: str, name: str, email: str,
                 language: str | None = None) -> TicketTransfer:
        """`language`: the new holder's mail's, as the caller knows it (the recipient's if the sender named it,
        else the sender's page or Accept-Language); None: the language the ticket was bought in."""
        ticket = self.holder_ticket(ticket_id, access_key)
        to_name = clean_text(name, MAX_NAME, "name", one_line=True)
        if not to_name:
            raise ValidationFailed("Enter the new attendee's name", field="name")
        to_email = checked_email(email, "email")
        if not to_email:
            raise ValidationFailed("Enter the new attendee's email", field="email")
        event = self.tickets.get_event(ticket.event_id)
        refused = self.refusal(ticket, event)
        if refused is not None:
            raise refused
        assert event is not None
        after = replace(ticket, access_key=secrets.token_urlsafe(18),
                        secret=base64.b32encode(secrets.token_bytes(20)).decode(),
                        holder_name=to_name, holder_email=to_email, transfers=ticket.transfers + 1)
        record = TicketTransfer(new_id("trf", 12), ticket.id, ticket.event_id, ticket.order_id, self.clock.now(),
                                ticket.holder_name, ticket.holder_email, to_name, to_email,
                                key_digest(ticket.access_key))
        # The new holder's mail is queued in the transfer's own write: its link is the only way to the ticket.
        mail = self.outbox.message(f"transfer:{record.id}", self._mail(after, event, record, language),
                                   event_id=event.id)
        if not self.store.transfer_ticket(ticket, after, record, mail):
            if self.tickets.get_checkin(ticket.event_id, ticket.id) is not None:
                raise TicketAlreadyUsed()
            raise TicketChanged()
        return record

    def _mail(self, ticket: Ticket, event: Event, record: TicketTransfer, language: str | None) -> OutgoingMail:
        order = self.tickets.get_order(ticket.order_id) if supported_language(language) is None else None
        words = words_for(supported_language(language) or (order.buyer.language if order else None))
        link = ticket_url(self.base_url, ticket.id, ticket.access_key)
        text = words("Hello {name},\n\n{sender} gave you a ticket for {title} ({when}).\n\nYour ticket "
                     "(keep this link to yourself, it is your ticket):\n{link}\n\nIts code changes every 30 "
                     "seconds; show it at the door from this link.\n").format(
            name=record.to_name, sender=record.from_name, title=event.title, link=link,
            when=", ".join(filter(None, (words.moment(event.starts_at, event.timezone), event.venue))))
        return OutgoingMail(to=f"{record.to_name} <{record.to_email}>",
                            subject=words("Your ticket for {title}").format(title=event.title), text=text)

    # ------------------------------------------------------------ what old links and the door see
    def old_link(self, ticket_id: str, access_key: str) -> TicketTransfer | None:
        """The transfer that retired this wallet link's key, or None (no such link ever opened it)."""
        if not access_key:
            return None
        digest = key_digest(access_key)
        return next((t for t in self.store.list_transfers(ticket_id)
                     if hmac.compare_digest(t.old_key_digest, digest)), None)

    def retired_link(self, ticket_id: str, access_key: str) -> tuple[TicketTransfer, Ticket] | None:
        """`old_link` with the ticket as it is now (its tier and event, for the old link's page)."""
        record = self.old_link(ticket_id, access_key)
        ticket = self.tickets.get_ticket(ticket_id) if record is not None else None
        return (record, ticket) if record is not None and ticket is not None else None

    def history(self, ticket_id: str) -> list[TicketTransfer]:
        return self.store.list_transfers(ticket_id)


class TicketReader(Protocol):
    """The few reads of the main store a transfer needs."""

    def get_ticket(self, ticket_id: str) -> Ticket | None: ...

    def get_event(self, event_id: str) -> Event | None: ...

    def get_checkin(self, event_id: str, ticket_id: str) -> object | None: ...

    def get_order(self, order_id: str) -> Order | None: ...
