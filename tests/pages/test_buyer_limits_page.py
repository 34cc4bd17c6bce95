"""The buy form under the limits against bots (issue 13): the browser's token makes a second hold
from the same browser replace the first (even under another email), and past the rate limit the
form says so in words."""

from __future__ import annotations

import pytest

from eventflow.adapters.rate_limit import RateLimiter
from eventflow.domain.models import ReservationStatus
from tests.pages.test_pages_user import Site, anyio_backend, by_testid, element, path_now, site, until  # noqa: F401

pytestmark = pytest.mark.anyio


async def buy_one(site: Site, slug: str, tier_id: str, email: str) -> None:  # noqa: F811
    user = site.user
    await user.open(f"/e/{slug}")
    by_testid(user, f"plus-{tier_id}").click()
    by_testid(user, "buyer-name").type("Bo Bot")
    by_testid(user, "buyer-email").type(email)
    by_testid(user, "reserve").click()


async def test_one_browser_holds_once_and_is_told_to_slow_down(site: Site) -> None:  # noqa: F811
    site.services.ticketing.one_hold_per_buyer = True
    site.services.reserve_limiter = RateLimiter("reserve", "2/minute")  # type: ignore[misc]
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Drop", "price_minor": 2000, "capacity": 10}])
    await buy_one(site, event.slug, tier.id, "one@example.com")
    await until(lambda: path_now(site.user).startswith("/checkout/"))
    first = path_now(site.user).split("/checkout/")[1].split("?")[0]
    await buy_one(site, event.slug, tier.id, "two@example.com")  # same browser, another email
    await until(lambda: path_now(site.user).startswith("/checkout/"))
    assert site.services.ticketing.store.get_reservation(first).status is ReservationStatus.CANCELLED  # type: ignore[union-attr]
    assert site.tier(tier.id, event.id).held == 1
    await buy_one(site, event.slug, tier.id, "three@example.com")
    await until(lambda: element(site.user, "purchase-error").visible)
    assert element(site.user, "purchase-error").text.startswith("Too many requests. Please try again in")
    assert site.tier(tier.id, event.id).held == 1
