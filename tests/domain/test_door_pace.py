"""The door-pace read (domain/door_pace.py): the histogram's median, the gap buckets, and the fallback to
the full scan for an event whose check-ins predate the aggregates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eventflow.domain.attendance import door_pace
from eventflow.domain.door_pace import DoorPaceFigures, gap_seconds, histogram_median, read_pace
from eventflow.domain.models import CheckIn
from eventflow.domain.sales_stats import EMPTY_SALES, DoorSummary, EventFigures

OPEN = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)


def test_the_histogram_median_is_the_median_of_its_values() -> None:
    assert histogram_median({}) is None
    assert histogram_median({4: 1}) == 4
    assert histogram_median({2: 1, 9: 1}) == 5.5  # even count: the mean of the middle two
    assert histogram_median({1: 3, 7: 1, 60: 1}) == 1
    assert histogram_median({3: 2, 5: 2}) == 4


def test_gap_buckets_follow_the_full_scans_rules() -> None:
    assert gap_seconds(None, OPEN) is None  # a device's first scan
    assert gap_seconds(OPEN, OPEN) == 1  # the same second counts as 1 s
    assert gap_seconds(OPEN, OPEN + timedelta(seconds=60)) == 60
    assert gap_seconds(OPEN, OPEN + timedelta(seconds=60, microseconds=1)) is None  # idle
    assert gap_seconds(OPEN, OPEN - timedelta(seconds=3)) is None  # uploaded out of order
    assert gap_seconds(OPEN, OPEN + timedelta(seconds=2.5)) == 3  # a fraction: to the nearest second


def test_missing_aggregates_fall_back_to_the_full_scan() -> None:
    scans = [CheckIn(f"t{i}", "ev", "front", OPEN + timedelta(seconds=4 * i), f"n{i}") for i in range(5)]
    figures = EventFigures([], EMPTY_SALES, DoorSummary((("tier", 5),), (), ()), [], {})
    read: list[int] = []

    def checkins() -> list[CheckIn]:
        read.append(1)
        return scans

    assert read_pace(figures, DoorPaceFigures(), checkins) == door_pace(scans)
    assert read == [1]
    assert read_pace(figures, DoorPaceFigures(((OPEN, "front", 5),), (("front", 4, 4),)), checkins) \
        == door_pace(scans)
    assert read == [1]  # complete aggregates: no scan
