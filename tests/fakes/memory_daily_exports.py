"""`InMemoryStore`'s daily export switches (domain/daily_exports.py `DailyExportStore`): a dict under a lock,
made on first use (so the store's constructor needs no line for it)."""

from __future__ import annotations

import threading

from eventflow.domain.daily_exports import DailyExportSetting

_LOCK = threading.Lock()


class InMemoryDailyExportsMixin:
    def _daily_exports(self) -> dict[str, DailyExportSetting]:
        found: dict[str, DailyExportSetting] = self.__dict__.setdefault("_daily_export_settings", {})
        return found

    def save_daily_export(self, setting: DailyExportSetting) -> None:
        with _LOCK:
            self._daily_exports()[setting.event_id] = setting

    def get_daily_export(self, event_id: str) -> DailyExportSetting | None:
        with _LOCK:
            return self._daily_exports().get(event_id)

    def daily_exports_on(self) -> list[DailyExportSetting]:
        with _LOCK:
            return sorted((s for s in self._daily_exports().values() if s.enabled), key=lambda s: s.event_id)
