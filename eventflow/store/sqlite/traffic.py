"""Counts per (event, source) and the sources of tracked holds on the SQLite file: a mixin of `SqliteStore`
(domain/traffic.py `TrafficStore`). Nothing here identifies a visitor: counts and source names only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from eventflow.domain.traffic import COUNTS, HoldSource, SourceFigures
from eventflow.store.sqlite.database import SqliteDatabase

TRAFFIC_SCHEMA = """
CREATE TABLE IF NOT EXISTS source_figures (
    event_id TEXT NOT NULL, source TEXT NOT NULL,
    views INTEGER NOT NULL DEFAULT 0, visitors INTEGER NOT NULL DEFAULT 0, holds INTEGER NOT NULL DEFAULT 0,
    orders INTEGER NOT NULL DEFAULT 0, tickets INTEGER NOT NULL DEFAULT 0,
    revenue_minor INTEGER NOT NULL DEFAULT 0, first_orders INTEGER NOT NULL DEFAULT 0,
    first_revenue_minor INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, source)
);
CREATE TABLE IF NOT EXISTS hold_sources (
    reservation_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, first TEXT NOT NULL, last TEXT NOT NULL
);
"""

_COLUMNS = ", ".join(COUNTS)
ADD_FIGURES = (
    f"INSERT INTO source_figures (event_id, source, {_COLUMNS}) VALUES (?, ?, {', '.join('?' for _ in COUNTS)}) "
    f"ON CONFLICT (event_id, source) DO UPDATE SET {', '.join(f'{c} = {c} + excluded.{c}' for c in COUNTS)}"
)


class SqliteTrafficMixin(SqliteDatabase):
    """`TrafficStore`: a batch of increments is one transaction (one upsert per row)."""

    def add_source_figures(self, figures: Iterable[SourceFigures]) -> None:
        rows = [(f.event_id, f.source, *(getattr(f, c) for c in COUNTS)) for f in figures]
        if rows:
            with self._write() as db:
                db.executemany(ADD_FIGURES, rows)

    def source_figures(self, event_id: str) -> list[SourceFigures]:
        rows = self._db().execute(
            f"SELECT event_id, source, {_COLUMNS} FROM source_figures WHERE event_id = ? ORDER BY source",
            (event_id,)).fetchall()
        return [SourceFigures(*row) for row in rows]

    def save_hold_source(self, source: HoldSource) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO hold_sources VALUES (?, ?, ?, ?)",
                       (source.reservation_id, source.event_id, source.first, source.last))

    def hold_source(self, reservation_id: str) -> HoldSource | None:
        row = self._db().execute("SELECT reservation_id, event_id, first, last FROM hold_sources "
                                 "WHERE reservation_id = ?", (reservation_id,)).fetchone()
        return HoldSource(*row) if row else None

    def succeeded_refund_ids(self, event_id: str) -> list[str]:
        rows = self._db().execute("SELECT id FROM refunds WHERE event_id = ? AND status = 'succeeded' "
                                  "AND order_id IS NOT NULL ORDER BY id", (event_id,)).fetchall()
        return [row[0] for row in rows]

    def hold_sources(self, reservation_ids: Sequence[str]) -> dict[str, HoldSource]:
        found: dict[str, HoldSource] = {}
        ids = list(dict.fromkeys(reservation_ids))
        for start in range(0, len(ids), 500):  # under SQLite's limit of bound parameters
            chunk = ids[start:start + 500]
            rows = self._db().execute("SELECT reservation_id, event_id, first, last FROM hold_sources "
                                      f"WHERE reservation_id IN ({', '.join('?' for _ in chunk)})", chunk)
            found.update((row[0], HoldSource(*row)) for row in rows)
        return found
