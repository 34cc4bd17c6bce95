"""Pages under an overloaded store (`StoreBusy`: DynamoDB throttling past the retry budget): the
buyer reads "try again in a moment", never an error page, and nothing is held."""

from __future__ import annotations

from typing import Any

import pytest

from eventflow.domain.errors import StoreBusy
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


def busy(*_: Any, **__: Any) -> Any:
    raise StoreBusy("Lots of people are buying right now. Please try again in a moment.")


async def test_a_busy_store_while_reserving_says_try_again(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    event, (tier,) = site.event(site.organizer(), [{"name": "Floor", "price_minor": 2000, "capacity": 10}])
    user = site.user
    await user.open(f"/e/{event.slug}")
    by_testid(user, f"plus-{tier.id}").click()
    by_testid(user, "buyer-name").type("Bea Buyer")
    by_testid(user, "buyer-email").type("bea@example.com")
    monkeypatch.setattr(site.services.ticketing, "reserve", busy)
    by_testid(user, "reserve").click()
    await until(lambda: element(user, "purchase-error").visible)
    assert "try again in a moment" in element(user, "purchase-error").text
    assert element(user, "reserve").enabled
    assert site.tier(tier.id, event.id).held == 0


async def test_a_busy_store_while_building_a_page_answers_503_readably(
    site: Site, monkeypatch: pytest.MonkeyPatch,
) -> None:
    event, _ = site.event(site.organizer(), [{"name": "Floor", "price_minor": 2000, "capacity": 10}])
    monkeypatch.setattr(site.services.catalog, "public_event_by_slug", busy)
    response = await site.user.http_client.get(f"/e/{event.slug}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.headers["content-type"].startswith("text/html")
    assert "try again in a moment" in response.text
