"""A tier that sells out while its event page is open gets "Join the waitlist" without a reload (issue 13): the
live counts add the button, and joining through it works as on a page loaded sold out."""

from __future__ import annotations

import pytest

from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest
from tests.pages.test_pages_user import Site, by_testid, element, path_now, site, until  # noqa: F401

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def has_testid(site: Site, value: str) -> bool:  # noqa: F811
    return any(e.props.get("data-testid") == value for e in site.user.current_layout.descendants())


async def test_the_join_appears_when_the_tier_sells_out_on_an_open_page(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    event, [scarce, plenty] = site.event(organizer, [{"name": "Front", "price_minor": 0, "capacity": 2},
                                                     {"name": "Back", "price_minor": 0, "capacity": 50}])
    user = site.user
    await user.open(f"/e/{event.slug}")
    assert not has_testid(site, f"waitlist-open-{scarce.id}")  # on sale: no waitlist yet

    site.services.ticketing.reserve(event.id, [LineRequest(scarce.id, 2)], Buyer("q@example.com", "Quick"))
    await until(lambda: has_testid(site, f"waitlist-open-{scarce.id}"))
    assert not has_testid(site, f"waitlist-open-{plenty.id}")
    before = element(user, f"available-{plenty.id}").text
    site.services.ticketing.reserve(event.id, [LineRequest(plenty.id, 9)], Buyer("r@example.com", "Rae"))
    await until(lambda: element(user, f"available-{plenty.id}").text != before)  # another change: still one join
    assert len([e for e in user.current_layout.descendants()
                if e.props.get("data-testid") == f"waitlist-open-{scarce.id}"]) == 1

    by_testid(user, f"waitlist-open-{scarce.id}").click()
    by_testid(user, f"waitlist-email-{scarce.id}").type("wanda@example.com")
    by_testid(user, f"waitlist-name-{scarce.id}").type("Wanda")
    by_testid(user, f"waitlist-join-{scarce.id}").click()
    await until(lambda: path_now(user).startswith("/waitlist/"))
    await user.should_see("You are number 1 on the waitlist for 1 ticket(s).")
