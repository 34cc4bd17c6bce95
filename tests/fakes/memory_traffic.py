"""`InMemoryStore`'s traffic counts (domain/traffic.py `TrafficStore`): dicts under a lock."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from eventflow.domain.payments.records import RefundStatus
from eventflow.domain.traffic import HoldSource, SourceFigures


class InMemoryTrafficMixin:
    def __init__(self) -> None:
        self._source_figures: dict[tuple[str, str], SourceFigures] = {}
        self._hold_sources: dict[str, HoldSource] = {}
        self._traffic_lock = threading.Lock()

    def add_source_figures(self, figures: Iterable[SourceFigures]) -> None:
        with self._traffic_lock:
            for row in figures:
                before = self._source_figures.get((row.event_id, row.source))
                self._source_figures[(row.event_id, row.source)] = before.plus(row) if before else row

    def source_figures(self, event_id: str) -> list[SourceFigures]:
        with self._traffic_lock:
            return sorted((f for (event, _), f in self._source_figures.items() if event == event_id),
                          key=lambda f: f.source)

    def save_hold_source(self, source: HoldSource) -> None:
        with self._traffic_lock:
            self._hold_sources[source.reservation_id] = source

    def hold_source(self, reservation_id: str) -> HoldSource | None:
        with self._traffic_lock:
            return self._hold_sources.get(reservation_id)

    def succeeded_refund_ids(self, event_id: str) -> list[str]:
        refunds = list(self._refunds.values())  # type: ignore[attr-defined]  # InMemoryPaymentsMixin's
        return sorted(r.id for r in refunds
                      if r.event_id == event_id and r.status is RefundStatus.SUCCEEDED and r.order_id)

    def hold_sources(self, reservation_ids: Sequence[str]) -> dict[str, HoldSource]:
        with self._traffic_lock:
            return {rid: self._hold_sources[rid] for rid in reservation_ids if rid in self._hold_sources}
