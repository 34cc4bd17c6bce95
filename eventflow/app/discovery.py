"""Browse, organizer pages and follows, built from configuration (domain/browse.py, domain/follows.py)."""

from __future__ import annotations

import logging

from eventflow.config import Settings
from eventflow.domain.browse import Browse
from eventflow.domain.catalog import Catalog
from eventflow.domain.clock import Clock
from eventflow.domain.follows import Follows
from eventflow.domain.outbox import Outbox
from eventflow.domain.ports import StoreWithPayments
from eventflow.services import Services

log = logging.getLogger("eventflow")


def build_browse(settings: Settings, store: StoreWithPayments, catalog: Catalog, outbox: Outbox,
                 clock: Clock) -> Browse:
    """The browse service, hooked into the catalogue so every saved event refreshes its listing."""
    follows = Follows(store, outbox, clock, settings.public_url)
    browse = Browse(store, clock, follows, settings.public_url)
    catalog.after_save = browse.event_saved
    return browse


async def backfill_listings(services: Services) -> None:
    """At start-up, in a worker thread: list the published events from before browse existed (once per
    data store: later starts read nothing, domain/browse.py `backfill_once`)."""
    if services.browse is None:
        return
    try:
        listed = await services.in_thread(services.browse.backfill_once)
    except Exception:  # a failed backfill must not stop the server; a later start tries again
        log.exception("listing existing events for browse failed")
        return
    if listed:
        log.info("browse: listed %d published events that had no listing yet", listed)
