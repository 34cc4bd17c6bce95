"""The job that writes the page views and holds counted in memory (domain/traffic.py) every few seconds,
and once more when the server stops: a flood of views costs the store one write per (event, source) per
flush, whatever the number of views."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventflow.services import Services

log = logging.getLogger(__name__)

FLUSH_SECONDS = 3.0


async def flush_traffic(services: Services, every: float = FLUSH_SECONDS) -> None:
    """Forever: wait, then write what was counted (in a worker thread, as every background batch)."""
    traffic = services.traffic
    while True:
        await asyncio.sleep(every)
        try:
            await services.in_thread(traffic.flush)
        except Exception:  # the counts stay pending for the next pass
            log.exception("writing page views per source failed")


def flush_at_stop(services: Services) -> None:
    """The last counts before the store closes."""
    try:
        services.traffic.flush()
    except Exception:
        log.exception("writing page views per source at stop failed")
