"""The year-154 attack through the event editor (NiceGUI's simulated user): refused next to the field.

Saving an event start `0154-06-01T20:00` in the editor once made `GET /` answer 500 for every
visitor, for good. Now the editor shows the catalogue's message under the date it is about, saves
nothing, and the home page and the event's page keep answering.
"""

from __future__ import annotations

import pytest

from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, error_message, log_in, path_now, until

# The simulated site of tests/pages/test_pages_user.py (its fixtures, used here by name).
site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio
OUT_OF_RANGE = "Must be a date between the years 2000 and 2100"


async def test_a_new_event_in_the_year_154_is_refused_next_to_its_start(site: Site) -> None:
    organizer = site.organizer()
    await log_in(site, organizer)
    user = site.user
    await user.open("/dashboard/events/new")
    by_testid(user, "event-title").type("Ancient Rave")
    by_testid(user, "event-starts").clear().type("0154-06-01T20:00")
    by_testid(user, "event-ends").clear().type("0154-06-02T04:00")
    by_testid(user, "create-event").click()
    await until(lambda: OUT_OF_RANGE in (error_message(user, "event-starts") or ""))
    assert element(user, "form-error").text == ""
    assert site.store.list_events(organizer.id) == [] and path_now(user) == "/dashboard/events/new"

    by_testid(user, "event-starts").clear().type("2026-07-01T20:00")
    by_testid(user, "event-ends").clear().type("9999-12-31T23:59")
    by_testid(user, "create-event").click()
    await until(lambda: OUT_OF_RANGE in (error_message(user, "event-ends") or ""))
    assert error_message(user, "event-starts") is None
    assert site.store.list_events(organizer.id) == []
    await user.open("/")  # answers 200 (User.open insists)


async def test_editing_an_event_to_the_year_154_changes_nothing(site: Site) -> None:
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 10}])
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    by_testid(user, "event-starts").clear().type("0154-06-01T20:00")
    by_testid(user, "save-event").click()
    await until(lambda: OUT_OF_RANGE in (error_message(user, "event-starts") or ""))
    assert site.store.get_event(event.id) == event
    await user.open("/")
    await user.open(f"/e/{event.slug}")
    await user.should_see("Lantern Market")


async def test_a_tier_sold_from_the_year_154_or_after_the_event_is_refused_next_to_the_field(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 10}])
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    by_testid(user, "tier-name-new").type("Time travellers")
    by_testid(user, "tier-sales-start-new").type("0154-06-20T17:49")
    by_testid(user, "add-tier").click()
    await until(lambda: OUT_OF_RANGE in (error_message(user, "tier-sales-start-new") or ""))
    assert [t.id for t in site.store.get_tiers(event.id)] == [tier.id]

    by_testid(user, "tier-sales-start-new").clear()
    by_testid(user, "tier-sales-end-new").type("2099-01-01T00:00")  # long after the event
    by_testid(user, "add-tier").click()
    await until(lambda: "after the event ends" in (error_message(user, "tier-sales-end-new") or ""))
    assert [t.id for t in site.store.get_tiers(event.id)] == [tier.id]

    by_testid(user, f"tier-sales-start-{tier.id}").clear().type("0154-06-20T17:49")
    by_testid(user, f"save-tier-{tier.id}").click()
    await until(lambda: OUT_OF_RANGE in (error_message(user, f"tier-sales-start-{tier.id}") or ""))
    assert site.tier(tier.id, event.id) == tier
    await user.open(f"/e/{event.slug}")
    await user.should_see("Entry")
