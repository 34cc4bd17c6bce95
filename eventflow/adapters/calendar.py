"""Calendar files (.ics, RFC 5545) for an event, with the `icalendar` library.

One VEVENT in the event's own timezone (with its VTIMEZONE, so calendars that know no tz database
still place it right), the venue as LOCATION, the event page as URL. The UID is stable per event
and order, so importing the file again updates the entry instead of adding a second one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from eventflow.domain.attendee_mail import venue_map_url
from eventflow.domain.links import event_url
from eventflow.domain.models import Event, Order
from eventflow.domain.outbox import MailAttachment

CONTENT_TYPE = "text/calendar"


def event_calendar(event: Event, base_url: str, order: Order | None = None, now: datetime | None = None) -> bytes:
    """The event as an .ics file; with `order`, its UID and description are the buyer's."""
    zone = ZoneInfo(event.timezone)
    entry = CalendarEvent()
    entry.add("uid", f"{event.id}-{order.id if order else 'event'}@eventflow")
    entry.add("dtstamp", now or event.created_at)
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", event.title)
    if event.venue.strip():
        entry.add("location", event.venue)
    page = event_url(base_url, event.slug)
    entry.add("url", page)
    lines = [page]
    if event.venue.strip():
        lines.append(f"Map: {venue_map_url(event.venue)}")
    if order is not None:
        lines.append(f"Order {order.id}: {len(order.tickets)} ticket(s) for {order.buyer.name}")
    entry.add("description", "\n".join(lines))
    if event.status.value == "cancelled":
        entry.add("status", "CANCELLED")
    calendar = Calendar()
    calendar.add("prodid", "-//EventFlow//Tickets//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    # The zone's rules around the event only: the whole 1970-2038 table is ~4 KiB of RDATEs.
    calendar.add_missing_timezones(first_date=(event.starts_at - timedelta(days=366)).date(),
                                   last_date=(event.ends_at + timedelta(days=366)).date())
    return calendar.to_ical()


def calendar_attachment(event: Event, base_url: str, order: Order | None = None) -> MailAttachment:
    return MailAttachment(filename=f"{event.slug}.ics", content_type=CONTENT_TYPE,
                          data=event_calendar(event, base_url, order))
