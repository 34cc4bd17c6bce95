"""When people arrive at the door (issue 18): admissions per 5 minutes and door device, the busiest minute
and how many doors it needed, and the no-show rate per tier.

Read from the event's check-ins (`Queries.checkins`: the first admission of each ticket, with the device that
recorded it and the device's own `scanned_at`) and the store's aggregates (`EventFigures`: valid tickets and
admissions per tier). Computed with pandas; the answers are plain Python values (UTC instants, ints).

**How fast a door scans (the choice, and why).** A device's scan time is the *median gap between its
consecutive scans*, counting only gaps of at most `IDLE_GAP`: a longer gap is a door waiting for people, not a
door working. "Scans per active minute" was the other candidate; it was not chosen because a quiet minute with
one latecomer counts as "1 scan a minute", so the figure follows how people trickle in rather than how fast
the staff admit them, while the median of the busy gaps is the door's own pace and shrugs off the odd slow ID
check. The door's rate is the median over every device's busy gaps (a device weighs by its scans). When no
queue ever formed the gaps still include a little waiting, so the rate is on the slow side and `doors_needed`
errs towards one door more, never fewer.

**Doors needed at the peak** = ceil(admissions in the busiest minute / scans per minute of one door), at
least 1; None while no device has two scans close enough to measure its pace. Admissions are what the door
recorded: when a queue held people back, the peak shows the doors' capacity, and the true demand was higher.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from eventflow.domain.models import CheckIn, Event, Tier
from eventflow.domain.sales_stats import EventFigures

SLOT = timedelta(minutes=5)  # the heatmap's column (the door summary's slot, domain/sales_stats.py)
MAX_SLOTS = 288  # a day of 5-minute columns; beyond, only the slots with arrivals
MIN_SLOTS = 12  # at least the hour up to the last arrival: a first admission is one narrow column in context
IDLE_GAP = timedelta(seconds=60)  # a longer gap between two scans of one device: it waited, it did not work
MIN_GAP = timedelta(seconds=1)  # scans recorded in the same second (a group, an offline upload) count as 1 s


@dataclass(frozen=True, slots=True)
class DoorHeat:
    """Admissions per 5-minute slot (UTC start) and device: `counts[d][s]` for `devices[d]`, `slots[s]`.
    Devices busiest first (then by id); slots every 5 minutes from the first to the last (at least an hour),
    or only those with admissions when that would be more than a day of columns."""

    slots: tuple[datetime, ...] = ()
    devices: tuple[str, ...] = ()
    counts: tuple[tuple[int, ...], ...] = ()

    def per_slot(self) -> dict[datetime, dict[str, int]]:
        """slot -> {device id: admissions} without the zeros (the API's per-slot device counts)."""
        return {slot: {device: row[i] for device, row in zip(self.devices, self.counts, strict=True) if row[i]}
                for i, slot in enumerate(self.slots)}


@dataclass(frozen=True, slots=True)
class DeviceRate:
    """One device's pace: its admissions, how many gaps between them counted as working, their median."""

    device_id: str
    scans: int
    busy_gaps: int
    median_gap_seconds: float | None  # None: fewer than one gap of at most IDLE_GAP

    @property
    def per_minute(self) -> float | None:
        return None if self.median_gap_seconds is None else round(60 / self.median_gap_seconds, 2)


@dataclass(frozen=True, slots=True)
class Peak:
    """The busiest minute at the door and the doors it needed at the measured pace."""

    minute: datetime  # UTC start of the minute
    arrivals: int  # people admitted in it, every device together
    doors_open: int  # devices that admitted someone in it
    per_door_minute: float | None  # scans per minute of one door (module docstring); None: not measured
    doors_needed: int | None  # ceil(arrivals / per_door_minute), at least 1; None: pace not measured


@dataclass(frozen=True, slots=True)
class NoShow:
    """A tier's valid tickets and how many of them have not come through the door."""

    tier_id: str
    name: str
    sold: int  # valid tickets (refunded and voided ones are nobody's no-show)
    admitted: int
    absent: int

    @property
    def rate(self) -> float | None:
        return round(self.absent / self.sold, 4) if self.sold else None


@dataclass(frozen=True, slots=True)
class Attendance:
    heat: DoorHeat
    rates: tuple[DeviceRate, ...]
    peak: Peak | None  # None before the first admission
    no_shows: tuple[NoShow, ...]
    final: bool  # the event has ended: the no-shows are final, not "so far"


def scans_frame(checkins: Sequence[CheckIn]) -> pd.DataFrame:
    """One row per admission: device id and the device's scan instant (UTC), in scan order."""
    # epoch seconds, then one vectorised conversion: parsing 20,000 aware datetimes one by one cost ~50 ms
    seconds = np.fromiter((c.scanned_at.timestamp() for c in checkins), dtype=np.float64, count=len(checkins))
    frame = pd.DataFrame({"device": [c.device_id for c in checkins],
                          "at": pd.to_datetime(np.round(seconds * 1e6).astype(np.int64), unit="us", utc=True)})
    return frame.sort_values(["at", "device"], kind="stable").reset_index(drop=True)


def slot_range(used: Sequence[datetime]) -> list[datetime]:
    """Every 5-minute slot from the first used one (or an hour before the last) to the last; only the used
    ones when that would be more than MAX_SLOTS columns."""
    last = max(used)
    first = min(min(used), last - (MIN_SLOTS - 1) * SLOT)
    count = int((last - first) / SLOT) + 1
    return [first + i * SLOT for i in range(count)] if count <= MAX_SLOTS else sorted(used)


def _utc(stamp: Any) -> datetime:
    return pd.Timestamp(stamp).to_pydatetime().astimezone(UTC)


def door_heat(frame: pd.DataFrame) -> DoorHeat:
    if frame.empty:
        return DoorHeat()
    table = frame.assign(slot=frame["at"].dt.floor("5min")).groupby(["device", "slot"]).size().unstack(fill_value=0)
    slots = slot_range([_utc(s) for s in table.columns])
    table = table.reindex(columns=pd.DatetimeIndex(slots), fill_value=0)
    order = sorted(table.index, key=lambda device: (-int(table.loc[device].sum()), device))
    table = table.loc[order]
    return DoorHeat(tuple(slots), tuple(str(d) for d in table.index),
                    tuple(tuple(int(n) for n in row) for row in table.to_numpy()))


def device_rates(frame: pd.DataFrame) -> tuple[tuple[DeviceRate, ...], float | None]:
    """Each device's pace and the door's (the median of every device's busy gaps), in seconds per scan."""
    # the frame is in scan order, so each device's rows are too: a gap is the step from its previous scan
    gaps = frame.groupby("device", sort=False)["at"].diff().dt.total_seconds().clip(lower=MIN_GAP.total_seconds())
    busy = gaps[gaps <= IDLE_GAP.total_seconds()]
    paces = busy.groupby(frame.loc[busy.index, "device"]).agg(["size", "median"])
    rates = []
    for device, scans in frame.groupby("device").size().items():
        working, median = (int(paces.at[device, "size"]), round(float(paces.at[device, "median"]), 2)) \
            if device in paces.index else (0, None)
        rates.append(DeviceRate(str(device), int(scans), working, median))
    rates.sort(key=lambda rate: (-rate.scans, rate.device_id))
    return tuple(rates), (float(busy.median()) if len(busy) else None)


def peak_of(frame: pd.DataFrame, seconds_per_scan: float | None) -> Peak | None:
    """The minute with the most admissions (the earliest of equals) and the doors it needed."""
    if frame.empty:
        return None
    minutes = frame.assign(minute=frame["at"].dt.floor("min")).groupby("minute")
    per_minute = minutes.size()
    busiest = per_minute[per_minute == per_minute.max()].index.min()
    arrivals = int(per_minute[busiest])
    pace = round(60 / seconds_per_scan, 2) if seconds_per_scan else None
    needed = max(1, math.ceil(arrivals / pace)) if pace else None
    return Peak(_utc(busiest), arrivals, int(minutes["device"].nunique()[busiest]), pace, needed)


def no_shows(tiers: Sequence[Tier], valid: Mapping[str, int], admitted: Mapping[str, int]) -> tuple[NoShow, ...]:
    """Per tier, valid tickets not (yet) admitted; a ticket admitted and then refunded counts for neither."""
    rows = []
    for tier in tiers:
        sold, came = valid.get(tier.id, 0), admitted.get(tier.id, 0)
        rows.append(NoShow(tier.id, tier.name, sold, min(came, sold), max(sold - came, 0)))
    return tuple(rows)


def tier_no_shows(figures: EventFigures) -> tuple[NoShow, ...]:
    """No-shows from the dashboard's aggregates alone (valid tickets and admissions per tier)."""
    return no_shows(figures.tiers, {t.tier_id: t.tickets for t in figures.sales.tiers}, dict(figures.door.admitted))


def door_pace(checkins: Sequence[CheckIn]) -> tuple[DoorHeat, tuple[DeviceRate, ...], Peak | None]:
    """What the check-ins alone tell: the heatmap, each device's pace, the peak."""
    frame = scans_frame(checkins)
    if frame.empty:
        return DoorHeat(), (), None
    rates, seconds = device_rates(frame)
    return door_heat(frame), rates, peak_of(frame, seconds)


def attendance_of(event: Event, figures: EventFigures, checkins: Sequence[CheckIn], now: datetime) -> Attendance:
    heat, rates, peak = door_pace(checkins)
    return Attendance(heat, rates, peak, tier_no_shows(figures), now >= event.ends_at)


def attendance_json(attendance: Attendance) -> dict[str, Any]:
    """The API's `attendance`: the peak, the pace per device, the no-shows (final or "so far")."""
    peak = attendance.peak
    return {
        "peak": None if peak is None else {
            "minute": peak.minute.isoformat(), "arrivals": peak.arrivals, "doors_open": peak.doors_open,
            "scans_per_minute_per_door": peak.per_door_minute, "doors_needed": peak.doors_needed},
        "devices": [{"device_id": r.device_id, "scans": r.scans, "busy_gaps": r.busy_gaps,
                     "median_gap_seconds": r.median_gap_seconds, "scans_per_minute": r.per_minute}
                    for r in attendance.rates],
        "no_shows": [{"tier_id": n.tier_id, "name": n.name, "sold": n.sold, "admitted": n.admitted,
                      "no_show": n.absent, "rate": n.rate} for n in attendance.no_shows],
        "no_shows_final": attendance.final,  # false: the event has not ended, the figures are "so far"
    }


def with_attendance(body: dict[str, Any], attendance: Attendance) -> dict[str, Any]:
    """The analytics answer with each `arrivals` slot's admissions per device (`devices`: {device id: n})
    and the `attendance` figures beside it (`arrivals` stays a list of slots, as before)."""
    per_slot = {slot.isoformat(): devices for slot, devices in attendance.heat.per_slot().items()}
    body["arrivals"] = [row | {"devices": per_slot.get(row["slot"], {})} for row in body.get("arrivals", [])]
    body["attendance"] = attendance_json(attendance)
    return body
