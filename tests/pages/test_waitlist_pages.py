"""The waitlist's pages with NiceGUI's simulated user (issue 13): "Join the waitlist" on a sold-out tier opens
the buyer's place; the organizer's panel lists the queue, says how many offers became sales, and its pause
puts the owed tickets back on sale."""

from __future__ import annotations

import pytest

from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest
from tests.pages.test_pages_user import Site, by_testid, element, log_in, path_now, site, until  # noqa: F401

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_join_on_the_page_and_the_organizers_panel(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    event, [tier] = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 1}])
    hold = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 1)], Buyer("h@example.com", "Hal"))
    user = site.user
    await user.open(f"/e/{event.slug}")
    by_testid(user, f"waitlist-open-{tier.id}").click()
    by_testid(user, f"waitlist-email-{tier.id}").type("wanda@example.com")
    by_testid(user, f"waitlist-name-{tier.id}").type("Wanda")
    by_testid(user, f"waitlist-join-{tier.id}").click()
    await until(lambda: path_now(user).startswith("/waitlist/"))
    await user.should_see("You are number 1 on the waitlist for 1 ticket(s).")

    site.services.waitlist.join(event.id, tier.id, "bob@example.com", "Bob", 1)
    site.services.ticketing.cancel(hold.id)  # the ticket is owed to the queue: Wanda gets the offer
    site.services.waitlist.process()
    await log_in(site, organizer)
    await user.open(f"/dashboard/events/{event.id}")
    await until(lambda: "1 waiting · 1 offers open · 0 of 1 offers became sales"
                in element(user, "waitlist-figures").text)
    assert [row["name"] for row in element(user, "waitlist-panel").default_slot.children[-1]
            .default_slot.children[-1].rows] == ["Wanda", "Bob"]
