"""The daily export switch per event on the SQLite file: a mixin of `SqliteStore` (`DailyExportStore`,
domain/daily_exports.py). The table is made on first use (CREATE TABLE IF NOT EXISTS), so files made
before the switch existed keep working without a migration step."""

from __future__ import annotations

from eventflow.domain.daily_exports import DailyExportSetting
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.sqlite.database import SqliteDatabase

DAILY_EXPORTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS daily_exports (
    event_id TEXT PRIMARY KEY, organizer_id TEXT NOT NULL, enabled INTEGER NOT NULL, changed_at TEXT NOT NULL
);
"""


class SqliteDailyExportsMixin(SqliteDatabase):
    """`DailyExportStore`: one row per event that was ever switched."""

    _daily_exports_ready = False

    def _daily_exports_table(self) -> None:
        if not self._daily_exports_ready:
            self._db().executescript(DAILY_EXPORTS_SCHEMA)
            self._daily_exports_ready = True

    def save_daily_export(self, setting: DailyExportSetting) -> None:
        self._daily_exports_table()
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO daily_exports VALUES (?, ?, ?, ?)",
                       (setting.event_id, setting.organizer_id, int(setting.enabled), t2s(setting.changed_at)))

    def get_daily_export(self, event_id: str) -> DailyExportSetting | None:
        self._daily_exports_table()
        row = self._db().execute("SELECT event_id, organizer_id, enabled, changed_at FROM daily_exports "
                                 "WHERE event_id = ?", (event_id,)).fetchone()
        return DailyExportSetting(row[0], row[1], bool(row[2]), s2t(row[3])) if row else None

    def daily_exports_on(self) -> list[DailyExportSetting]:
        self._daily_exports_table()
        rows = self._db().execute("SELECT event_id, organizer_id, enabled, changed_at FROM daily_exports "
                                  "WHERE enabled = 1 ORDER BY event_id").fetchall()
        return [DailyExportSetting(row[0], row[1], True, s2t(row[3])) for row in rows]
