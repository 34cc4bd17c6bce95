"""The public event page's banner when the event cannot happen as sold: cancelled (every ticket
refunded, no buy form) or postponed (the new date in the event's timezone, until when ticket
holders may ask for their money back). One `ui.html` block; nothing for an event going ahead."""

from __future__ import annotations

from datetime import datetime
from html import escape

from nicegui import ui

from eventflow.domain.attendee_mail import local_time
from eventflow.domain.event_changes import ChangeKind, EventChange
from eventflow.domain.models import Event, EventStatus
from eventflow.i18n import _
from eventflow.pages.components.formatting import event_when
from eventflow.services import Services

ICON = '<i class="q-icon notranslate material-icons shrink-0 text-2xl" aria-hidden="true">{}</i>'


def banner_html(event: Event, change: EventChange | None, now: datetime) -> str:
    """The banner's HTML ("" when the event goes ahead as announced)."""
    if event.status is EventStatus.CANCELLED:
        refunding = change is not None and change.kind is ChangeKind.CANCELLED and change.busy
        detail = (_("Every ticket is void and every order is being refunded in full, fees included.")
                  if refunding else _("Every ticket is void; every order was refunded in full, fees included."))
        return _box("event_busy", "bg-red-50 border-red-700 text-red-900", "event-cancelled",
                    _("This event was cancelled — all tickets refunded"), detail)
    if change is None or change.kind is not ChangeKind.POSTPONED or change.starts_at is None:
        return ""
    when = event_when(change.starts_at, change.ends_at or event.ends_at, event.timezone)
    detail = _("Tickets stay valid for the new date.")
    if change.refund_deadline is not None and now <= change.refund_deadline:
        until = local_time(change.refund_deadline, event.timezone)
        detail += " " + _("Can't make it? Ticket holders can ask for a full refund on their order page "
                          "until {until} ({timezone}).").format(until=until, timezone=event.timezone)
    return _box("update", "bg-amber-50 border-amber-700 text-amber-950", "event-postponed",
                _("Postponed to {when}").format(when=when), detail)


def _box(icon: str, colours: str, testid: str, title: str, detail: str) -> str:
    return (f'<div role="status" data-testid="{testid}" class="w-full flex no-wrap items-start gap-2 p-3 '
            f'rounded border-l-4 {colours}">{ICON.format(icon)}<div class="flex flex-col gap-1">'
            f'<strong class="text-lg leading-snug">{escape(title)}</strong>'
            f'<span>{escape(detail)}</span></div></div>')


async def event_status_banner(services: Services, event: Event) -> None:
    """Add the banner to the page being built (one read: the event's latest change, if any)."""
    change = await services.off_loop(services.cancellations.announced, event.id)
    html = banner_html(event, change, services.ticketing.clock.now())
    if html:
        ui.html(html, sanitize=False).classes("w-full")
