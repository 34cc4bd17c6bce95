"""Every instant the catalogue accepts survives a store round trip, and sorts as time sorts, on every store.

The catalogue accepts aware instants in the years 2000..2100 (domain/dates.py). An organizer once
saved a start in the year 154, which the stores wrote as `154-06-01...` and could not read back:
the home page answered 500 for every visitor. Here the domain's own rule picks the values (the
edges of its range, microseconds, offsets of a quarter and half hour, +14:00 and -12:00), they are
written as event starts and ends, tier sales windows and hold ends, and read back equal (as
instants) and in time order. tests/fakes/test_memory_contract_dates.py runs this on the fake too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

from eventflow.domain.dates import EARLIEST, LATEST, instant_problem
from eventflow.store.codec import instant_to_text, text_to_instant
from tests.store.test_contract_edges import a_hold, a_tier, an_event, an_organizer, published


def offset(hours: int, minutes: int = 0) -> timezone:
    """UTC+hours:minutes; the minutes take the hours' sign (offset(-9, 30) is -09:30)."""
    sign = -1 if hours < 0 else 1
    return timezone(timedelta(hours=hours, minutes=sign * minutes))


MICROSECOND = timedelta(microseconds=1)
# Values at and near the edges of what the catalogue accepts, in odd offsets and with microseconds.
ACCEPTED = [  # strictly in time order
    EARLIEST,
    EARLIEST + MICROSECOND,
    datetime(2000, 1, 1, 5, 45, 0, 2, tzinfo=offset(5, 45)),       # EARLIEST + 2 µs, in Nepal
    datetime(1999, 12, 31, 14, 30, 0, 3, tzinfo=offset(-9, 30)),  # EARLIEST + 3 µs, in the Marquesas
    datetime(2026, 6, 1, 7, 0, tzinfo=offset(-12)),                # 2026-06-01T19:00Z
    datetime(2026, 6, 2, 9, 59, 59, 999_999, tzinfo=offset(14)),   # 2026-06-01T19:59:59.999999Z
    datetime(2026, 6, 1, 20, 0, 0, 123_456, tzinfo=UTC),
    datetime(2026, 6, 1, 22, 0, 0, 123_457, tzinfo=offset(2)),     # a microsecond later
    datetime(2054, 2, 28, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2101, 1, 1, 9, 29, 59, 999_997, tzinfo=offset(9, 30)),  # LATEST - 2 µs, in Adelaide
    LATEST - MICROSECOND,
    LATEST,
]
REFUSED = [EARLIEST - MICROSECOND, LATEST + MICROSECOND, datetime(154, 6, 1, 20, tzinfo=UTC),
           datetime(1, 1, 1, tzinfo=offset(5, 45)), datetime(9999, 12, 31, 23, tzinfo=offset(-9, 30)),
           datetime(2026, 6, 1, 20, 0)]


def test_the_values_are_what_the_catalogue_accepts_and_refuses() -> None:
    assert all(earlier < later for earlier, later in pairwise(ACCEPTED))
    assert [v for v in ACCEPTED if instant_problem(v)] == []
    assert all(instant_problem(v) for v in REFUSED)


def test_the_text_is_fixed_width_utc_in_time_order() -> None:
    texts = [instant_to_text(v) for v in ACCEPTED]
    assert {len(t) for t in texts} == {len("2000-01-01T00:00:00.000000Z")}
    assert sorted(texts) == texts
    assert [text_to_instant(t) for t in texts] == ACCEPTED
    # Years below 1000 are written with four digits (the old bug) and unpadded ones still read.
    assert instant_to_text(datetime(154, 6, 1, 20, tzinfo=UTC)) == "0154-06-01T20:00:00.000000Z"
    assert text_to_instant("154-06-01T20:00:00.000000Z") == datetime(154, 6, 1, 20, tzinfo=UTC)


def test_event_starts_and_ends_round_trip_and_list_in_time_order(store: Any) -> None:
    store.add_organizer(an_organizer())
    for n, instant in enumerate(reversed(ACCEPTED)):  # stored in reverse so order comes from the store
        store.add_event(replace(an_event(f"evt_{n:02}", starts_at=instant), ends_at=instant))
    listed = store.list_published_events()
    assert [e.starts_at for e in listed] == sorted(ACCEPTED)
    assert [e.ends_at for e in listed] == sorted(ACCEPTED)
    assert [e.id for e in store.list_events("org_1")] == [e.id for e in listed]
    assert all(e.starts_at.utcoffset() == timedelta(0) for e in listed)
    for event in listed:
        assert store.get_event(event.id) == event == store.find_event_by_slug(event.slug)


def test_tier_sales_windows_round_trip(store: Any) -> None:
    event = published(store)
    for n, instant in enumerate(ACCEPTED):
        store.add_tier(replace(a_tier(f"tier_{n:02}", position=n + 1), sales_start=instant, sales_end=instant))
    tiers = {t.id: t for t in store.get_tiers(event.id)}
    for n, instant in enumerate(ACCEPTED):
        assert tiers[f"tier_{n:02}"].sales_start == instant == tiers[f"tier_{n:02}"].sales_end
    edited = store.update_tier(replace(tiers["tier_00"], sales_start=ACCEPTED[-1], sales_end=None))
    assert edited.sales_start == ACCEPTED[-1] and edited.sales_end is None
    assert next(t for t in store.get_tiers(event.id) if t.id == "tier_00") == edited


def test_holds_ending_at_any_accepted_instant_expire_in_time_order(store: Any) -> None:
    published(store)
    for n, instant in enumerate(reversed(ACCEPTED)):
        hold = replace(a_hold(f"res_{n:02}"), created_at=instant, expires_at=instant)
        store.reserve(hold)
        assert store.get_reservation(hold.id) == hold
    expected = [f"res_{n:02}" for n in reversed(range(len(ACCEPTED)))]
    assert store.expired_reservation_ids(LATEST, limit=100) == expected
    middle = sorted(ACCEPTED)[5]
    assert store.expired_reservation_ids(middle, limit=100) == expected[:6]
