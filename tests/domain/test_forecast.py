"""The sell-out forecast (domain/forecast.py) on synthetic sales histories: no forecast, with its reason,
when the data cannot carry one; a range that widens with less data; past events' curves shaping it; and
the back-test, which holds each past sold-out event out and reports the error on it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from eventflow.domain.forecast import HOUR, Reason, SaleCurve, back_test, curve_of, event_forecast, forecast
from eventflow.domain.models import Event, EventStatus, Tier
from eventflow.domain.money import FeeMode
from eventflow.domain.sales_stats import SalesBucket

OPEN = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def event(event_id: str = "evt_now", opened: datetime = OPEN, days: int = 10) -> Event:
    return Event(id=event_id, organizer_id="org_1", slug=event_id, title="Gig", starts_at=opened + timedelta(days=days),
                 ends_at=opened + timedelta(days=days, hours=3), timezone="UTC", venue="Hall", currency="EUR",
                 description="", fee_mode=FeeMode.BUYER_PAYS, status=EventStatus.PUBLISHED, created_at=opened)


def tier(capacity: int, event_id: str = "evt_now", tier_id: str = "tier_a", opened: datetime = OPEN,
         price_minor: int = 2500) -> Tier:
    return Tier(id=tier_id, event_id=event_id, name="General", price_minor=price_minor, capacity=capacity,
                sales_start=opened)


def sales(per_hour: Sequence[int], tier_id: str = "tier_a", opened: datetime = OPEN) -> list[SalesBucket]:
    """Hour i after opening sold per_hour[i] tickets."""
    return [SalesBucket(opened + i * HOUR, tier_id, n, n * 2500, 0) for i, n in enumerate(per_hour) if n]


def curve(per_hour: Sequence[int], capacity: int, event_id: str = "evt_now", opened: datetime = OPEN,
          days: int = 10) -> SaleCurve:
    return curve_of(event(event_id, opened, days), [tier(capacity, event_id, opened=opened)],
                    sales(per_hour, opened=opened))


def test_a_sale_counts_from_the_end_of_its_hour() -> None:
    """A forecast made at a whole hour never sees that hour's sales (the back-test's cutoffs rely on it)."""
    made = curve([3, 5, 7], 100)
    assert [made.sold_by(OPEN + i * HOUR) for i in range(4)] == [0, 3, 8, 15]
    assert made.sold_by(OPEN + 2 * HOUR + timedelta(minutes=30)) == 15  # `now` inside the hour: all of it


@pytest.mark.parametrize(("per_hour", "capacity", "hours", "reason"), [
    ([2, 3, 2], 100, 3, Reason.TOO_FEW_SALES),  # 7 tickets: a pace from a handful is noise
    ([0, 0, 0], 0, 3, Reason.NO_CAPACITY),
    ([30, 30, 40], 100, 3, Reason.SOLD_OUT),
    ([20, *([0] * 60)], 100, 61, Reason.STALLED),  # nothing in the last two days
])
def test_no_forecast_when_the_data_cannot_carry_one(per_hour: list[int], capacity: int, hours: int,
                                                     reason: Reason) -> None:
    answer = forecast(curve(per_hour, capacity), OPEN + hours * HOUR)
    assert (answer.forecast, answer.reason) == (None, reason)


def test_short_at_this_pace_says_how_many_by_the_close() -> None:
    """1 ticket an hour for 20 hours, 500 places, the sale closes after 2 days: no date, a count instead."""
    answer = forecast(curve([1] * 20, 500, days=2), OPEN + 20 * HOUR)
    assert (answer.forecast, answer.reason) == (None, Reason.SHORT_AT_THIS_PACE)
    assert answer.by_close == 20 + 28  # 28 more hours at one an hour


def test_a_steady_pace_gives_its_date_inside_a_range() -> None:
    """10 an hour for 20 hours, 400 places: 200 left -> 20 more hours, the range around it."""
    now = OPEN + 20 * HOUR
    made = forecast(curve([10] * 20, 400), now).forecast
    assert made is not None and made.histories == 0
    assert made.sell_out_at == now + 20 * HOUR and made.per_hour == 10.0 and (made.sold, made.capacity) == (200, 400)
    assert made.low < made.sell_out_at and made.high is not None and made.high > made.sell_out_at


def test_the_range_widens_with_less_data() -> None:
    """The same pace and the same hours to go, from 12 sales or from 480: the range of the few is wider."""
    few = forecast(curve([1] * 12, 24), OPEN + 12 * HOUR).forecast
    many = forecast(curve([40] * 12, 960), OPEN + 12 * HOUR).forecast
    assert few is not None and many is not None and few.sell_out_at == many.sell_out_at
    assert few.high is None or (few.high - few.low) > 2 * (many.high - many.low)  # type: ignore[operator]
    assert many.high is not None and (many.high - many.low) < (many.sell_out_at - OPEN - 12 * HOUR)


def test_a_range_that_may_reach_past_the_close_has_no_upper_end() -> None:
    """Ten sales over 40 hours, 18 places, 56 hours to close: 32 hours to go at this pace, but the slow end
    of the range (a third of the pace or less) reaches past the close: it may not sell out."""
    made = forecast(curve([1, 0, 0, 0] * 10, 18, days=4), OPEN + 40 * HOUR).forecast
    assert made is not None and made.high is None


TRICKLE = [1 if h % 3 == 0 else 0 for h in range(72)]  # 24 tickets over 3 days


def test_past_curves_shape_the_forecast() -> None:
    """The organizer's past events (5-day sales) trickled for 3 days, then sold 192 in the fourth and sold
    out at hour 96. This one trickles the same: at its own pace it would not sell out before the close,
    but shaped like the past ones (stretched in time to where it stands) it sells out at hour 96 too."""
    history = [curve(TRICKLE + [8] * 24, 216, f"evt_{i}", OPEN - timedelta(days=30 * (i + 1)), days=5)
               for i in range(3)]
    now = OPEN + 46 * HOUR  # the 16th ticket sold in hour 45, as in the past ones
    mine = curve(TRICKLE[:46], 216, days=5)
    assert forecast(mine, now).reason is Reason.SHORT_AT_THIS_PACE
    shaped = forecast(mine, now, history).forecast
    assert shaped is not None and shaped.histories == 3
    assert abs(shaped.sell_out_at - (OPEN + 96 * HOUR)) < HOUR
    assert shaped.low <= shaped.sell_out_at and shaped.high is None  # its own pace says maybe never


def steady(event_id: str, opened: datetime, per_hour: int = 10, hours: int = 20) -> SaleCurve:
    return curve([per_hour] * hours, per_hour * hours, event_id, opened, days=5)


def test_the_back_test_reports_its_error_on_each_held_out_event() -> None:
    """Four past events that sold 10 an hour to their 200: held out at hour 10, each is forecast to sell
    out at hour 20, as it did: an error of 0 hours, the real sell-out inside the range."""
    history = [steady(f"evt_{i}", OPEN - timedelta(days=20 * (i + 1))) for i in range(4)]
    test = back_test(history)
    assert len(test.held_out) == 4 and test.forecast_count == 4
    assert test.mean_abs_error_hours is not None and test.mean_abs_error_hours <= 0.2 and test.inside_range == 4


def test_the_back_test_shows_a_miss() -> None:
    """One past event doubled its pace in its second half: from its first half the forecast is late, and
    the back-test says by how much (the others, steady, are still hit)."""
    opened = OPEN - timedelta(days=100)
    odd = curve([10] * 10 + [20] * 5, 200, "evt_odd", opened, days=5)  # sold out at hour 15, not 20
    history = [odd, *(steady(f"evt_{i}", OPEN - timedelta(days=20 * (i + 1))) for i in range(3))]
    test = back_test(history)
    [held] = [h for h in test.held_out if h.event_id == "evt_odd"]
    assert held.sold_out_at == opened + 15 * HOUR
    assert held.forecast_at is not None and held.error_hours is not None and held.error_hours > 0  # late
    assert test.mean_abs_error_hours is not None and test.mean_abs_error_hours > 0


def test_no_history_no_back_test() -> None:
    test = back_test([])
    assert (test.held_out, test.mean_abs_error_hours, test.inside_range) == ((), None, 0)
    unsold = [curve([1] * 30, 500, "evt_x", OPEN - timedelta(days=20))]
    assert back_test(unsold).held_out == ()


def test_the_back_test_keeps_the_last_events() -> None:
    history = [steady(f"evt_{i}", OPEN - timedelta(days=20 * (i + 1))) for i in range(7)]
    assert [h.event_id for h in back_test(history, events=3).held_out] == ["evt_2", "evt_1", "evt_0"]


def test_faster_and_slower_past_events_still_forecast_each_other() -> None:
    """Four past events sold their 120 at 6, 7, 8 and 9 an hour: a slower one held out is not "short at
    this pace" because the faster ones had sold out by then (curves are stretched in time, not scaled up)."""
    history = [curve([pace] * (120 // pace) + ([120 % pace] if 120 % pace else []), 120, f"evt_{pace}",
                     OPEN - timedelta(days=15 * pace), days=5) for pace in (6, 7, 8, 9)]
    test = back_test(history)
    assert test.forecast_count == 4 and test.inside_range == 4
    assert test.mean_abs_error_hours is not None and test.mean_abs_error_hours <= 1.0


def test_an_event_sells_out_with_its_last_tier() -> None:
    """VIP sold its 20 in the first hour; General sells 4 an hour: the event's date is General's, not a
    pace that still counts the VIP rush. A tier short at this pace leaves the event short, with the count."""
    gig = event()
    vip = Tier(id="tier_vip", event_id=gig.id, name="VIP", price_minor=6000, capacity=20, sales_start=OPEN)
    general = tier(60)
    buckets = [*sales([20], tier_id="tier_vip"), *sales([4] * 5)]
    curves = [curve_of(gig, [vip], buckets), curve_of(gig, [general], buckets)]
    now = OPEN + 5 * HOUR
    made = event_forecast(curves, now).forecast
    assert made is not None and made.sell_out_at == now + 10 * HOUR  # General: 40 left at 4 an hour
    assert (made.sold, made.capacity, made.per_hour) == (40, 80, 4.0)
    short = event_forecast([curves[0], curve_of(event(days=1), [tier(600)], sales([4] * 5))], now)
    assert (short.forecast, short.reason, short.by_close) == (None, Reason.SHORT_AT_THIS_PACE, 20 + 20 + 4 * 19)
    assert event_forecast([curves[0]], now).reason is Reason.SOLD_OUT
