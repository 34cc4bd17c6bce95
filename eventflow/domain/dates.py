"""Which instants the catalogue accepts: one rule for events and ticket sales, checked in the domain.

Every instant an organizer sets (an event's start and end, a tier's sales window) must carry a
timezone and fall within the years 2000..2100 (UTC). The range is fixed rather than relative to the
clock on purpose: an event from last year can still be edited, tests on a manual clock see the same
rule as production, and every accepted instant is one the stores write as fixed-width text and read
back (store/codec.py), so no organizer can save a date that later breaks a page for everyone.

A tier's sales window must also fit its event: sales cannot start or end after the event ends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from eventflow.domain.errors import ValidationFailed

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
EXAMPLE = "2026-07-01T20:00:00+02:00"


def instant_problem(instant: datetime) -> str | None:
    """What is wrong with an instant the catalogue is given, or None when it is acceptable."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        return f"needs a timezone (e.g. {EXAMPLE})"
    # Aware datetimes compare as instants, without converting (which could overflow near year 1 or 9999).
    if not EARLIEST <= instant <= LATEST:
        return f"must be a date between the years {EARLIEST.year} and {LATEST.year} (not {instant.year:04d})"
    return None


def require_instant(field: str, instant: datetime | None) -> None:
    """Refuse (naming `field`) an instant without a timezone or outside 2000..2100."""
    if instant is None or instant_problem(instant) is None:
        return
    if instant.tzinfo is None or instant.utcoffset() is None:  # instant_problem's words, as a template
        raise ValidationFailed("{name} needs a timezone (e.g. {example})", field=field, name=field,
                               example=EXAMPLE)
    raise ValidationFailed("{name} must be a date between the years {first} and {last} (not {year:04d})",
                           field=field, name=field, first=EARLIEST.year, last=LATEST.year, year=instant.year)


def require_sales_within_event(sales_start: datetime | None, sales_end: datetime | None,
                               event_ends_at: datetime, tier_name: str = "") -> None:
    """Refuse a sales window that starts or ends after the event is over (naming the field)."""
    if sales_start is not None and sales_start >= event_ends_at:
        raise ValidationFailed("sales_start of {tier} must be before the event ends" if tier_name else
                               "sales_start must be before the event ends", field="sales_start", tier=tier_name)
    if sales_end is not None and sales_end > event_ends_at:
        raise ValidationFailed("sales_end of {tier} must not be after the event ends" if tier_name else
                               "sales_end must not be after the event ends", field="sales_end", tier=tier_name)
