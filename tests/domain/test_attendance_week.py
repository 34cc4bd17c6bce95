"""Tickets per weekday x hour across an organizer's events (issue 18, domain/sales_week.py): each event's
hourly sales in its own local time — across timezones, over a UTC midnight, on both daylight-saving nights —
and in the organizer overview."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer, Event, EventStatus
from eventflow.domain.money import FeeMode
from eventflow.domain.organizer_overview import overview_of
from eventflow.domain.queries import Queries
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.sales_stats import SalesBucket, SalesSummary
from eventflow.domain.sales_week import EMPTY_WEEK, week_hours
from tests.conftest import publish_event

MON, TUE, SUN = 0, 1, 6


def event(zone: str, name: str) -> Event:
    start = datetime(2026, 11, 1, 18, tzinfo=UTC)
    return Event(name, "org", name, name, start, start + timedelta(hours=3), zone, "Hall", "EUR", "",
                 FeeMode.BUYER_PAYS, EventStatus.PUBLISHED, start - timedelta(days=90))


def sales(*buckets: tuple[datetime, int]) -> SalesSummary:
    return SalesSummary(len(buckets), 0, 0, (), tuple(SalesBucket(hour, "t", n, 0, 0) for hour, n in buckets))


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_each_sale_counts_in_the_local_hour_of_its_event() -> None:
    week = week_hours([
        (event("Europe/Berlin", "berlin"), sales((utc(6, 2, 17), 3))),  # Tue 19:00 CEST
        (event("America/New_York", "nyc"), sales((utc(6, 2, 23), 2),  # Tue 19:00 EDT
                                                 (utc(6, 3, 1), 4))),  # Wed 01:00 UTC, still Tue 21:00 in NY
        (event("Asia/Kolkata", "delhi"), sales((utc(6, 1, 13), 5))),  # Mon 18:30 IST: hour 18
        (event("Europe/Berlin", "empty"), sales()),
    ])
    assert week.tickets[TUE][19] == 5 and week.tickets[TUE][21] == 4 and week.tickets[MON][18] == 5
    assert week.total == 14 and week.events == 3 and week.busiest() == (MON, 18)  # the earliest of equals
    assert week_hours([]) == EMPTY_WEEK and EMPTY_WEEK.busiest() is None


def test_daylight_saving_nights_follow_the_local_clock() -> None:
    berlin = event("Europe/Berlin", "berlin")
    # 25 Oct 2026, clocks go back at 01:00 UTC: 00:00 UTC is 02:00 CEST and 01:00 UTC is 02:00 CET again
    autumn = week_hours([(berlin, sales((utc(10, 25, 0), 2), (utc(10, 25, 1), 3), (utc(10, 25, 2), 7)))])
    assert (autumn.tickets[SUN][2], autumn.tickets[SUN][3]) == (5, 7)
    # 29 Mar 2026, clocks go forward at 01:00 UTC: 00:00 UTC is 01:00 CET, 01:00 UTC is 03:00 CEST
    spring = week_hours([(berlin, sales((utc(3, 29, 0), 1), (utc(3, 29, 1), 6)))])
    assert (spring.tickets[SUN][1], spring.tickets[SUN][2], spring.tickets[SUN][3]) == (1, 0, 6)


def test_the_overview_carries_the_week_of_published_events(service: Ticketing, clock: ManualClock) -> None:
    clock.set(datetime(2026, 6, 2, 17, 30, tzinfo=UTC))  # a Tuesday, 19:30 in Berlin
    berlin, tiers = publish_event(service, currency="EUR")
    held = service.reserve(berlin.id, [LineRequest(tiers[0].id, 2)], Buyer("b@example.com", "B"))
    service.confirm(held.id, payment_ref="demo")
    queries = Queries(service.store, service.store)  # type: ignore[arg-type]
    figures = queries.event_figures(berlin.id)
    zoned = replace(berlin, timezone="Europe/Berlin")
    overview = overview_of([(zoned, figures, []), (replace(zoned, status=EventStatus.DRAFT), figures, [])],
                           clock.now())
    assert overview.sales_week.tickets[TUE][19] == 2 and overview.sales_week.total == 2  # the draft left out
