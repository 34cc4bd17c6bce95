"""Deleting from the event editor and the API (in-process): a tier nobody holds or bought goes after
a confirmation, one with a hold cannot (button disabled; API 409 `tier_has_sales`); a draft goes with
its tiers and the organizer lands on their dashboard; a published event is refused (409)."""

from __future__ import annotations

import pytest

from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, path_now, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


async def test_a_tier_without_sales_and_then_the_draft_are_deleted(site: Site) -> None:
    organizer = site.organizer()
    event, (held, unused, spare) = site.event(organizer, [
        {"name": "Held", "price_minor": 0, "capacity": 5}, {"name": "Unused", "price_minor": 0, "capacity": 5},
        {"name": "Spare", "price_minor": 0, "capacity": 5}])
    hold = site.services.ticketing.reserve(event.id, [LineRequest(held.id, 1)], Buyer("b@example.com", "Bea"))
    api, auth = site.user.http_client, {"Authorization": f"Bearer {site.services.tokens.organizer_token(organizer)}"}
    refused = await api.delete(f"/api/v1/events/{event.id}/tiers/{held.id}", headers=auth)
    assert refused.status_code == 409 and refused.json()["error"] == "tier_has_sales"
    assert (await api.delete(f"/api/v1/events/{event.id}/tiers/{spare.id}", headers=auth)).status_code == 204
    published = await api.delete(f"/api/v1/events/{event.id}", headers=auth)
    assert published.status_code == 409 and published.json()["error"] == "event_not_deletable"

    await test_pages_user.log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    assert not element(user, f"delete-tier-{held.id}").enabled
    testids = {e.props.get("data-testid") for e in user.current_layout.descendants()}
    assert "delete-event" not in testids and f"delete-tier-{unused.id}" in testids  # on sale: unpublish first
    by_testid(user, f"delete-tier-{unused.id}").click()
    await user.should_see("Delete the tier “Unused”?")
    by_testid(user, f"confirm-delete-tier-{unused.id}").click()
    await user.should_see("Unused deleted")
    assert [t.name for t in site.store.get_tiers(event.id)] == ["Held"]

    site.services.ticketing.cancel(hold.id)
    site.services.catalog.unpublish(organizer.id, event.id)
    await user.open(f"/dashboard/events/{event.id}/edit")
    by_testid(user, "delete-event").click()
    await user.should_see("The draft and its tiers are removed for good.")
    by_testid(user, "confirm-delete-event").click()
    await until(lambda: path_now(user) == "/dashboard")
    assert site.store.get_event(event.id) is None and site.store.get_tiers(event.id) == []
