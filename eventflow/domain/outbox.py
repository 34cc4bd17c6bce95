"""The outbox: mail to buyers is written to the store first and sent later by a job, exactly once.

Any use case that tells a buyer something (tickets, a refund, a cancelled event, a message from
the organizer, the reminder) calls `Outbox.enqueue(key, mail)`. The key is the idempotency key
("cancel:<order_id>", "reminder:<order_id>"): a key enqueued before is refused (False), so a
retried batch or a webhook delivered twice never mails anyone twice.

`OutboxSender.send_batch` (run by app/jobs.py under a lease, so one instance sends) takes due
messages one at a time: it marks the message SENDING in the store *before* handing it to the mail
server, then SENT after the server accepted it. A failure the mail server reports puts it back to
PENDING with exponential backoff, up to `max_attempts`, then FAILED (the organizer can retry it).

Delivery is at most once. When the process dies between the server's accept and the SENT mark,
the message stays SENDING; after `stale_after` the sender marks it UNKNOWN ("may not have
arrived") and never resends it on its own: a duplicate mail to thousands of attendees cannot be
taken back, while a rare unknown one is shown to the organizer with a "send again" button (and
tickets stay reachable from the order page). The window is one SMTP reply and one row update.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from eventflow.domain.clock import Clock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MailAttachment:
    filename: str
    content_type: str  # e.g. "text/calendar"
    data: bytes


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One mail to one recipient. `to` is an address, optionally with a name: "Ada <ada@example.com>"."""

    to: str
    subject: str
    text: str
    attachments: tuple[MailAttachment, ...] = ()
    html: str | None = None  # an HTML alternative of `text`, when the mail has one


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its send (first, or a retry after backoff)
    SENDING = "sending"  # handed to the mail server; SENT once it accepted
    SENT = "sent"
    FAILED = "failed"  # gave up after max attempts; the organizer may retry
    UNKNOWN = "unknown"  # the sender died mid-send: may or may not have arrived; never resent by itself


# How a send may end (`OutboxStore.finish_outbox_send`); SENDING is where it started.
SEND_ENDINGS = frozenset({OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.UNKNOWN})


def send_ending(status: OutboxStatus) -> OutboxStatus:
    """`status` when a send may finish as it (the one statement of the rule: the sender checks it
    before it writes, and every store's `finish_outbox_send` refuses anything else the same way)."""
    if status not in SEND_ENDINGS:
        raise ValueError("a send finishes as SENT, PENDING, FAILED or UNKNOWN")
    return status


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One row of the outbox: one mail to one recipient, unique by `key`."""

    key: str
    mail: OutgoingMail
    created_at: datetime
    next_attempt_at: datetime
    event_id: str = ""  # whose organizer sees its progress ("" for mail of no event)
    batch: str = ""  # groups a fan-out for progress, e.g. "message:<id>", "reminder", "tickets"
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0  # sends started
    updated_at: datetime | None = None  # last change of status (SENDING: when the send started)
    last_error: str = ""


@dataclass(frozen=True, slots=True)
class OutboxBatch:
    """Progress of one batch of an event: counts per status and the subject of its mail."""

    batch: str
    subject: str
    created_at: datetime
    counts: dict[OutboxStatus, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, status: OutboxStatus) -> int:
        return self.counts.get(status, 0)


@dataclass(frozen=True, slots=True)
class EventMailSettings:
    """An event's mail to attendees: whether the day-before reminder goes out, and when it was queued."""

    event_id: str
    reminder: bool = True  # on unless the organizer turns it off
    reminders_queued_at: datetime | None = None  # every order's reminder was enqueued then (once per event)


class OutboxStore(Protocol):
    """The outbox's rows (every backend; checked by tests/store/test_contract_outbox.py).

    Under the `Store` conventions: instants come back in UTC; listings are totally ordered."""

    def add_outbox_message(self, message: OutboxMessage) -> bool:
        """Store a new PENDING message; False (and nothing changes) when its key exists, whatever its status."""

    def add_outbox_messages(self, messages: Sequence[OutboxMessage]) -> int:
        """`add_outbox_message` for many (a fan-out): each key on its own (a taken key is skipped, the
        rest are stored); returns how many were new. Cheaper per message than one call each."""

    def get_outbox_message(self, key: str) -> OutboxMessage | None: ...

    def due_outbox_messages(self, now: datetime, limit: int) -> list[OutboxMessage]:
        """PENDING messages with next_attempt_at <= now, ordered by (next_attempt_at, key), at most `limit`."""

    def start_outbox_send(self, key: str, attempts: int, now: datetime) -> OutboxMessage | None:
        """PENDING with `attempts` sends so far -> SENDING (attempts + 1, updated_at = now), once: the
        claimed message to the one caller that claimed it, None to everyone else and for unknown keys."""

    def finish_outbox_send(
        self, key: str, status: OutboxStatus, now: datetime, next_attempt_at: datetime | None = None,
        error: str = "",
    ) -> bool:
        """SENDING -> SENT, PENDING (a retry at `next_attempt_at`), FAILED or UNKNOWN, recording `error`;
        True if this call moved it (False: not SENDING, or no such key). ValueError for SENDING
        (`send_ending`, called by every implementation before it writes)."""

    def stale_outbox_sends(self, started_before: datetime, limit: int) -> list[OutboxMessage]:
        """SENDING messages whose send started at or before `started_before`, ordered by (updated_at, key)."""

    def retry_outbox_message(self, key: str, now: datetime) -> bool:
        """FAILED or UNKNOWN -> PENDING, due at `now` (attempts kept); False for any other status or key."""

    def outbox_batches(self, event_id: str) -> list[OutboxBatch]:
        """Progress of every batch of an event, ordered by (created_at of its first message, batch)."""

    def outbox_problems(self, event_id: str, limit: int) -> list[OutboxMessage]:
        """The event's FAILED and UNKNOWN messages, ordered by (updated_at, key), at most `limit`."""

    def get_event_mail_settings(self, event_id: str) -> EventMailSettings | None:
        """None when never saved (the defaults apply)."""

    def acquire_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        """`PaymentStore.acquire_lease`, the same named leases: the outbox job holds `outbox`."""

    def save_event_mail_settings(self, settings: EventMailSettings) -> None:
        """Insert or overwrite the event's settings."""


class MailSender(Protocol):
    """Hands one mail to the mail server (adapters/mail.py); raises when it was not accepted.
    `reference` is the outbox key (the file mailer names its .eml files after it)."""

    def send(self, mail: OutgoingMail, reference: str) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)
    stale_after: timedelta = timedelta(minutes=10)  # a SENDING older than this: the sender died

    def delay(self, attempts: int) -> timedelta:
        """Wait before the next try after `attempts` failed sends: 30 s, 1 min, 2 min, ... capped."""
        return min(self.first_delay * (2 ** max(0, attempts - 1)), self.max_delay)


class Outbox:
    """Enqueue mail for buyers (any use case); `services.outbox`."""

    def __init__(self, store: OutboxStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def enqueue(self, key: str, mail: OutgoingMail, *, event_id: str = "", batch: str = "") -> bool:
        """Queue `mail` under the idempotency `key`; False when that key was enqueued before (the
        earlier mail stands, this one is dropped: never sent twice). Pass `event_id` so the event's
        organizer sees its progress, and `batch` to group a fan-out ("cancel", "message:<id>")."""
        return self.store.add_outbox_message(self.message(key, mail, event_id=event_id, batch=batch))

    def message(self, key: str, mail: OutgoingMail, *, event_id: str = "", batch: str = "") -> OutboxMessage:
        """The row `enqueue` writes, for a store write that queues it with its own change in one atomic
        step (a ticket transfer: `TransferStore.transfer_ticket`)."""
        if not key:
            raise ValueError("an outbox key is needed")
        now = self.clock.now()
        return OutboxMessage(key=key, mail=mail, created_at=now, next_attempt_at=now, event_id=event_id,
                             batch=batch or key, updated_at=now)

    def enqueue_many(self, items: Sequence[tuple[str, OutgoingMail]], *, event_id: str = "",
                     batch: str = "") -> int:
        """`enqueue` for a fan-out (call it in a worker thread): returns how many keys were new."""
        now = self.clock.now()
        if any(not key for key, _ in items):
            raise ValueError("an outbox key is needed")
        return self.store.add_outbox_messages([
            OutboxMessage(key=key, mail=mail, created_at=now, next_attempt_at=now, event_id=event_id,
                          batch=batch or key, updated_at=now) for key, mail in items])

    def retry(self, key: str) -> bool:
        """The organizer's "send again" for a FAILED or UNKNOWN message."""
        return self.store.retry_outbox_message(key, self.clock.now())

    def batches(self, event_id: str) -> list[OutboxBatch]:
        return self.store.outbox_batches(event_id)

    def problems(self, event_id: str, limit: int = 50) -> list[OutboxMessage]:
        return self.store.outbox_problems(event_id, limit)


class OutboxSender:
    """Sends due messages through a `MailSender` (one instance at a time: app/jobs.py holds a lease)."""

    def __init__(self, store: OutboxStore, clock: Clock, mailer: MailSender,
                 policy: RetryPolicy | None = None) -> None:
        self.store = store
        self.clock = clock
        self.mailer = mailer
        self.policy = policy or RetryPolicy()

    def send_batch(self, limit: int = 100) -> tuple[int, int]:
        """Send up to `limit` due messages: (how many were due and tried, how many the server accepted)."""
        self.give_up_stale_sends()
        due = self.store.due_outbox_messages(self.clock.now(), limit)
        return len(due), sum(self.send_one(message) for message in due)

    def send_now(self, key: str) -> OutboxStatus | None:
        """Try one message at once if it is due (the tickets mail, right after the sale); returns its
        status afterwards, None for an unknown key. Claimed like any other send: never twice."""
        message = self.store.get_outbox_message(key)
        if message is None:
            return None
        if message.status is OutboxStatus.PENDING and message.next_attempt_at <= self.clock.now():
            self.send_one(message)
            message = self.store.get_outbox_message(key) or message
        return message.status

    def send_one(self, message: OutboxMessage) -> bool:
        claimed = self.store.start_outbox_send(message.key, message.attempts, self.clock.now())
        if claimed is None:
            return False  # another sender took it (or it changed): theirs to send
        try:
            self.mailer.send(claimed.mail, claimed.key)
        except Exception as error:  # any failure of the mail server is a failed try
            self.fail(claimed, f"{type(error).__name__}: {error}"[:500])
            return False
        self._finish(claimed.key, OutboxStatus.SENT)
        return True

    def _finish(self, key: str, status: OutboxStatus, next_attempt_at: datetime | None = None,
                error: str = "") -> bool:
        """End a send this sender started (the rule of how a send may end is checked first)."""
        return self.store.finish_outbox_send(key, send_ending(status), self.clock.now(),
                                             next_attempt_at=next_attempt_at, error=error)

    def fail(self, message: OutboxMessage, error: str) -> None:
        now = self.clock.now()
        if message.attempts >= self.policy.max_attempts:
            log.warning("outbox %s failed for good after %d attempts: %s", message.key, message.attempts, error)
            self._finish(message.key, OutboxStatus.FAILED, error=error)
        else:
            retry_at = now + self.policy.delay(message.attempts)
            log.info("outbox %s: try %d refused (%s); next try at %s", message.key, message.attempts, error,
                     retry_at.isoformat())
            self._finish(message.key, OutboxStatus.PENDING, next_attempt_at=retry_at, error=error)

    def give_up_stale_sends(self) -> int:
        """SENDING for longer than `stale_after`: the sender died mid-send. UNKNOWN, not resent (at most once)."""
        stale = self.store.stale_outbox_sends(self.clock.now() - self.policy.stale_after, 500)
        for message in stale:
            self._finish(message.key, OutboxStatus.UNKNOWN,
                         error="the sender stopped during this send: it may or may not have arrived")
        return len(stale)


# ---------------------------------------------------------------------- the stores' codec
def mail_to_json(mail: OutgoingMail) -> str:
    """The mail as one JSON text (attachments base64), how every backend keeps it."""
    return json.dumps({
        "to": mail.to, "subject": mail.subject, "text": mail.text, "html": mail.html,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "data": base64.b64encode(a.data).decode()}
            for a in mail.attachments],
    }, separators=(",", ":"))


def mail_from_json(text: str) -> OutgoingMail:
    data = json.loads(text)
    return OutgoingMail(
        to=data["to"], subject=data["subject"], text=data["text"], html=data.get("html"),
        attachments=tuple(
            MailAttachment(a["filename"], a["content_type"], base64.b64decode(a["data"]))
            for a in data.get("attachments", [])))

