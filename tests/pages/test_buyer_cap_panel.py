"""The editor's Fair-sale card shows and saves the tickets-per-buyer cap (issue 13): a save from the card keeps a cap
set over the API, and changes it when the organizer types a new one."""

from __future__ import annotations

import pytest

from eventflow.domain.sale_settings import SaleSettings
from tests.pages.test_pages_user import Site, anyio_backend, by_testid, element, log_in, site, until  # noqa: F401

pytestmark = pytest.mark.anyio


def card_text(site: Site) -> str:  # noqa: F811
    return " ".join(e.text for e in element(site.user, "fair-sale-panel").descendants() if hasattr(e, "text"))


async def test_the_card_keeps_and_changes_the_cap(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Drop", "price_minor": 0, "capacity": 10}])
    rules = site.services.waiting_room.rules
    rules.save(SaleSettings(event.id, max_tickets_per_buyer=4))
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    await until(lambda: element(user, "fair-sale-panel").props.get("data-loaded"))
    assert element(user, "buyer-cap").value == 4
    by_testid(user, "fair-sale-save").click()
    await until(lambda: "Saved." in card_text(site))
    assert rules.stored(event.id).max_tickets_per_buyer == 4  # a save from the card keeps it
    element(user, "buyer-cap").set_value(6)
    by_testid(user, "fair-sale-save").click()
    await until(lambda: rules.stored(event.id).max_tickets_per_buyer == 6)
