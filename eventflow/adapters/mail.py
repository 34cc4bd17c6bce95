"""Mail adapter: tickets go out over SMTP when EVENTFLOW_SMTP_URL is set, else as .eml files.

`smtp://user:pass@host:587?starttls=true` or `smtps://user:pass@host:465` (add `cafile=/path.pem`
to trust a private certificate authority); without a URL the
message is written to `<data dir>/mail/<order id>.eml` and its path logged, so a fresh install
shows exactly what a buyer would receive. The files hold ticket links (each one admits someone), so
they are created readable by the server's user only (0600, in a 0700 folder).
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from email.message import EmailMessage
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from eventflow.domain.links import event_url, ticket_url
from eventflow.domain.models import Buyer, Event, Order
from eventflow.domain.money import format_money
from eventflow.domain.payments.records import Refund, RefundReason

log = logging.getLogger(__name__)

DEFAULT_SENDER = "EventFlow <tickets@eventflow.local>"


def tickets_message(order: Order, event: Event, base_url: str, sender: str = DEFAULT_SENDER) -> EmailMessage:
    links = [ticket_url(base_url, t.id, t.access_key) for t in order.tickets]
    total = format_money(order.total_minor, order.currency, locale="en_GB")
    message = EmailMessage()
    message["Subject"] = f"Your tickets for {event.title}"
    message["From"] = sender
    message["To"] = f"{order.buyer.name} <{order.buyer.email}>"
    text_lines = [
        f"Hi {order.buyer.name},",
        "",
        f"Here are your {len(order.tickets)} ticket(s) for {event.title}.",
        f"Order {order.id}, total paid {total}.",
        "",
        *[f"Ticket {n}: {link}" for n, link in enumerate(links, 1)],
        "",
        "Open a ticket at the door: its QR code changes every 30 seconds, so screenshots won't work.",
    ]
    message.set_content("\n".join(text_lines))
    items = "".join(f'<li><a href="{escape(link)}">Ticket {n}</a></li>' for n, link in enumerate(links, 1))
    message.add_alternative(
        f"<p>Hi {escape(order.buyer.name)},</p><p>Here are your tickets for "
        f"<b>{escape(event.title)}</b> (order {escape(order.id)}, total {escape(total)}).</p>"
        f"<ul>{items}</ul><p>The QR code on each ticket changes every 30 seconds.</p>",
        subtype="html",
    )
    return message


def refund_message(refund: Refund, buyer: Buyer, event: Event, base_url: str,
                   sender: str = DEFAULT_SENDER) -> EmailMessage:
    """Tells the buyer their money is going back, and why (late payment, second payment, organizer)."""
    amount = format_money(refund.amount_minor, refund.currency, locale="en_GB")
    why = {
        RefundReason.LATE_SOLD_OUT: (
            f"Your payment for {event.title} arrived after your hold on the tickets had ended, and they sold "
            f"out in the meantime, so no tickets could be issued. We have refunded the full {amount}."),
        RefundReason.DUPLICATE: (
            f"We received a second payment for your reservation for {event.title}, which was already paid. "
            f"We have refunded that second payment: {amount}. Your tickets stay valid."),
    }.get(refund.reason, (
        f"The organizer of {event.title} refunded {len(refund.ticket_ids) or 'your'} ticket(s): {amount} "
        "goes back to your card. Those tickets are no longer valid."))
    message = EmailMessage()
    message["Subject"] = f"Refund for {event.title}"
    message["From"] = sender
    message["To"] = f"{buyer.name} <{buyer.email}>"
    message.set_content("\n".join([
        f"Hi {buyer.name},", "", why, "",
        "Refunds reach your card within 5-10 business days, depending on your bank.",
        f"Reference: {refund.id} (reservation {refund.reservation_id}).",
        f"Event page: {event_url(base_url, event.slug)}",
    ]))
    return message


class FileMailer:
    def __init__(self, directory: Path, base_url: str) -> None:
        self._directory = directory
        self._base_url = base_url

    def send_tickets(self, order: Order, event: Event) -> None:
        path = self._directory / f"{order.id}.eml"
        self._write(path, bytes(tickets_message(order, event, self._base_url)))
        log.info("tickets of order %s for %s written to %s", order.id, order.buyer.email, path)

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

    def send_tickets(self, order: Order, event: Event) -> None:
        self._send(tickets_message(order, event, self._base_url, self._sender))
        log.info("tickets of order %s mailed to %s", order.id, order.buyer.email)

    def _send(self, message: EmailMessage) -> None:
        # Certificates are verified: a password must never reach a server that only claims the name.
        tls = ssl.create_default_context(cafile=self._cafile)
        if self._ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self._host, self._port, timeout=self._timeout, context=tls)
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        with smtp:
            if self._starttls:
                smtp.starttls(context=tls)
            if self._user:
                smtp.login(self._user, self._password or "")
            smtp.send_message(message)

    def send_refund_notice(self, refund: Refund, buyer: Buyer, event: Event) -> None:
        self._send(refund_message(refund, buyer, event, self._base_url, self._sender))
        log.info("refund notice %s mailed to %s", refund.id, buyer.email)
