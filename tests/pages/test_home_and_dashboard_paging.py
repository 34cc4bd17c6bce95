"""The home page pages its events, and the dashboard's figures come from tier counters (simulated user).

`/` once listed every published event (10,000 events: 6 s and 5.6 MB of HTML) and `/dashboard` loaded
every order of every event. Now `/` shows PAGE_SIZE events, soonest first, with a "Later events"
link carrying a keyset cursor; a cursor it cannot read, or one past the last event, still answers a
readable page. The dashboard never reads an order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest
from eventflow.pages.home import PAGE_SIZE
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, element, log_in

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


def shows(site: Site) -> list[str]:
    """The event titles the page shows, in page order."""
    return [e.text for e in site.user.current_layout.descendants()
            if getattr(e, "text", "").startswith("Show ") and "text-lg" in e.classes]


def publish_shows(site: Site, count: int) -> None:
    organizer = site.organizer()
    catalog = site.services.ticketing.catalog
    starts = site.clock.now() + timedelta(days=2)
    for n in reversed(range(count)):  # created latest first: the page sorts, not the insertion order
        event = catalog.create_event(organizer.id, title=f"Show {n:02}", starts_at=starts + timedelta(hours=n // 2),
                                     ends_at=starts + timedelta(hours=n // 2 + 3), timezone="Europe/Berlin",
                                     venue="Old Harbour", currency="EUR")
        catalog.add_tier(organizer.id, event.id, name="Entry", price_minor=0, capacity=10)
        catalog.publish(organizer.id, event.id)
    draft = catalog.create_event(organizer.id, title="Show draft", starts_at=starts,
                                 ends_at=starts + timedelta(hours=1), timezone="Europe/Berlin", venue="",
                                 currency="EUR")
    assert draft.status.value == "draft"


async def test_the_home_page_shows_one_page_of_events_soonest_first_and_links_the_next(site: Site) -> None:
    publish_shows(site, PAGE_SIZE + 6)
    user = site.user
    await user.open("/")
    # two shows start at each hour: ties are listed by id, as the store orders them
    expected = [e.title for e in site.store.list_published_events()]
    assert len(expected) == PAGE_SIZE + 6
    assert shows(site) == expected[:PAGE_SIZE]
    next_link = element(user, "next-page").props["href"]
    assert next_link.startswith("/?after=")

    await user.open(next_link)
    assert shows(site) == expected[PAGE_SIZE:]
    assert element(user, "first-page").props["href"] == "/"
    assert not [e for e in user.current_layout.descendants() if e.props.get("data-testid") == "next-page"]


# The last one reads: a cursor before every event.
@pytest.mark.parametrize("cursor", ["garbage", "12_", "_evt", "9" * 40 + "_evt", "x" * 5000, "-1_evt%00"])
async def test_a_page_link_that_cannot_be_read_shows_the_first_page(site: Site, cursor: str) -> None:
    publish_shows(site, 3)
    await site.user.open(f"/?after={cursor}")  # answers 200 (User.open insists)
    assert shows(site) == [e.title for e in site.store.list_published_events()]
    assert len(shows(site)) == 3


async def test_a_page_past_the_last_event_says_so_and_links_back(site: Site) -> None:
    publish_shows(site, 2)
    await site.user.open("/?after=99999999999999999_evt")
    await site.user.should_see("No more events on sale after these.")
    assert shows(site) == [] and element(site.user, "first-page").props["href"] == "/"
    for other in ("/?page=2", "/?page=zzz", "/?after="):  # a page number is not our link: the first page
        await site.user.open(other)
        assert len(shows(site)) == 2


async def test_the_dashboard_counts_sold_tickets_from_the_tiers_without_reading_orders(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Free entry", "price_minor": 0, "capacity": 100}])
    ticketing = site.services.ticketing
    for n in range(3):
        held = ticketing.reserve(event.id, [LineRequest(tier.id, 2)], Buyer(f"g{n}@example.com", f"Guest {n}"))
        ticketing.confirm(held.id, payment_ref="free")

    def no_orders(*args: Any) -> None:
        raise AssertionError("the dashboard read the orders")

    monkeypatch.setattr(site.store, "list_orders", no_orders)
    await log_in(site, organizer)
    assert element(site.user, f"sold-{event.id}").text == "6 / 100 sold"
    assert element(site.user, f"revenue-{event.id}").text == "Revenue €0.00"
    assert "current price" in element(site.user, "figures-note").text
