"""Store contract for the daily export switch per event (domain/daily_exports.py): the same on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from eventflow.domain.daily_exports import DailyExportSetting

T0 = datetime(2027, 3, 1, 9, 30, tzinfo=UTC)


def test_switches_are_kept_per_event_and_the_ones_on_are_listed(store: Any) -> None:
    assert store.get_daily_export("evt_b") is None and store.daily_exports_on() == []
    store.save_daily_export(DailyExportSetting("evt_b", "org_1", True, T0))
    store.save_daily_export(DailyExportSetting("evt_a", "org_2", True, T0))
    store.save_daily_export(DailyExportSetting("evt_c", "org_1", True, T0))
    store.save_daily_export(DailyExportSetting("evt_c", "org_1", False, T0 + timedelta(minutes=1)))  # turned off
    assert store.get_daily_export("evt_c") == DailyExportSetting("evt_c", "org_1", False, T0 + timedelta(minutes=1))
    assert store.daily_exports_on() == [DailyExportSetting("evt_a", "org_2", True, T0),
                                        DailyExportSetting("evt_b", "org_1", True, T0)]
