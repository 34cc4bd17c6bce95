"""The scheduled daily export (issue 18): builds `DailyExports` (domain/daily_exports.py) from the app's
services, for the outbox job's pass (app/jobs.py `run_outbox`) and the dashboard's switch
(pages/components/daily_export_switch.py). The pass is safe on every instance: one outbox key per event
and local day."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from eventflow.adapters.spreadsheets import xlsx_bytes
from eventflow.domain.daily_exports import DailyExportReads, DailyExports

if TYPE_CHECKING:
    from eventflow.services import Services

log = logging.getLogger("eventflow.jobs")


def daily_exports(services: Services) -> DailyExports | None:
    """The daily export of this app; None on a store without the switch (a bare test store)."""
    store = services.ticketing.store
    if not isinstance(store, DailyExportReads):
        return None
    return DailyExports(store, services.catalog.own_event, services.exports, services.outbox.enqueue, xlsx_bytes,
                        services.ticketing.clock, services.settings.public_url)


async def queue_daily_exports(services: Services) -> int:
    """One pass (in a worker thread: it may write Excel files): the due mails queued, how many."""
    exports = daily_exports(services)
    if exports is None:
        return 0
    queued = await services.in_thread(exports.queue_due)
    if queued:
        log.info("queued %d daily exports", queued)
    return queued
