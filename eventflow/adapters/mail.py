"""Mail adapter: mail goes out over SMTP when EVENTFLOW_SMTP_URL is set, else as .eml files.

Both mailers send any `OutgoingMail` (`send`, what the outbox job calls); `OutboxMailer` puts the
tickets mail through the outbox (domain/outbox.py) and tries it at once, so a buyer has it as soon
as the order exists and a failed try is retried by the job, never sent twice.

`smtp://user:pass@host:587?starttls=true` or `smtps://user:pass@host:465` (add `cafile=/path.pem`
to trust a private certificate authority); without a URL the
message is written to `<data dir>/mail/<order id>.eml` and its path logged, so a fresh install
shows exactly what a buyer would receive. The files hold ticket links (each one admits someone), so
they are created readable by the server's user only (0600, in a 0700 folder).
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import threading
import time
from contextlib import suppress
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from eventflow.adapters.calendar import calendar_attachment
from eventflow.domain.attendee_mail import refund_notice_key, refund_notice_mail, tickets_mail
from eventflow.domain.models import Buyer, Event, Order
from eventflow.domain.outbox import Outbox, OutboxSender, OutboxStatus, OutgoingMail
from eventflow.domain.payments.records import Refund

log = logging.getLogger(__name__)

DEFAULT_SENDER = "EventFlow <tickets@eventflow.local>"
REUSE_SECONDS = 60.0  # an idle connection older than this is closed, not reused


def build_message(mail: OutgoingMail, sender: str = DEFAULT_SENDER) -> EmailMessage:
    """The MIME message of an `OutgoingMail`: text, its HTML alternative, then the attachments."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = mail.to
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=attachment.filename)
    return message


def tickets_message(order: Order, event: Event, base_url: str, sender: str = DEFAULT_SENDER) -> EmailMessage:
    return build_message(ticket_mail(order, event, base_url), sender)


def ticket_mail(order: Order, event: Event, base_url: str, paid_minor: int | None = None) -> OutgoingMail:
    """The tickets mail with the event's .ics attached."""
    return tickets_mail(order, event, base_url, calendar_attachment(event, base_url, order), paid_minor)


def refund_message(refund: Refund, buyer: Buyer, event: Event, base_url: str,
                   sender: str = DEFAULT_SENDER) -> EmailMessage:
    """Tells the buyer their money is going back, and why (the words: domain/attendee_mail.py)."""
    return build_message(refund_notice_mail(refund, buyer, event, base_url), sender)


class FileMailer:
    def __init__(self, directory: Path, base_url: str) -> None:
        self._directory = directory
        self._base_url = base_url

    def send_tickets(self, order: Order, event: Event, paid_minor: int | None = None) -> None:
        self.send(ticket_mail(order, event, self._base_url, paid_minor), f"tickets:{order.id}")

    def send(self, mail: OutgoingMail, reference: str = "") -> None:
        """Write the mail to `<reference>.eml` (an outbox key; `tickets:<order id>` is `<order id>.eml`)."""
        path = self._directory / f"{file_stem(reference or mail.to)}.eml"
        self._write(path, bytes(build_message(mail)))
        log.info("mail %r for %s written to %s", mail.subject, mail.to, path)

    def send_refund_notice(self, refund: Refund, buyer: Buyer, event: Event) -> None:
        path = self._directory / f"{refund.id}.eml"
        self._write(path, bytes(refund_message(refund, buyer, event, self._base_url)))
        log.info("refund notice %s for %s written to %s", refund.id, buyer.email, path)

    def _write(self, path: Path, message: bytes) -> None:
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(message)


class SmtpMailer:
    def __init__(self, url: str, base_url: str, timeout: float = 15) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
            raise ValueError("EVENTFLOW_SMTP_URL must look like smtp://user:pass@host:587")
        self._ssl = parsed.scheme == "smtps"
        self._host = parsed.hostname
        self._port = parsed.port or (465 if self._ssl else 25)
        self._user = unquote(parsed.username) if parsed.username else None
        self._password = unquote(parsed.password) if parsed.password else None
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        self._starttls = options.get("starttls", "").lower() in ("1", "true", "yes")
        self._cafile = options.get("cafile") or None  # a private CA's certificate, for self-hosted mail
        self._sender = unquote(options.get("from", "")) or DEFAULT_SENDER
        self._base_url = base_url
        self._timeout = timeout
        self._local = threading.local()  # each thread's open connection (smtplib's are not thread-safe)

    def send_tickets(self, order: Order, event: Event, paid_minor: int | None = None) -> None:
        self.send(ticket_mail(order, event, self._base_url, paid_minor))
        log.info("tickets of order %s mailed to %s", order.id, order.buyer.email)

    def send(self, mail: OutgoingMail, reference: str = "") -> None:
        """Hand the mail to the server; raises unless the server accepted it."""
        self._send(build_message(mail, self._sender))

    def _send(self, message: EmailMessage) -> None:
        """Send over this thread's open connection (the outbox job sends hundreds in a row: one
        handshake, not one each); any error closes it, and the next send opens a new one."""
        smtp = self._connection()
        try:
            smtp.send_message(message)
        except BaseException:
            self._close_connection()
            raise
        self._local.used_at = time.monotonic()

    def _connection(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        if smtp is not None:
            idle = time.monotonic() - self._local.used_at
            try:
                # Idle a while: ask whether the server still listens (servers drop idle sessions).
                if idle < REUSE_SECONDS and (idle < 2 or smtp.noop()[0] == 250):
                    return smtp
            except (smtplib.SMTPException, OSError):
                pass
            self._close_connection()
        smtp = self._open()
        self._local.smtp, self._local.used_at = smtp, time.monotonic()
        return smtp

    def _open(self) -> smtplib.SMTP:
        # Certificates are verified: a password must never reach a server that only claims the name.
        tls = ssl.create_default_context(cafile=self._cafile)
        if self._ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=tls)
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            if self._starttls:
                smtp.starttls(context=tls)
            if self._user:
                smtp.login(self._user, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _close_connection(self) -> None:
        smtp: smtplib.SMTP | None = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is not None:
            with suppress(smtplib.SMTPException, OSError):
                smtp.quit()
            smtp.close()

    def send_refund_notice(self, refund: Refund, buyer: Buyer, event: Event) -> None:
        self._send(refund_message(refund, buyer, event, self._base_url, self._sender))
        log.info("refund notice %s mailed to %s", refund.id, buyer.email)


def file_stem(reference: str) -> str:
    """A file name for an outbox key: the order id for a tickets mail and the refund id for a refund
    notice (as before the outbox), else the key with anything but letters, digits, `@._-` replaced."""
    for prefix in ("tickets:", "refund:"):
        reference = reference.removeprefix(prefix)
    return re.sub(r"[^A-Za-z0-9@._-]", "_", reference)[:200] or "mail"


class OutboxMailer:
    """The app's `PaymentMailer`: tickets through the outbox (key `tickets:<order id>`), tried at once.

    A failed first try raises (the checkout logs it; the sale stands) and stays in the outbox, where
    the outbox job retries it with backoff. Refund notices go through the outbox the same way."""

    def __init__(self, outbox: Outbox, sender: OutboxSender, mailer: FileMailer | SmtpMailer,
                 base_url: str) -> None:
        self._outbox = outbox
        self._sender = sender
        self._mailer = mailer
        self._base_url = base_url

    def send_tickets(self, order: Order, event: Event, paid_minor: int | None = None) -> None:
        key = f"tickets:{order.id}"
        self._outbox.enqueue(key, ticket_mail(order, event, self._base_url, paid_minor), event_id=event.id,
                             batch="tickets")
        status = self._sender.send_now(key)
        if status not in (OutboxStatus.SENT, None):
            message = self._outbox.store.get_outbox_message(key)
            raise MailNotSent(f"queued for a retry ({message.last_error if message else status.value})")

    def send_refund_notice(self, refund: Refund, buyer: Buyer, event: Event) -> None:
        """Through the outbox like every mail to a buyer (one per refund: `refund:<refund id>`), tried at once."""
        key = refund_notice_key(refund)
        self._outbox.enqueue(key, refund_notice_mail(refund, buyer, event, self._base_url), event_id=event.id,
                             batch="refunds")
        self._sender.send_now(key)


class MailNotSent(Exception):
    """The first try of a queued mail failed; the outbox retries it."""
