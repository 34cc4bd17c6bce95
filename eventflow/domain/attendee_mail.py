"""What EventFlow writes to attendees: the tickets mail, the reminder, the organizer's messages, the
refund notice.

Plain text (with an HTML alternative for the tickets), in the event's own timezone, with the venue's
map link, so every mail answers "when, where, how do I get in". The texts keep to ASCII punctuation:
a mail's plain part then stays 7-bit and its links are never wrapped by quoted-printable encoding.
The .ics attachment is made by adapters/calendar.py and handed in.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from eventflow.domain.links import event_url, order_path, ticket_url
from eventflow.domain.models import Buyer, Event, Order, TicketStatus
from eventflow.domain.money import format_money
from eventflow.domain.outbox import MailAttachment, OutgoingMail
from eventflow.domain.payments.records import Refund, RefundReason


def recipient(name: str, email: str) -> str:
    """`Name <address>`; a name with a comma or quotes is quoted by the mailer's header encoding."""
    return f"{name} <{email}>" if name else email


def venue_map_url(venue: str) -> str:
    """An OpenStreetMap search for the venue (the organizer types a name or an address)."""
    return f"https://www.openstreetmap.org/search?query={quote_plus(venue)}"


def local_time(instant: datetime, timezone: str, pattern: str = "EEE d MMM y, HH:mm") -> str:
    return format_datetime(instant.astimezone(ZoneInfo(timezone)), pattern, locale="en_GB")


def when_text(event: Event) -> str:
    """`Sat 10 Jul 2027, 16:00 - Sat 10 Jul 2027, 23:59 (Europe/Berlin, UTC+02:00)`."""
    zone = ZoneInfo(event.timezone)
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    end_text = local_time(end, event.timezone, "HH:mm" if end.date() == start.date() else "EEE d MMM y, HH:mm")
    offset = start.strftime("%z")
    return f"{local_time(start, event.timezone)} - {end_text} ({event.timezone}, UTC{offset[:3]}:{offset[3:]})"


def where_lines(event: Event) -> list[str]:
    if not event.venue.strip():
        return []
    return [f"Where: {event.venue}", f"Map: {venue_map_url(event.venue)}"]


def order_url(base_url: str, order: Order) -> str:
    return f"{base_url.rstrip('/')}{order_path(order.reservation_id)}"


def tickets_mail(order: Order, event: Event, base_url: str, calendar: MailAttachment | None = None,
                 paid_minor: int | None = None) -> OutgoingMail:
    """The buyer's tickets: one link per ticket (each link is the ticket), when and where, the .ics.
    `paid_minor` above the order's total: the card also paid a passed-on "Payment processing" line."""
    links = [ticket_url(base_url, t.id, t.access_key) for t in order.tickets]
    processing = max(0, (paid_minor or 0) - order.total_minor)
    total = format_money(order.total_minor + processing, order.currency, locale="en_GB") + (
        f" (incl. Payment processing {format_money(processing, order.currency, locale='en_GB')})"
        if processing else "")
    text = "\n".join([
        f"Hi {order.buyer.name},",
        "",
        f"Here are your {len(order.tickets)} ticket(s) for {event.title}.",
        f"Order {order.id}, total paid {total}.",
        "",
        f"When: {when_text(event)}",
        *where_lines(event),
        "",
        *[f"Ticket {n}: {link}" for n, link in enumerate(links, 1)],
        "",
        "Open a ticket at the door: its QR code changes every 30 seconds, so screenshots won't work.",
        f"Your order: {order_url(base_url, order)}",
        "The attached calendar file (.ics) adds the event to your calendar." if calendar else "",
    ]).rstrip() + "\n"
    items = "".join(f'<li><a href="{escape(link)}">Ticket {n}</a></li>' for n, link in enumerate(links, 1))
    # The map as a bare address (mail programs link it): the only anchors in the HTML are the tickets.
    venue = (f"<p>Where: {escape(event.venue)}<br>Map: {escape(venue_map_url(event.venue))}</p>"
             if event.venue.strip() else "")
    html = (f"<p>Hi {escape(order.buyer.name)},</p><p>Here are your tickets for "
            f"<b>{escape(event.title)}</b> (order {escape(order.id)}, total {escape(total)}).</p>"
            f"<p>When: {escape(when_text(event))}</p>{venue}"
            f"<ul>{items}</ul><p>The QR code on each ticket changes every 30 seconds.</p>")
    return OutgoingMail(to=recipient(order.buyer.name, order.buyer.email), subject=f"Your tickets for {event.title}",
                        text=text, html=html, attachments=(calendar,) if calendar else ())


def reminder_mail(order: Order, event: Event, base_url: str) -> OutgoingMail:
    """The day-before reminder: when, where, and the links to the buyer's valid tickets."""
    valid = [t for t in order.tickets if t.status is TicketStatus.VALID]
    text = "\n".join([
        f"Hi {order.buyer.name},",
        "",
        f"A reminder: {event.title} starts soon.",
        "",
        f"When: {when_text(event)}",
        *where_lines(event),
        "",
        *[f"Ticket {n}: {ticket_url(base_url, t.id, t.access_key)}" for n, t in enumerate(valid, 1)],
        "",
        f"Event page: {event_url(base_url, event.slug)}",
    ]) + "\n"
    starts = local_time(event.starts_at, event.timezone, "EEE d MMM, HH:mm")
    return OutgoingMail(to=recipient(order.buyer.name, order.buyer.email),
                        subject=f"Reminder: {event.title}, {starts}", text=text)


def organizer_message_mail(event: Event, email: str, name: str, subject: str, text: str,
                           base_url: str) -> OutgoingMail:
    """The organizer's own words, followed by the event's when and where."""
    body = "\n".join([
        text.rstrip(),
        "",
        "--",
        f"{event.title}",
        f"When: {when_text(event)}",
        *where_lines(event),
        f"Event page: {event_url(base_url, event.slug)}",
        "You receive this because you have tickets for this event.",
    ]) + "\n"
    return OutgoingMail(to=recipient(name, email), subject=subject, text=body)


def refund_notice_key(refund: Refund) -> str:
    """The refund notice's outbox key: one mail per refund, however often the refund is finished."""
    return f"refund:{refund.id}"


def refund_notice_mail(refund: Refund, buyer: Buyer, event: Event, base_url: str) -> OutgoingMail:
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
    text = "\n".join([
        f"Hi {buyer.name},", "", why, "",
        "Refunds reach your card within 5-10 business days, depending on your bank.",
        f"Reference: {refund.id} (reservation {refund.reservation_id}).",
        f"Event page: {event_url(base_url, event.slug)}",
    ]) + "\n"
    return OutgoingMail(to=recipient(buyer.name, buyer.email), subject=f"Refund for {event.title}", text=text)
