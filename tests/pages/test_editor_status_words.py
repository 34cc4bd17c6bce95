"""The event editor names the event's status in the organizer's words (NiceGUI's simulated user):
"Draft" with what that means, "On sale" once published; never the raw API value alone."""

from __future__ import annotations

import pytest

from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, log_in, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


def status_text(site: Site) -> str:
    return " ".join(e.text for e in element(site.user, "status").descendants() if hasattr(e, "text") and e.text)


async def test_the_status_reads_as_words_and_follows_publishing(site: Site) -> None:
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 10}], publish=False)
    await log_in(site, organizer)
    await site.user.open(f"/dashboard/events/{event.id}/edit")
    assert status_text(site) == "Draft only you can see it; publish it to sell tickets"
    by_testid(site.user, "publish").click()
    await until(lambda: status_text(site).startswith("On sale"))
    assert status_text(site) == "On sale published on its public page"
