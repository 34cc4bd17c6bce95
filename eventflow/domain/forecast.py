"""When will it sell out? A sell-out forecast from the event's own sales curve and the organizer's past
events' curves, with a range, and a back-test of the same method on those past events (issue 18).

- **A curve** (`SaleCurve`) is the store's hourly sales aggregates of some tiers (domain/sales_stats.py)
  as cumulative valid tickets by hour, with the capacity and the sale window (opened -> closes). A sale
  in hour H counts as sold by H + 1 h, so a forecast made at a whole hour never sees a later sale.
- **Own pace.** Sales are taken as a Poisson process: its rate's maximum-likelihood estimate is n / T,
  the tickets sold in the last `WINDOW` (or since opening) over its hours, and n ± `Z`·√n is its 90 %
  interval. The tickets left divided by the rate is the point; by the interval's ends, the range. Ten
  sales give a range about twice as wide as the point's distance, a hundred ±16 %: less data, wider.
- **Past events' shapes.** Each past curve, as a fraction of its capacity over time (piecewise linear,
  numpy), is stretched in time to pass through where this event stands now (it sold that fraction in
  so many hours; this one took so many): where the stretched curve reaches its capacity is that
  history's estimate, and what it has sold by this sale's close its count (when it never sold out).
- **Together**: the point is the median of the own-pace estimate and the histories' ones (of an even
  number, the later); the range spans all of them and the own-pace interval. A range end past the
  sales' close is None ("may not sell out"). No forecast, with a reason, when there is too little to go on (`Reason`).
- **Back-test** (`back_test`): each of the organizer's last sold-out events is held out, forecast at the
  hour halfway between its opening and its real sell-out from its own first half and the other past
  events, and compared with when it really sold out: the error the dashboard shows, in hours.

Time is the injectable clock's `now`, passed in; nothing here reads the wall clock.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd

from eventflow.domain.models import Event, Tier
from eventflow.domain.sales_stats import SalesBucket, sale_hour

HOUR = timedelta(hours=1)
WINDOW = timedelta(hours=48)  # the own pace is measured over the last two days of sales (or fewer)
MIN_SALES = 10  # fewer tickets sold than this: no forecast (a pace from a handful of sales is noise)
Z = 1.645  # a two-sided 90 % interval of the Poisson rate
BACK_TEST_EVENTS = 5  # the organizer's last sold-out events the back-test holds out, one at a time


class Reason(StrEnum):
    """Why there is no forecast (the API's `forecast_reason`; the dashboard says it in words)."""

    NO_CAPACITY = "no_capacity"
    TOO_FEW_SALES = "too_few_sales"
    STALLED = "no_recent_sales"
    SOLD_OUT = "sold_out"
    SALES_CLOSED = "sales_closed"
    SHORT_AT_THIS_PACE = "short_at_this_pace"


@dataclass(frozen=True, slots=True)
class SaleCurve:
    """Cumulative valid tickets of some tiers of one event, hour by hour, with its capacity and sale window."""

    event_id: str
    opened_at: datetime  # the earliest tier's sales start, else the first sale's hour
    closes_at: datetime  # the latest tier's sales end, else the event's start
    capacity: int
    hours: tuple[datetime, ...]  # the UTC hours with sales, in order
    cumulative: tuple[int, ...]  # valid tickets sold by the end of each of those hours

    def sold_by(self, instant: datetime) -> int:
        """Tickets sold in the hours that started before `instant` (the current hour counts at `now`)."""
        index = bisect_left(self.hours, instant)
        return self.cumulative[index - 1] if index else 0

    @property
    def sold(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0

    @property
    def sold_out_at(self) -> datetime | None:
        """The end of the hour its sales reached the capacity; None if they never did."""
        if self.capacity <= 0:
            return None
        return next((hour + HOUR for hour, total in zip(self.hours, self.cumulative, strict=True)
                     if total >= self.capacity), None)

    @property
    def span(self) -> timedelta:
        return max(self.closes_at - self.opened_at, HOUR)

    def points(self) -> tuple[list[float], list[float]]:
        """The curve as (progress through the sale window, fraction of the capacity sold) corners: an hour's
        sales spread evenly over it, flat between hours without sales."""
        start, span = self.opened_at.timestamp(), self.span.total_seconds()
        before = (0, *self.cumulative[:-1])
        progress = [0.0, *((t - start) / span for h in self.hours for t in (h.timestamp(), (h + HOUR).timestamp()))]
        sold = [0.0, *(v / self.capacity for pair in zip(before, self.cumulative, strict=True) for v in pair)]
        return progress, sold

    def fraction_at(self, progress: float) -> float:
        """Fraction of the capacity sold at `progress` (0 .. 1) of the sale window."""
        if not self.hours or self.capacity <= 0:
            return 0.0
        return min(float(np.interp(progress, *self.points())), 1.0)

    def progress_when(self, fraction: float) -> float | None:
        """The first progress of the window at which `fraction` of the capacity had sold; None if never."""
        if not self.hours or self.capacity <= 0:
            return None
        progress, sold = self.points()
        i = int(np.searchsorted(np.array(sold), fraction - 1e-12, "left"))
        if i >= len(sold):
            return None
        if i == 0 or sold[i] <= sold[i - 1]:
            return progress[i]
        return progress[i - 1] + (fraction - sold[i - 1]) / (sold[i] - sold[i - 1]) * (progress[i] - progress[i - 1])


def curve_of(event: Event, tiers: Sequence[Tier], buckets: Sequence[SalesBucket]) -> SaleCurve:
    """The curve of `tiers` (all of the event's, or one) from the hourly buckets of the whole sale."""
    ids = {tier.id for tier in tiers}
    per_hour = pd.Series({b.hour: 0 for b in buckets if b.tier_id in ids}, dtype="int64")
    for bucket in buckets:
        if bucket.tier_id in ids:
            per_hour[bucket.hour] += bucket.tickets
    per_hour = per_hour.sort_index()
    hours = tuple(pd.Timestamp(h).to_pydatetime() for h in per_hour.index)
    starts = [t.sales_start for t in tiers if t.sales_start is not None]
    first_sale = hours[0] if hours else None
    opened = min([*(sale_hour(s) for s in starts), *([first_sale] if first_sale else [])], default=event.created_at)
    ends = [t.sales_end for t in tiers if t.sales_end is not None]
    closes = max(ends) if ends and len(ends) == len(tiers) else event.starts_at
    return SaleCurve(event.id, opened, max(closes, opened + HOUR), sum(t.capacity for t in tiers), hours,
                     tuple(int(v) for v in per_hour.cumsum()))


@dataclass(frozen=True, slots=True)
class Forecast:
    """When the curve's capacity is expected to be sold, and the range it may well fall in. `high` is
    None when the slow end of the range reaches past the sales' close (it may not sell out at all)."""

    sell_out_at: datetime
    low: datetime
    high: datetime | None
    per_hour: float  # the own pace: tickets per hour over `window_hours`
    window_hours: float
    sold: int
    capacity: int
    histories: int  # past events whose curves shaped it


@dataclass(frozen=True, slots=True)
class ForecastAnswer:
    forecast: Forecast | None
    reason: Reason | None = None  # why there is none
    by_close: int | None = None  # with SHORT_AT_THIS_PACE: tickets expected sold by the close at this pace


def _own_pace(curve: SaleCurve, now: datetime) -> tuple[int, float]:
    """(tickets sold in the window, its hours): the window is the last `WINDOW` or since opening."""
    start = max(sale_hour(now - WINDOW), sale_hour(curve.opened_at))
    return curve.sold_by(now) - curve.sold_by(start), max((now - start) / HOUR, 1.0)


def _history_estimate(past: SaleCurve, hours_now: float, y_now: float, span_now: float) -> tuple[float, float]:
    """What `past` says, stretched in time to pass through where this sale stands (`y_now` of the capacity
    sold `hours_now` after opening): (hours from opening to sell-out, fraction sold by this sale's close,
    `span_now` hours after opening). Infinite hours when the past curve never sold out or never got as far."""
    span_past = past.span / HOUR
    x_past, x_end = past.progress_when(y_now), past.progress_when(1.0)
    if x_past is None or x_past <= 0:
        return math.inf, y_now
    stretch = hours_now / (x_past * span_past)  # this sale's hours per hour of the past one
    by_close = max(past.fraction_at(span_now / stretch / span_past), y_now)
    return (math.inf if x_end is None else x_end * span_past * stretch), by_close


def forecast(curve: SaleCurve, now: datetime, history: Sequence[SaleCurve] = ()) -> ForecastAnswer:
    """The sell-out forecast of `curve` at `now`, from its own pace and (when given) past curves."""
    sold = curve.sold_by(now)
    if curve.capacity <= 0:
        return ForecastAnswer(None, Reason.NO_CAPACITY)
    if sold >= curve.capacity:
        return ForecastAnswer(None, Reason.SOLD_OUT)
    if now >= curve.closes_at:
        return ForecastAnswer(None, Reason.SALES_CLOSED)
    if sold < MIN_SALES:
        return ForecastAnswer(None, Reason.TOO_FEW_SALES)
    recent, hours = _own_pace(curve, now)
    if recent == 0:
        return ForecastAnswer(None, Reason.STALLED)
    left, to_close = curve.capacity - sold, (curve.closes_at - now) / HOUR
    rate, spread = recent / hours, Z * math.sqrt(recent) / hours
    own = (left / rate, left / (rate + spread), left / (rate - spread) if rate > spread else math.inf)
    # each estimate: (hours from now to sell-out, tickets by the close); the own pace's, then each past curve's
    estimates = [(own[0], min(curve.capacity, sold + int(rate * to_close)))]
    hours_now, span_now = (now - curve.opened_at) / HOUR, curve.span / HOUR
    for past in (p for p in history if p.sold >= MIN_SALES and p.capacity > 0):
        total, by_close = _history_estimate(past, hours_now, sold / curve.capacity, span_now)
        estimates.append((max(total - hours_now, 0.0), min(curve.capacity, round(by_close * curve.capacity))))
    # the middle one (of two, the later): its date, or its count when that date is past the close
    point, by_close = sorted(estimates)[len(estimates) // 2]
    if point > to_close:
        return ForecastAnswer(None, Reason.SHORT_AT_THIS_PACE, by_close)
    low = min([own[1], *(e[0] for e in estimates)])
    high = max([own[2], *(e[0] for e in estimates)])
    return ForecastAnswer(Forecast(
        sell_out_at=now + timedelta(hours=point), low=now + timedelta(hours=min(low, point)),
        high=None if high > to_close else now + timedelta(hours=max(high, point)),
        per_hour=round(rate, 3), window_hours=round(hours, 1), sold=sold, capacity=curve.capacity,
        histories=len(estimates) - 1))


def _tickets_by_close(curve: SaleCurve, answer: ForecastAnswer, now: datetime) -> int:
    """A tier's tickets expected sold by the close: all when it sells out by then (or has), else its count
    at this pace, else (no forecast for another reason) what it has sold."""
    if answer.forecast is not None or curve.sold_by(now) >= curve.capacity:
        return curve.capacity
    return answer.by_close if answer.by_close is not None else curve.sold_by(now)


def event_forecast(tiers: Sequence[SaleCurve], now: datetime, history: Sequence[SaleCurve] = (),
                   answers: Sequence[ForecastAnswer] | None = None) -> ForecastAnswer:
    """An event sells out when its last tier does: each tier still selling is forecast on its own (from its
    curve and past tiers' curves; `answers`, when given, are those, one per tier), and the event's date and
    range are the latest of theirs. Any such tier without a forecast leaves the event without one, with
    that tier's reason (short at this pace: the tickets of every tier expected by the close)."""
    made = list(answers) if answers is not None else [forecast(c, now, history) for c in tiers]
    selling = [(c, a) for c, a in zip(tiers, made, strict=True) if c.capacity > 0 and c.sold_by(now) < c.capacity]
    if not any(c.capacity > 0 for c in tiers):
        return ForecastAnswer(None, Reason.NO_CAPACITY)
    if not selling:
        return ForecastAnswer(None, Reason.SOLD_OUT)
    missing = [a.reason for _c, a in selling if a.forecast is None]
    if missing:
        reason = next((r for r in missing if r is not Reason.SHORT_AT_THIS_PACE), missing[0])
        by_close = sum(_tickets_by_close(c, a, now) for c, a in zip(tiers, made, strict=True))
        return ForecastAnswer(None, reason, by_close if reason is Reason.SHORT_AT_THIS_PACE else None)
    each = [a.forecast for _c, a in selling if a.forecast is not None]
    highs = [f.high for f in each]
    return ForecastAnswer(Forecast(
        sell_out_at=max(f.sell_out_at for f in each), low=max(f.low for f in each),
        high=None if None in highs else max(h for h in highs if h is not None),
        per_hour=round(sum(f.per_hour for f in each), 3), window_hours=max(f.window_hours for f in each),
        sold=sum(c.sold_by(now) for c in tiers), capacity=sum(c.capacity for c in tiers),
        histories=max(f.histories for f in each)))


@dataclass(frozen=True, slots=True)
class HeldOut:
    """One past event forecast from its first half: the forecast's error (+ late, - early) in hours."""

    event_id: str
    sold_out_at: datetime
    forecast_at: datetime | None  # None: the method gave no forecast from that first half
    error_hours: float | None
    inside_range: bool


@dataclass(frozen=True, slots=True)
class BackTest:
    """The method held out on the organizer's last sold-out events, one at a time."""

    held_out: tuple[HeldOut, ...]

    @property
    def forecast_count(self) -> int:
        return sum(1 for h in self.held_out if h.error_hours is not None)

    @property
    def mean_abs_error_hours(self) -> float | None:
        errors = [abs(h.error_hours) for h in self.held_out if h.error_hours is not None]
        return round(sum(errors) / len(errors), 1) if errors else None

    @property
    def inside_range(self) -> int:
        return sum(1 for h in self.held_out if h.inside_range)


def back_test(history: Sequence[SaleCurve], events: int = BACK_TEST_EVENTS) -> BackTest:
    """Hold out each of the last `events` sold-out past events (by sell-out time; `history` is their tiers'
    curves, grouped by event id): forecast it (`event_forecast`) at the whole hour halfway from its opening
    to its sell-out (when its last tier sold out), from its own sales until then and every other past
    event's tiers, and compare with its real sell-out."""
    by_event: dict[str, list[SaleCurve]] = {}
    for curve in history:
        by_event.setdefault(curve.event_id, []).append(curve)
    sold_out = []
    for event_id, tiers in by_event.items():
        ends = [c.sold_out_at for c in tiers if c.capacity > 0]
        if ends and None not in ends and sum(c.sold for c in tiers) >= MIN_SALES:
            sold_out.append((max(e for e in ends if e is not None), event_id, tiers))
    rows = []
    for actual, event_id, tiers in sorted(sold_out, key=lambda row: row[0])[-events:]:
        opened = min(c.opened_at for c in tiers)
        cutoff = sale_hour(opened + (actual - opened) / 2)
        others = [c for c in history if c.event_id != event_id]
        answer = (event_forecast(tiers, cutoff, others) if cutoff > opened
                  else ForecastAnswer(None, Reason.TOO_FEW_SALES))
        made = answer.forecast
        if made is None:
            rows.append(HeldOut(event_id, actual, None, None, False))
            continue
        inside = made.low <= actual and (made.high is None or actual <= made.high)
        rows.append(HeldOut(event_id, actual, made.sell_out_at, round((made.sell_out_at - actual) / HOUR, 1), inside))
    return BackTest(tuple(rows))
