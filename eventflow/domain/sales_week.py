"""When an organizer's tickets sell (issue 18): tickets sold per weekday and hour of day across their events,
each sale in the local time of its own event's timezone (a Berlin event's 19:00 and a New York event's 19:00
are the same cell: the buyers' evening).

Read from the store's hourly sales aggregates (`SalesSummary.buckets`: valid tickets per tier and UTC hour),
never the orders. A UTC hour lands in the local hour it starts in: exact for the zones whose offset is whole
hours; in the few half- or three-quarter-hour zones (India, Nepal, ...) an hour's sales are put in the local
hour they start in. Around a daylight-saving change the local clock decides: on the autumn night both UTC hours
that read 02:xx count under 02:00; on the spring night no sale can be at 02:xx (that hour does not exist)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eventflow.domain.models import Event
from eventflow.domain.sales_stats import SalesSummary

WEEKDAYS = 7  # Monday first (ISO), as pandas and datetime number them
HOURS = 24


@dataclass(frozen=True, slots=True)
class WeekHours:
    """`tickets[weekday][hour]`: valid tickets sold at that local weekday (0 = Monday) and hour."""

    tickets: tuple[tuple[int, ...], ...]
    events: int  # events whose sales were counted

    @property
    def total(self) -> int:
        return sum(map(sum, self.tickets))

    def busiest(self) -> tuple[int, int] | None:
        """(weekday, hour) with the most tickets (the earliest in the week of equals); None without sales."""
        if not self.total:
            return None
        grid = np.array(self.tickets)
        weekday, hour = np.unravel_index(int(grid.argmax()), grid.shape)
        return int(weekday), int(hour)


EMPTY_WEEK = WeekHours(tuple((0,) * HOURS for _ in range(WEEKDAYS)), 0)


def week_hours(events: Iterable[tuple[Event, SalesSummary]]) -> WeekHours:
    """Sum every event's hourly tickets into the weekday x hour grid, each in its event's local time."""
    chosen = [(event, sales) for event, sales in events]
    rows = [(event.timezone, int(bucket.hour.timestamp()), bucket.tickets) for event, sales in chosen
            for bucket in sales.buckets if bucket.tickets]  # epoch seconds: one vectorised conversion below
    grid = np.zeros((WEEKDAYS, HOURS), dtype=np.int64)
    if rows:
        frame = pd.DataFrame(rows, columns=["zone", "hour", "tickets"])
        for zone, part in frame.groupby("zone"):
            local = pd.DatetimeIndex(pd.to_datetime(part["hour"], unit="s", utc=True)).tz_convert(str(zone))
            np.add.at(grid, (local.day_of_week.to_numpy(), local.hour.to_numpy()), part["tickets"].to_numpy())
    return WeekHours(tuple(tuple(int(n) for n in row) for row in grid),
                     sum(1 for _event, sales in chosen if any(b.tickets for b in sales.buckets)))
