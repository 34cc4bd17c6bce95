"""The door's pace as the store keeps it (issue 18): aggregates written with each first check-in, so the
attendance figures (domain/attendance.py) are read in a time that does not grow with the check-ins.

Kept per event, by `admit` in the same write as the check-in (store/*/door_pace.py):

- admissions per (UTC minute, device): the heatmap's 5-minute slots per device, the peak minute and the
  devices open in it are all sums of these;
- per device, the instant of its latest recorded scan and a histogram of its busy gaps in whole seconds,
  1..IDLE_GAP (`GAP_BUCKETS` buckets): the gap of a new scan is measured from that latest instant.

**The median from the histogram is exact for whole-second gaps** (what a door scanner's clock records in
practice); a fractional gap is rounded to the nearest second (half up), so for sub-second scan stamps the
median may differ from the full scan's by < 0.5 s. Gaps longer than IDLE_GAP are left out, shorter than 1 s
count as 1 s, as in `device_rates`.

**Out-of-order uploads.** A device's offline backlog arrives in its own scan order, after its previous
online scans: each gap is then the same as in the full scan. A scan recorded *earlier* than the device's
latest recorded one (a backlog uploaded after newer live scans of the same device, a retried upload) counts
in the minutes but adds no gap and leaves the latest instant as it is: the one gap it would split is kept
whole. `pace_of` below is the specification in recording order (tests/store/test_contract_door_pace.py).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from eventflow.domain.attendance import (
    IDLE_GAP,
    MIN_GAP,
    SLOT,
    Attendance,
    DeviceRate,
    DoorHeat,
    Peak,
    door_pace,
    slot_range,
    tier_no_shows,
)
from eventflow.domain.models import CheckIn, Event
from eventflow.domain.sales_stats import EventFigures

GAP_BUCKETS = int(IDLE_GAP.total_seconds())  # whole seconds 1..60


def scan_minute(instant: datetime) -> datetime:
    """The UTC minute of a scan: the aggregates' bucket."""
    return instant.astimezone(UTC).replace(second=0, microsecond=0)


def gap_seconds(previous: datetime | None, instant: datetime) -> int | None:
    """The histogram bucket of a scan at `instant` after the device's latest recorded scan `previous`:
    None for a first scan, an out-of-order one (earlier than `previous`) or an idle gap (> IDLE_GAP)."""
    if previous is None or instant < previous:
        return None
    seconds = (instant - previous).total_seconds()
    if seconds > IDLE_GAP.total_seconds():
        return None
    return max(int(MIN_GAP.total_seconds()), min(GAP_BUCKETS, math.floor(seconds + 0.5)))


@dataclass(frozen=True, slots=True)
class DoorPaceFigures:
    """An event's pace aggregates: (minute, device, admissions) and (device, gap seconds, count), any order."""

    minutes: tuple[tuple[datetime, str, int], ...] = ()
    gaps: tuple[tuple[str, int, int], ...] = ()

    @property
    def admissions(self) -> int:
        return sum(count for _minute, _device, count in self.minutes)


def pace_of(checkins_in_recording_order: Iterable[CheckIn]) -> DoorPaceFigures:
    """What the store's aggregates hold after recording these first check-ins in this order."""
    minutes: Counter[tuple[datetime, str]] = Counter()
    gaps: Counter[tuple[str, int]] = Counter()
    latest: dict[str, datetime] = {}
    for checkin in checkins_in_recording_order:
        minutes[scan_minute(checkin.scanned_at), checkin.device_id] += 1
        previous = latest.get(checkin.device_id)
        bucket = gap_seconds(previous, checkin.scanned_at)
        if bucket is not None:
            gaps[checkin.device_id, bucket] += 1
        if previous is None or checkin.scanned_at >= previous:
            latest[checkin.device_id] = checkin.scanned_at
    return DoorPaceFigures(tuple((m, d, n) for (m, d), n in minutes.items()),
                           tuple((d, g, n) for (d, g), n in gaps.items()))


def histogram_median(histogram: Mapping[int, int]) -> float | None:
    """The median of the values a histogram counts (the mean of the two middle ones for an even count)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted, seen, middle = ((total - 1) // 2, total // 2), 0, []
    for value in sorted(histogram):
        low, seen = seen, seen + histogram[value]
        middle += [value for index in wanted if low <= index < seen]
    return sum(middle) / 2


def _heat(per_slot: Mapping[tuple[str, datetime], int]) -> DoorHeat:
    if not per_slot:
        return DoorHeat()
    slots = slot_range(sorted({slot for _device, slot in per_slot}))
    totals: Counter[str] = Counter()
    for (device, _slot), count in per_slot.items():
        totals[device] += count
    devices = sorted(totals, key=lambda device: (-totals[device], device))
    return DoorHeat(tuple(slots), tuple(devices),
                    tuple(tuple(per_slot.get((device, slot), 0) for slot in slots) for device in devices))


def pace_from(figures: DoorPaceFigures) -> tuple[DoorHeat, tuple[DeviceRate, ...], Peak | None]:
    """`door_pace` (the full scan) from the aggregates: the heatmap, each device's pace, the peak."""
    minutes = [(m, d, n) for m, d, n in figures.minutes if n]
    if not minutes:
        return DoorHeat(), (), None
    per_slot: Counter[tuple[str, datetime]] = Counter()
    scans: Counter[str] = Counter()
    per_minute: Counter[datetime] = Counter()
    open_doors: Counter[datetime] = Counter()
    for minute, device, count in minutes:
        per_slot[device, minute.replace(minute=minute.minute - minute.minute % int(SLOT.total_seconds() // 60))] \
            += count
        scans[device] += count
        per_minute[minute] += count
        open_doors[minute] += 1
    histograms: dict[str, Counter[int]] = {}
    door: Counter[int] = Counter()
    for device, seconds, count in figures.gaps:
        if count:
            histograms.setdefault(device, Counter())[seconds] += count
            door[seconds] += count
    rates = []
    for device, count in scans.items():
        histogram = histograms.get(device, Counter())
        median = histogram_median(histogram)
        rates.append(DeviceRate(device, count, sum(histogram.values()), None if median is None else round(median, 2)))
    rates.sort(key=lambda rate: (-rate.scans, rate.device_id))
    most = max(per_minute.values())
    busiest = min(minute for minute, count in per_minute.items() if count == most)
    seconds_per_scan = histogram_median(door)
    pace = round(60 / seconds_per_scan, 2) if seconds_per_scan else None
    needed = max(1, math.ceil(most / pace)) if pace else None
    return _heat(per_slot), tuple(rates), Peak(busiest, most, open_doors[busiest], pace, needed)


def read_pace(figures: EventFigures, aggregates: DoorPaceFigures,
              checkins: Callable[[], Sequence[CheckIn]]) -> tuple[DoorHeat, tuple[DeviceRate, ...], Peak | None]:
    """The door's pace from the aggregates; from the full scan of `checkins()` when they count fewer
    admissions than the door summary (an event whose check-ins were recorded before the aggregates existed
    on a DynamoDB table: SQLite files are filled on open)."""
    if aggregates.admissions < sum(count for _tier, count in figures.door.admitted):
        return door_pace(checkins())
    return pace_from(aggregates)


def attendance_from(event: Event, figures: EventFigures, aggregates: DoorPaceFigures,
                    checkins: Callable[[], Sequence[CheckIn]], now: datetime) -> Attendance:
    """`attendance_of` from the store's aggregates (the scan only as `read_pace`'s fallback)."""
    heat, rates, peak = read_pace(figures, aggregates, checkins)
    return Attendance(heat, rates, peak, tier_no_shows(figures), now >= event.ends_at)
