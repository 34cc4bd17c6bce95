"""When people arrive (issue 18, domain/attendance.py) on synthetic door scans: admissions per 5 minutes and
device, each device's pace from its own scan timestamps, the peak minute and the doors it needed, no-shows per
tier (final once the event has ended, "so far" before), the API's additions, and slots across midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eventflow.domain.attendance import (
    IDLE_GAP,
    attendance_json,
    attendance_of,
    door_pace,
    with_attendance,
)
from eventflow.domain.models import CheckIn, Event, EventStatus, Tier
from eventflow.domain.money import FeeMode
from eventflow.domain.sales_stats import DoorSummary, EventFigures, SalesSummary, TierTotals

FRONT, SIDE = "Front door · device-aaa111", "Side door · device-bbb222"
DOORS_OPEN = datetime(2026, 6, 5, 17, 0, tzinfo=UTC)  # 19:00 in Berlin


def scan(device: str, at: datetime, n: int) -> CheckIn:
    return CheckIn(f"t-{device[:4]}-{n}", "ev", device, at, f"nonce-{device[:4]}-{n}")


def door_evening() -> list[CheckIn]:
    """The front door admits one person every 10 s for two minutes from 19:00 (12 people) after one early
    guest at 18:40; the side door one every 20 s from 19:00 to 19:01 (4 people)."""
    scans = [scan(FRONT, DOORS_OPEN - timedelta(minutes=20), 99)]
    scans += [scan(FRONT, DOORS_OPEN + timedelta(seconds=10 * i), i) for i in range(12)]
    scans += [scan(SIDE, DOORS_OPEN + timedelta(seconds=20 * i), i) for i in range(4)]
    return scans


def event(ends_at: datetime) -> Event:
    return Event("ev", "org", "gig", "Gig", ends_at - timedelta(hours=3), ends_at, "Europe/Berlin", "Hall", "EUR",
                 "", FeeMode.BUYER_PAYS, EventStatus.PUBLISHED, ends_at - timedelta(days=40))


def figures() -> EventFigures:
    tiers = [Tier("early", "ev", "Early bird", 1500, 50, sold=10), Tier("general", "ev", "General", 2500, 50, sold=8),
             Tier("vip", "ev", "VIP", 9000, 10, sold=0)]
    sales = SalesSummary(9, 0, 0, (TierTotals("early", 10, 15000, 0), TierTotals("general", 7, 17500, 0)), ())
    door = DoorSummary((("early", 9), ("general", 8)), (), ())  # one General ticket admitted, then refunded
    return EventFigures(tiers, sales, door, [], {})


def test_heatmap_counts_admissions_per_five_minutes_and_device() -> None:
    heat, _rates, _peak = door_pace(door_evening())
    assert heat.devices == (FRONT, SIDE)  # the busiest first
    # at least the hour up to the last slot (18:05 ... 19:00), quiet slots shown as zeros
    assert heat.slots[0] == DOORS_OPEN - timedelta(minutes=55) and heat.slots[-1] == DOORS_OPEN
    assert len(heat.slots) == 12
    assert heat.counts == ((0,) * 7 + (1, 0, 0, 0, 12), (0,) * 11 + (4,))
    assert heat.per_slot()[DOORS_OPEN] == {FRONT: 12, SIDE: 4}
    assert heat.per_slot()[DOORS_OPEN - timedelta(minutes=10)] == {}


def test_each_device_pace_is_the_median_of_its_busy_gaps_and_the_peak_needs_two_doors() -> None:
    _heat, rates, peak = door_pace(door_evening())
    front, side = rates
    # the 20-minute wait before the front door's second scan is not work: 11 busy gaps of 10 s
    assert (front.device_id, front.scans, front.busy_gaps, front.median_gap_seconds, front.per_minute) == (
        FRONT, 13, 11, 10.0, 6.0)
    assert (side.scans, side.busy_gaps, side.median_gap_seconds, side.per_minute) == (4, 3, 20.0, 3.0)
    assert peak is not None
    # 19:00-19:01: the front door 6, the side door 3; the door's pace: the median of all 14 busy gaps (10 s)
    assert (peak.minute, peak.arrivals, peak.doors_open, peak.per_door_minute) == (DOORS_OPEN, 9, 2, 6.0)
    assert peak.doors_needed == 2  # ceil(9 / 6)


def test_a_slow_door_needs_more_doors_and_one_door_is_the_least() -> None:
    slow = [scan(FRONT, DOORS_OPEN + timedelta(seconds=30 * i), i) for i in range(4)]  # 2 a minute
    crowd = [scan(SIDE, DOORS_OPEN + timedelta(seconds=i), 50 + i) for i in range(5)]  # a group: 1 s each
    _heat, _rates, peak = door_pace(slow + crowd)
    assert peak is not None and peak.arrivals == 7
    assert peak.per_door_minute == 60.0 and peak.doors_needed == 1  # median gap 1 s (4 of 7 gaps): never 0 doors
    _heat, _rates, peak = door_pace(slow)
    assert peak is not None and (peak.arrivals, peak.per_door_minute, peak.doors_needed) == (2, 2.0, 1)
    _heat, _rates, peak = door_pace(slow * 1 + [scan(SIDE, DOORS_OPEN + timedelta(seconds=5), 7),
                                                scan(SIDE, DOORS_OPEN + timedelta(seconds=35), 8)])
    assert peak is not None and (peak.arrivals, peak.per_door_minute, peak.doors_needed) == (4, 2.0, 2)


def test_the_pace_is_not_measured_from_scans_far_apart() -> None:
    sparse = [scan(FRONT, DOORS_OPEN + i * (IDLE_GAP + timedelta(seconds=1)), i) for i in range(3)]
    _heat, rates, peak = door_pace(sparse)
    assert rates[0].median_gap_seconds is None and rates[0].per_minute is None
    assert peak is not None and (peak.arrivals, peak.per_door_minute, peak.doors_needed) == (1, None, None)
    heat, rates, peak = door_pace([])
    assert (heat.slots, rates, peak) == ((), (), None)


def test_no_shows_per_tier_are_so_far_before_the_end_and_final_after() -> None:
    ends = DOORS_OPEN + timedelta(hours=4)
    before = attendance_of(event(ends), figures(), door_evening(), ends - timedelta(minutes=1))
    after = attendance_of(event(ends), figures(), door_evening(), ends)
    assert (before.final, after.final) == (False, True)
    early, general, vip = after.no_shows
    assert (early.sold, early.admitted, early.absent, early.rate) == (10, 9, 1, 0.1)
    assert (general.sold, general.admitted, general.absent, general.rate) == (7, 7, 0, 0.0)  # refund: nobody's
    assert (vip.sold, vip.absent, vip.rate) == (0, 0, None)
    body = attendance_json(before)
    assert body["no_shows_final"] is False
    assert body["no_shows"][0] == {"tier_id": "early", "name": "Early bird", "sold": 10, "admitted": 9,
                                   "no_show": 1, "rate": 0.1}
    assert body["peak"] == {"minute": DOORS_OPEN.isoformat(), "arrivals": 9, "doors_open": 2,
                            "scans_per_minute_per_door": 6.0, "doors_needed": 2}


def test_the_analytics_arrivals_carry_the_devices_and_keep_their_fields() -> None:
    attendance = attendance_of(event(DOORS_OPEN + timedelta(hours=4)), figures(), door_evening(), DOORS_OPEN)
    body = {"arrivals": [{"slot": DOORS_OPEN.isoformat(), "admitted": 16},
                         {"slot": (DOORS_OPEN - timedelta(minutes=20)).isoformat(), "admitted": 1}], "funnel": {}}
    out = with_attendance(body, attendance)
    assert out["arrivals"] == [{"slot": DOORS_OPEN.isoformat(), "admitted": 16, "devices": {FRONT: 12, SIDE: 4}},
                               {"slot": (DOORS_OPEN - timedelta(minutes=20)).isoformat(), "admitted": 1,
                                "devices": {FRONT: 1}}]
    assert out["funnel"] == {} and out["attendance"]["peak"]["doors_needed"] == 2
    assert [d["device_id"] for d in out["attendance"]["devices"]] == [FRONT, SIDE]


def test_slots_run_on_across_midnight() -> None:
    late = datetime(2026, 6, 5, 21, 59, tzinfo=UTC)  # 23:59 in Berlin
    heat, _rates, peak = door_pace([scan(FRONT, late, 1), scan(FRONT, late + timedelta(seconds=70), 2),
                                    scan(SIDE, late + timedelta(minutes=7), 3)])
    assert heat.slots[-1] == datetime(2026, 6, 5, 22, 5, tzinfo=UTC) and len(heat.slots) == 12
    assert [slot for slot, devices in heat.per_slot().items() if devices] == [
        datetime(2026, 6, 5, 21, 55, tzinfo=UTC), datetime(2026, 6, 5, 22, 0, tzinfo=UTC),
        datetime(2026, 6, 5, 22, 5, tzinfo=UTC)]
    assert peak is not None and peak.minute == late  # 1 each: the earliest of equal minutes


def test_a_door_open_for_days_shows_only_the_slots_with_admissions() -> None:
    days = [scan(FRONT, DOORS_OPEN + timedelta(days=day), day) for day in range(3)]  # one a day: 577 slots apart
    heat, _rates, _peak = door_pace(days)
    assert heat.slots == tuple(DOORS_OPEN + timedelta(days=day) for day in range(3))
    assert heat.counts == ((1, 1, 1),)
