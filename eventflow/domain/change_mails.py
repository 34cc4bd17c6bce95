"""What a buyer is told when their event or order changes (domain/cancellation.py sends them): the event
is cancelled, postponed, their order voided or refunded on their request. Each mail is in the buyer's
language (`Buyer.language`; none: English), words from the catalogue domain `mail`, money and dates in
that language's way. Returns (subject, text)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from eventflow.domain.event_changes import EventChange
from eventflow.domain.language import Words, words_for
from eventflow.domain.models import Event, Order
from eventflow.domain.money import format_money
from eventflow.domain.payments.records import Refund


class SettledOrder(Protocol):
    """What an order got back (cancellation.Settled)."""

    @property
    def order(self) -> Order: ...

    @property
    def refund(self) -> Refund | None: ...

    @property
    def refunded_minor(self) -> int: ...

    @property
    def demo(self) -> bool: ...


def _money(words: Words, amount_minor: int, currency: str) -> str:
    # English keeps the amounts these mails always had (babel's default locale); others their own way.
    return format_money(amount_minor, currency) if words.language == "en" else words.money(amount_minor, currency)


def _when(words: Words, instant: datetime, timezone: str) -> str:
    if words.language == "en":
        local = instant.astimezone(ZoneInfo(timezone))
        return f"{local:%A %d %B %Y, %H:%M} ({timezone})"
    return f"{words.moment(instant, timezone, 'EEEE d MMMM y, HH:mm')} ({timezone})"


def _money_line(words: Words, settled: SettledOrder, event: Event) -> str:
    amount = _money(words, settled.refunded_minor, event.currency)
    if settled.order.total_minor and settled.refund is None:
        return words("Everything you paid for this order was refunded already.")
    if settled.refund is None or settled.refunded_minor == 0:
        return words("Nothing was paid for this order, so there is nothing to refund.")
    if settled.demo:
        return words("Refund: {amount} (test mode: recorded as refunded, no real money moved).").format(amount=amount)
    return words("Refund: {amount}, everything you paid (fees included), on its way to the card you paid with "
                 "(5-10 days).").format(amount=amount)


def _quoted(message: str) -> str:
    return "".join(f"> {line}\n" for line in message.splitlines()) + "\n" if message else ""


def _from_organizer(words: Words, message: str) -> str:
    return words("A message from the organizer:") + f"\n{_quoted(message)}" if message else ""


def cancelled_mail(event: Event, change: EventChange, settled: SettledOrder, link: str) -> tuple[str, str]:
    words = words_for(settled.order.buyer.language)
    text = (words("We are sorry: {title} is cancelled.").format(title=event.title) + "\n\n"
            + (_from_organizer(words, change.message) or "\n")
            + f"{_money_line(words, settled, event)}\n" + words("Your tickets are no longer valid.") + "\n\n"
            + words("Your order: {link}").format(link=link) + "\n")
    return words("Cancelled: {title}").format(title=event.title), text


def void_mail(event: Event, settled: SettledOrder, reason: str, link: str) -> tuple[str, str]:
    words = words_for(settled.order.buyer.language)
    text = (words("The organizer of {title} voided your order {order}; its tickets are no longer valid.").format(
                title=event.title, order=settled.order.id) + "\n\n"
            + (words("Reason:") + f"\n{_quoted(reason)}" if reason else "")
            + f"{_money_line(words, settled, event)}\n\n" + words("Your order: {link}").format(link=link) + "\n")
    return words("Your order for {title} was voided").format(title=event.title), text


def asked_mail(event: Event, settled: SettledOrder, link: str) -> tuple[str, str]:
    words = words_for(settled.order.buyer.language)
    text = (words("As you asked, your order {order} for {title} is refunded and its tickets are no longer "
                  "valid.").format(order=settled.order.id, title=event.title)
            + f"\n\n{_money_line(words, settled, event)}\n\n" + words("Your order: {link}").format(link=link) + "\n")
    return words("Refunded: {title}").format(title=event.title), text


def postponed_mail(event: Event, change: EventChange, link: str, language: str | None = None) -> tuple[str, str]:
    words = words_for(language)
    when = _when(words, change.starts_at or event.starts_at, event.timezone)
    deadline = _when(words, change.refund_deadline, event.timezone) if change.refund_deadline else ""
    text = (words("{title} is postponed to {when}. Your tickets stay valid for the new date.").format(
                title=event.title, when=when) + "\n\n"
            + _from_organizer(words, change.message)
            + (words("Can't make it? Ask for a full refund on your order page until {deadline}:").format(
                deadline=deadline) + f"\n{link}\n"
               if deadline else words("Your order: {link}").format(link=link) + "\n"))
    return words("New date: {title}").format(title=event.title), text
