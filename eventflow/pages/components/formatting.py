"""Display helpers shared by the screens: money and dates in the event's own terms."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time

from eventflow.domain.models import AvailabilityBand, availability_band
from eventflow.domain.money import format_money


def money(amount_minor: int, currency: str) -> str:
    return format_money(amount_minor, currency, locale="en_GB")


def price_label(amount_minor: int, currency: str) -> str:
    return "Free" if amount_minor == 0 else money(amount_minor, currency)


def event_when(starts_at: datetime, ends_at: datetime, timezone: str) -> str:
    """`Sat 12 Dec 2026, 18:00–00:00 (Europe/Berlin)` in the event's timezone."""
    zone = ZoneInfo(timezone)
    start = format_datetime(starts_at.astimezone(zone), "EEE d MMM y, HH:mm", locale="en_GB")
    end_local = ends_at.astimezone(zone)
    if end_local.date() == starts_at.astimezone(zone).date() or (
        end_local - starts_at.astimezone(zone)
    ).total_seconds() < 12 * 3600:
        end = format_time(end_local, "HH:mm", locale="en_GB")
    else:
        end = format_datetime(end_local, "EEE d MMM, HH:mm", locale="en_GB")
    return f"{start}–{end} ({timezone})"


def local_moment(moment: datetime, now: datetime, timezone: str) -> str:
    """`Sat 12 Dec, 10:00 (Europe/Berlin)` in the event's timezone; the year only when it is not this year."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    pattern = "EEE d MMM, HH:mm" if local.year == now.astimezone(zone).year else "EEE d MMM y, HH:mm"
    return f"{format_datetime(local, pattern, locale='en_GB')} ({timezone})"


def availability_text(available: int, capacity: int) -> str:
    band = availability_band(available, capacity)
    if band is AvailabilityBand.NONE:
        return "Sold out"
    if band is AvailabilityBand.FEW:
        return f"Only {available} left"
    return f"{available} left"


def device_words(recorded_by: str) -> str:
    """"Front door" for a check-in recorded as "Front door · device-1a2b3c" (the staff link's label the
    organizer gave, then the phone's random id, api/door.py `device_name`): the id means nothing to people."""
    label, _, device = recorded_by.rpartition(" · ")
    return label if label and device.startswith("device-") else recorded_by
