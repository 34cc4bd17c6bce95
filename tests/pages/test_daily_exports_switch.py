"""The dashboard's daily export switch under Downloads (simulated user): off by default, turned on and saved,
then the outbox job's pass queues the day's mail with three Excel files for the organizer."""

from __future__ import annotations

import pytest

from eventflow.app.daily_export_job import daily_exports
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, element, log_in, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


async def test_the_organizer_turns_the_daily_export_on(site: Site) -> None:
    organizer = site.organizer()
    event, _tiers = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 10}])
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")
    exports = daily_exports(site.services)
    assert exports is not None
    await until(lambda: element(user, "daily-export-switch").enabled)  # its saved state shown
    assert element(user, "daily-export-switch").value is False  # off until turned on
    element(user, "daily-export-switch").set_value(True)
    await until(lambda: exports.is_on(organizer.id, event.id))
    await user.should_see("Daily export on")
    exports.queue_due()  # the outbox job's pass (whatever the hour here: queued only from 07:00 local)
    assert {b.batch for b in site.services.outbox.batches(event.id)} <= {"daily-export"}
