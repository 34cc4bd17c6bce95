"""The door's pace aggregates on every store (domain/door_pace.py): after random scans of three devices,
an offline backlog uploaded after newer live scans, and a double scan, the attendance figures read from
`door_pace` equal the full scan's (`door_pace` of domain/attendance.py over `list_checkins`), and an
upload earlier than its device's latest recorded scan adds no gap. tests/fakes/test_memory_contract_door_pace.py
runs this on the fake too."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from eventflow.domain.attendance import door_pace
from eventflow.domain.door_pace import DoorPaceFigures, pace_from, pace_of
from eventflow.domain.models import CheckIn

OPEN = datetime(2026, 6, 1, 19, 0, tzinfo=UTC)
STEPS = (0, 1, 1, 2, 3, 4, 5, 7, 9, 13, 30, 60, 61, 95, 400)  # seconds: same-second, busy, idle


def normal(figures: DoorPaceFigures) -> tuple[list[Any], list[Any]]:
    return sorted(figures.minutes), sorted(figures.gaps)


def random_scans(event_id: str) -> list[CheckIn]:
    """Three devices' scans in the order the store records them (a double scan among them)."""
    rng = random.Random(18)
    live: list[CheckIn] = []
    at = {"front": OPEN, "side": OPEN + timedelta(seconds=17)}
    for number in range(60):
        device = rng.choice(("front", "front", "side"))
        at[device] += timedelta(seconds=rng.choice(STEPS))
        live.append(CheckIn(f"{event_id}-t{number}", event_id, device, at[device], f"{event_id}-n{number}"))
    # "back" scanned offline, in its own order, and uploads after the live doors' later scans
    backlog = [CheckIn(f"{event_id}-b{number}", event_id, "back",
                       OPEN + timedelta(seconds=3 * number + (number // 4) * 70), f"{event_id}-o{number}",
                       offline=True) for number in range(12)]
    again = CheckIn(live[5].ticket_id, event_id, "side", at["side"] + timedelta(seconds=2), f"{event_id}-again")
    return live[:40] + backlog + [again] + live[40:]


def test_pace_read_equals_the_full_scan(store) -> None:  # type: ignore[no-untyped-def]
    scans = random_scans("ev_pace")
    for checkin in scans + random_scans("ev_other")[:7]:
        store.admit(checkin)
    recorded = [c for i, c in enumerate(scans) if c.ticket_id not in {s.ticket_id for s in scans[:i]}]
    aggregates = store.door_pace("ev_pace")
    assert normal(aggregates) == normal(pace_of(recorded))  # the double scan counted once, nothing of ev_other
    assert aggregates.admissions == len(recorded) == 72
    heat, rates, peak = pace_from(aggregates)
    assert (heat, rates, peak) == door_pace(store.list_checkins("ev_pace"))
    assert {rate.device_id for rate in rates} == {"front", "side", "back"} and peak is not None
    assert store.door_pace("ev_none") == DoorPaceFigures()


def test_an_upload_earlier_than_the_devices_latest_scan_adds_no_gap(store) -> None:  # type: ignore[no-untyped-def]
    def scan(ticket: str, seconds: int, offline: bool = False) -> None:
        store.admit(CheckIn(ticket, "ev_late", "front", OPEN + timedelta(seconds=seconds), f"n-{ticket}", offline))

    scan("a", 0)
    scan("b", 10)
    scan("c", 5, offline=True)  # recorded after b, scanned before it: no gap, the latest instant stays b's
    scan("d", 20)
    minutes, gaps = normal(store.door_pace("ev_late"))
    assert minutes == [(OPEN, "front", 4)]
    assert gaps == [("front", 10, 2)]  # a -> b and b -> d; c split nothing
