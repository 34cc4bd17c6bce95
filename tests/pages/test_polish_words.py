"""The buyer's and the door's words: sale starts in the event's timezone (the year only when it is not
this year) and check-ins named by the staff link's label, not a device id."""

from __future__ import annotations

from datetime import UTC, datetime

from eventflow.pages.components.formatting import device_words, local_moment


def test_a_moment_in_the_events_timezone_with_the_year_only_when_it_is_not_this_year() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert local_moment(datetime(2026, 12, 10, 9, tzinfo=UTC), now, "Europe/Berlin") == \
        "Thu 10 Dec, 10:00 (Europe/Berlin)"
    assert local_moment(datetime(2027, 3, 1, 9, tzinfo=UTC), now, "Asia/Tokyo") == "Mon 1 Mar 2027, 18:00 (Asia/Tokyo)"
    # New Year's Eve in UTC is already next year in Tokyo: the year is the event's, not the server's.
    assert local_moment(datetime(2026, 12, 31, 20, tzinfo=UTC), now, "Asia/Tokyo") == \
        "Fri 1 Jan 2027, 05:00 (Asia/Tokyo)"


def test_check_ins_are_named_by_the_label_the_organizer_gave() -> None:
    assert device_words("Front door · device-1a2b3c") == "Front door"
    assert device_words("Side · door · device-ff00aa") == "Side · door"
    assert device_words("test-door") == "test-door"  # recorded without a label: shown as it is
