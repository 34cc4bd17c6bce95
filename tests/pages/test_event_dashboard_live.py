"""The live event dashboard reads aggregates and one page of attendees, never every order (simulated user).

At 20,000 orders each availability change once reloaded every order and resent every attendee row
(541 ms of CPU on the loop per change). Now a change reads the store's sales and door summaries and,
when sales moved, the attendee page on screen; the attendee table pages and searches in the store.
"""

from __future__ import annotations

from typing import Any

import pytest

from eventflow.domain.models import Buyer, CheckIn, Event, Tier
from eventflow.domain.reservations import LineRequest
from eventflow.domain.sales_stats import ATTENDEES_PAGE
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, log_in, until
from tests.store.test_contract_sales_stats import refund

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


def sell(site: Site, event: Event, tier: Tier, name: str, quantity: int = 1) -> str:
    ticketing = site.services.ticketing
    email = f"{name.lower().replace(' ', '.')}@example.com"
    held = ticketing.reserve(event.id, [LineRequest(tier.id, quantity)], Buyer(email, name))
    order = ticketing.confirm(held.id, payment_ref="demo")
    site.clock.advance(seconds=30)
    return order.tickets[0].id


def names(user: Any) -> list[str]:
    return [row["name"] for row in element(user, "attendees").rows]


async def test_a_change_updates_figures_without_reading_every_order(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    organizer = site.organizer()
    event, (paid, free) = site.event(organizer, [{"name": "Deck", "price_minor": 2000, "capacity": 100},
                                                 {"name": "Lawn", "price_minor": 0, "capacity": 100}])
    first_ticket = sell(site, event, paid, "Ada", 2)
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")
    assert element(user, "total-sold").text == "2" and element(user, "gross").text == "€40.00"

    def no_scan(*_: Any) -> None:
        raise AssertionError("the dashboard read every order or check-in")

    for method in ("list_orders", "list_checkins"):
        monkeypatch.setattr(site.store, method, no_scan)
    sell(site, event, free, "Bob", 3)  # the hub tells the open dashboard
    await until(lambda: element(user, "total-sold").text == "5")
    assert element(user, "gross").text == "€40.00" and names(user) == ["Bob", "Ada"]

    site.store.admit(CheckIn(first_ticket, event.id, "door-1", site.clock.now(), "n1"))
    site.services.ticketing.notify_changed(event.id)
    await until(lambda: sorted(e.text for e in by_testid(user, "door-tier").elements) == [
        "Deck: 1 / 2 in", "Lawn: 0 / 3 in"])
    await user.should_see("Ada")  # the recent scans name the holder


async def test_attendees_page_by_keyset_stay_put_on_a_sale_and_search_in_the_store(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Free entry", "price_minor": 0, "capacity": 100}])
    for n in range(ATTENDEES_PAGE * 2 + 5):
        sell(site, event, tier, f"Guest {n:02}")
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")
    assert names(user)[:2] == ["Guest 54", "Guest 53"] and len(names(user)) == ATTENDEES_PAGE
    assert not element(user, "attendees-newer").enabled

    by_testid(user, "attendees-older").click()
    await until(lambda: names(user)[0] == "Guest 29")
    second_page = names(user)
    sell(site, event, tier, "Late Lou")  # a sale while the organizer reads page 2
    await until(lambda: element(user, "total-sold").text == str(ATTENDEES_PAGE * 2 + 6))
    assert names(user) == second_page and element(user, "attendees-page").text == "page 2"

    by_testid(user, "attendees-older").click()
    await until(lambda: names(user) == [f"Guest {n:02}" for n in reversed(range(5))])
    assert not element(user, "attendees-older").enabled
    by_testid(user, "attendees-newer").click()
    by_testid(user, "attendees-newer").click()
    await until(lambda: names(user)[:2] == ["Late Lou", "Guest 54"])

    by_testid(user, "attendee-search").type("guest 07")
    await until(lambda: names(user) == ["Guest 07"])


async def test_the_chart_reads_only_its_latest_hour_yet_follows_a_refund_of_an_older_one(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Deck", "price_minor": 0, "capacity": 100}])
    sell(site, event, tier, "Early Eve", 2)
    site.clock.advance(hours=3)
    sell(site, event, tier, "Later Lin")
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")

    def curve() -> list[int]:
        (trace,) = element(user, "sales-chart").figure["data"]
        return list(trace["y"])

    assert curve()[-1] == 3
    asked: list[Any] = []
    summary = site.store.sales_summary
    site.store.sales_summary = lambda event_id, since=None: asked.append(since) or summary(event_id, since)
    site.clock.advance(hours=1)
    sell(site, event, tier, "Next Ned")  # a new hour: the chart grows by one point
    await until(lambda: curve()[-1] == 4)
    assert asked and asked[0] is not None  # only the latest hour was read

    eve = next(o for o in site.store.list_orders(event.id) if o.buyer.name == "Early Eve")
    refund(site.store, site.clock, eve, 1, restock=False)  # an hour the chart did not re-read
    site.services.ticketing.notify_changed(event.id)
    await until(lambda: curve()[-1] == 3)
    assert None in asked  # the totals disagreed: every hour was read again
