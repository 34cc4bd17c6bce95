"""The scheduled daily export (issue 18): builds `DailyExports` (domain/daily_exports.py) from the app's
services, for the outbox job's pass (app/jobs.py `run_outbox`) and the dashboard's switch
(pages/components/daily_export_switch.py). The pass is safe on every instance: one outbox key per event
and local day."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from eventflow.adapters.spreadsheets import xlsx_bytes
from eventflow.domain.daily_exports import DailyExportReads, DailyExports

if TYPE_CHECKING:
    from eventflow.services import Services

log = logging.getLogger("eventflow.jobs")
PASS_SECONDS = 60.0


def daily_exports(services: Services) -> DailyExports | None:
    """The daily export of this app; None on a store without the switch (a bare test store)."""
    store = services.ticketing.store
    if not isinstance(store, DailyExportReads):
        return None
    return DailyExports(store, services.catalog.own_event, services.exports, services.outbox.enqueue, xlsx_bytes,
                        services.ticketing.clock, services.settings.public_url)


class DailyExportPass:
    """The outbox job's daily export pass, at most once per `every` seconds: a mail due from 07:00 may
    wait a minute, and the store is asked for the switches that are on once a minute, not every 5 s."""

    def __init__(self, services: Services, every: float = PASS_SECONDS) -> None:
        self.services, self.every = services, every
        self.next_at = 0.0  # the first outbox run passes at once

    async def run(self) -> int:
        """One pass if its time has come (in a worker thread: it may write Excel files): how many it queued."""
        now = time.monotonic()
        exports = daily_exports(self.services)
        if now < self.next_at or exports is None:
            return 0
        self.next_at = now + self.every
        queued = await self.services.in_thread(exports.queue_due)
        if queued:
            log.info("queued %d daily exports", queued)
        return queued
