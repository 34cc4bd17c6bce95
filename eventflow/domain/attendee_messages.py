"""Messages from the organizer to the event's attendees: all buyers or the buyers of one tier.

One mail per buyer address (a buyer with three orders gets the message once), each queued in the
outbox under `message:<message id>:<address>`; the message id is a digest of the event, audience,
subject and text, so sending the very same message again (a double click, a retry after a timeout)
queues nothing new. Progress is the outbox's batch `message:<message id>`.

Listing recipients reads every order of the event: callers run `send` in a worker thread
(`Services.in_thread`), never on the event loop.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from eventflow.domain.attendee_mail import organizer_message_mail
from eventflow.domain.errors import NotFound, ValidationFailed
from eventflow.domain.models import Event, TicketStatus
from eventflow.domain.outbox import Outbox, OutgoingMail
from eventflow.domain.ports import Store

MAX_SUBJECT = 200
MAX_TEXT = 10_000


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str
    language: str | None = None  # the language they bought in: the message's frame is in it


@dataclass(frozen=True, slots=True)
class MessageSent:
    batch: str  # the outbox batch that shows its progress
    recipients: int
    queued: int  # new rows (0 when the same message was sent before)


class AttendeeMessages:
    def __init__(self, store: Store, outbox: Outbox, base_url: str) -> None:
        self.store = store
        self.outbox = outbox
        self.base_url = base_url

    def _own_event(self, organizer_id: str, event_id: str) -> Event:
        event = self.store.get_event(event_id)
        if event is None or event.organizer_id != organizer_id:
            raise NotFound("No such event")
        return event

    def recipients(self, organizer_id: str, event_id: str, tier_id: str | None = None) -> list[Recipient]:
        """Buyers holding a valid ticket (of `tier_id`, when given), one per address (any case), in order
        of their first purchase."""
        self._own_event(organizer_id, event_id)
        seen: dict[str, Recipient] = {}
        for order in self.store.list_orders(event_id):
            if any(t.status is TicketStatus.VALID and (tier_id is None or t.tier_id == tier_id) for t in order.tickets):
                seen.setdefault(order.buyer.email.strip().lower(), Recipient(order.buyer.email, order.buyer.name,
                                                                          order.buyer.language))
        return list(seen.values())

    def preview(self, organizer_id: str, event_id: str, subject: str, text: str) -> OutgoingMail:
        """The mail as a buyer would read it (addressed to a sample buyer)."""
        event = self._own_event(organizer_id, event_id)
        subject, text = clean(subject, text)
        return organizer_message_mail(event, "buyer@example.com", "Sam Buyer", subject, text, self.base_url)

    def send(self, organizer_id: str, event_id: str, subject: str, text: str,
             tier_id: str | None = None) -> MessageSent:
        subject, text = clean(subject, text)
        event = self._own_event(organizer_id, event_id)
        message_id = hashlib.sha256("\x00".join((event_id, tier_id or "*", subject, text)).encode()).hexdigest()[:16]
        batch = f"message:{message_id}"
        people = self.recipients(organizer_id, event_id, tier_id)
        queued = self.outbox.enqueue_many([
            (f"{batch}:{person.email.strip().lower()}",
             organizer_message_mail(event, person.email, person.name, subject, text, self.base_url, person.language))
            for person in people], event_id=event_id, batch=batch)
        return MessageSent(batch, len(people), queued)


def clean(subject: str, text: str) -> tuple[str, str]:
    subject, text = " ".join(subject.split()), text.strip()
    if not subject or len(subject) > MAX_SUBJECT:
        raise ValidationFailed("Give the message a subject (up to {most} characters)", field="subject",
                               most=MAX_SUBJECT)
    if not text or len(text) > MAX_TEXT:
        raise ValidationFailed("Write the message (up to {most:,} characters)", field="text", most=MAX_TEXT)
    return subject, text
