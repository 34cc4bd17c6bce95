"""What EventFlow writes to attendees: the tickets mail, the reminder, the organizer's messages, the
refund notice.

Plain text (with an HTML alternative for the tickets), in the event's own timezone, with the venue's
map link, so every mail answers "when, where, how do I get in". The texts keep to ASCII punctuation:
a mail's plain part then stays 7-bit and its links are never wrapped by quoted-printable encoding.
The .ics attachment is made by adapters/calendar.py and handed in.

Each mail is in its reader's language (`Buyer.language`, kept with the order; none: English), words from
the catalogue domain `mail` (eventflow/locale/<lang>/LC_MESSAGES/mail.po), money and dates in that
language's way (domain/language.py `Words`).
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from eventflow.domain.language import ENGLISH, Words, words_for
from eventflow.domain.links import event_url, order_path, ticket_url
from eventflow.domain.models import Buyer, Event, Order, TicketStatus
from eventflow.domain.my_tickets import MY_TICKETS_PATH
from eventflow.domain.outbox import MailAttachment, OutgoingMail
from eventflow.domain.payments.records import Refund, RefundReason


def recipient(name: str, email: str) -> str:
    """`Name <address>`; a name with a comma or quotes is quoted by the mailer's header encoding."""
    return f"{name} <{email}>" if name else email


def venue_map_url(venue: str) -> str:
    """An OpenStreetMap search for the venue (the organizer types a name or an address)."""
    return f"https://www.openstreetmap.org/search?query={quote_plus(venue)}"


def local_time(instant: datetime, timezone: str, pattern: str = "EEE d MMM y, HH:mm", words: Words = ENGLISH) -> str:
    return words.moment(instant, timezone, pattern)


def when_text(event: Event, words: Words = ENGLISH) -> str:
    """`Sat 10 Jul 2027, 16:00 - Sat 10 Jul 2027, 23:59 (Europe/Berlin, UTC+02:00)`, in the reader's dates."""
    zone = ZoneInfo(event.timezone)
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    end_text = words.moment(end, event.timezone, "HH:mm" if end.date() == start.date() else "EEE d MMM y, HH:mm")
    offset = start.strftime("%z")
    return f"{words.moment(start, event.timezone)} - {end_text} ({event.timezone}, UTC{offset[:3]}:{offset[3:]})"


def where_lines(event: Event, words: Words = ENGLISH) -> list[str]:
    if not event.venue.strip():
        return []
    return [words("Where: {venue}").format(venue=event.venue),
            words("Map: {link}").format(link=venue_map_url(event.venue))]


def order_url(base_url: str, order: Order) -> str:
    return f"{base_url.rstrip('/')}{order_path(order.reservation_id)}"


def tickets_mail(order: Order, event: Event, base_url: str, calendar: MailAttachment | None = None,
                 paid_minor: int | None = None) -> OutgoingMail:
    """The buyer's tickets, in their language: one link per ticket (each link is the ticket), when and
    where, the .ics. `paid_minor` above the order's total: the card also paid a passed-on "Payment
    processing" line."""
    words = words_for(order.buyer.language)
    links = [ticket_url(base_url, t.id, t.access_key) for t in order.tickets]
    processing = max(0, (paid_minor or 0) - order.total_minor)
    total = words.money(order.total_minor + processing, order.currency) + (
        words(" (incl. Payment processing {amount})").format(amount=words.money(processing, order.currency))
        if processing else "")
    when = when_text(event, words)
    my_tickets_line = words("All your tickets, from every order: {link}").format(
        link=f"{base_url.rstrip('/')}{MY_TICKETS_PATH}")  # a bare address in the HTML too: its anchors are the tickets
    text = "\n".join([
        words("Hi {name},").format(name=order.buyer.name),
        "",
        words("Here are your {count} ticket(s) for {title}.").format(count=len(order.tickets), title=event.title),
        words("Order {order}, total paid {total}.").format(order=order.id, total=total),
        "",
        words("When: {when}").format(when=when),
        *where_lines(event, words),
        "",
        *[words("Ticket {number}: {link}").format(number=n, link=link) for n, link in enumerate(links, 1)],
        "",
        words("Open a ticket at the door: its QR code changes every 30 seconds, so screenshots won't work."),
        words("Your order: {link}").format(link=order_url(base_url, order)),
        my_tickets_line,
        words("The attached calendar file (.ics) adds the event to your calendar.") if calendar else "",
    ]).rstrip() + "\n"
    ticket_word = words("Ticket {number}")
    items = "".join(f'<li><a href="{escape(link)}">{escape(ticket_word.format(number=n))}</a></li>'
                    for n, link in enumerate(links, 1))
    # The map as a bare address (mail programs link it): the only anchors in the HTML are the tickets.
    venue = ("<p>" + "<br>".join(escape(line) for line in where_lines(event, words)) + "</p>"
             if event.venue.strip() else "")
    intro = escape(words("Here are your tickets for {title} (order {order}, total {total}).").format(
        title="\0", order=order.id, total=total)).replace("\0", f"<b>{escape(event.title)}</b>")
    greeting, when_line = words("Hi {name},").format(name=order.buyer.name), words("When: {when}").format(when=when)
    qr_note = words("The QR code on each ticket changes every 30 seconds.")
    html = (f"<p>{escape(greeting)}</p><p>{intro}</p><p>{escape(when_line)}</p>{venue}"
            f"<ul>{items}</ul><p>{escape(qr_note)}</p><p>{escape(my_tickets_line)}</p>")
    return OutgoingMail(to=recipient(order.buyer.name, order.buyer.email),
                        subject=words("Your tickets for {title}").format(title=event.title),
                        text=text, html=html, attachments=(calendar,) if calendar else ())


def reminder_mail(order: Order, event: Event, base_url: str) -> OutgoingMail:
    """The day-before reminder, in the buyer's language: when, where, and the links to their valid tickets."""
    words = words_for(order.buyer.language)
    valid = [t for t in order.tickets if t.status is TicketStatus.VALID]
    text = "\n".join([
        words("Hi {name},").format(name=order.buyer.name),
        "",
        words("A reminder: {title} starts soon.").format(title=event.title),
        "",
        words("When: {when}").format(when=when_text(event, words)),
        *where_lines(event, words),
        "",
        *[words("Ticket {number}: {link}").format(number=n, link=ticket_url(base_url, t.id, t.access_key))
          for n, t in enumerate(valid, 1)],
        "",
        words("Event page: {link}").format(link=event_url(base_url, event.slug)),
    ]) + "\n"
    starts = words.moment(event.starts_at, event.timezone, "EEE d MMM, HH:mm")
    return OutgoingMail(to=recipient(order.buyer.name, order.buyer.email),
                        subject=words("Reminder: {title}, {starts}").format(title=event.title, starts=starts),
                        text=text)


def organizer_message_mail(event: Event, email: str, name: str, subject: str, text: str,
                           base_url: str, language: str | None = None) -> OutgoingMail:
    """The organizer's own words, followed by the event's when and where in the buyer's language."""
    words = words_for(language)
    body = "\n".join([
        text.rstrip(),
        "",
        "--",
        f"{event.title}",
        words("When: {when}").format(when=when_text(event, words)),
        *where_lines(event, words),
        words("Event page: {link}").format(link=event_url(base_url, event.slug)),
        words("You receive this because you have tickets for this event."),
    ]) + "\n"
    return OutgoingMail(to=recipient(name, email), subject=subject, text=body)


def refund_notice_key(refund: Refund) -> str:
    """The refund notice's outbox key: one mail per refund, however often the refund is finished."""
    return f"refund:{refund.id}"


def refund_notice_mail(refund: Refund, buyer: Buyer, event: Event, base_url: str) -> OutgoingMail:
    """Tells the buyer, in their language, that their money is going back, and why (late payment, second
    payment, organizer)."""
    words = words_for(buyer.language)
    amount = words.money(refund.amount_minor, refund.currency)
    if refund.reason is RefundReason.LATE_SOLD_OUT:
        why = words("Your payment for {title} arrived after your hold on the tickets had ended, and they sold "
                    "out in the meantime, so no tickets could be issued. We have refunded the full {amount}.")
    elif refund.reason is RefundReason.DUPLICATE:
        why = words("We received a second payment for your reservation for {title}, which was already paid. "
                    "We have refunded that second payment: {amount}. Your tickets stay valid.")
    elif refund.test_mode:
        why = words("The organizer of {title} refunded {count} ticket(s) in test mode: the order was not "
                    "charged, so no money moves. Those tickets are no longer valid.")
    elif refund.ticket_ids:
        why = words("The organizer of {title} refunded {count} ticket(s): {amount} goes back to your card. "
                    "Those tickets are no longer valid.")
    else:
        why = words("The organizer of {title} refunded your ticket(s): {amount} goes back to your card. "
                    "Those tickets are no longer valid.")
    text = "\n".join([
        words("Hi {name},").format(name=buyer.name), "",
        why.format(title=event.title, amount=amount, count=len(refund.ticket_ids)), "",
        *([] if refund.test_mode else [words("Refunds reach your card within 5-10 business days, depending on "
                                             "your bank.")]),
        words("Reference: {refund} (reservation {reservation}).").format(refund=refund.id,
                                                                        reservation=refund.reservation_id),
        words("Event page: {link}").format(link=event_url(base_url, event.slug)),
    ]) + "\n"
    return OutgoingMail(to=recipient(buyer.name, buyer.email),
                        subject=words("Refund for {title}").format(title=event.title), text=text)
