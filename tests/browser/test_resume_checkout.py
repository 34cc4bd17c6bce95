"""The buyer who goes back from checkout, on a phone: the event page offers "Resume your checkout
(mm:ss left)" for the hold this browser made, or releases it (stock back at once). Also the buying
form's words: "Choose at least one ticket." goes once tickets are chosen, a chosen tier that sells
out meanwhile says so, and a tier's sale start is in the event's timezone, with the year when it is
not this year."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
import pytest

from tests.browser.axe_check import axe_run, blocking
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, until, wait_testid
from tests.browser.test_live_event_page import make_event, reserve

pytestmark = pytest.mark.browser


def available(url: str, event_id: str, tier: int) -> int:
    return int(httpx.get(f"{url}/api/v1/events/{event_id}", timeout=10).json()["tiers"][tier]["available"])


def visible(driver, testid: str) -> bool:  # type: ignore[no-untyped-def]
    return any(e.is_displayed() for e in driver.find_elements("css selector", f'[data-testid="{testid}"]'))


def test_back_from_checkout_resume_or_release(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    event = make_event(app_url, capacities=(40, 200, 8))
    deckchair, blanket = event["tiers"][0], event["tiers"][2]
    starts = datetime(2026, 12, 10, 9, tzinfo=UTC)  # before the event (20 Dec 2026); this year or past it
    answer = httpx.post(f"{app_url}/api/v1/events/{event['id']}/tiers", timeout=10,
                        headers={"Authorization": f"Bearer {event['organizer_token']}"},
                        json={"name": "Late bird", "price_minor": 1000, "capacity": 10,
                              "sales_start": starts.isoformat()})
    assert answer.status_code == 201, answer.text
    page = f"{app_url}/e/{event['slug']}"
    phone = browser(PHONE)
    phone.get(page)

    # A sale that has not started: in the event's timezone (London is on GMT in December); the year only
    # when it is not this year (components/formatting.local_moment, unit-tested for that).
    year = "" if datetime.now(UTC).year == 2026 else " 2026"
    until(phone, 10, lambda d: f"On sale from Thu 10 Dec{year}, 09:00 (Europe/London)" in d.page_source)
    assert "UTC" not in phone.find_element("tag name", "main").text

    # "Choose at least one ticket." goes away once a ticket is chosen.
    wait_testid(phone, "reserve").click()
    until(phone, 5, lambda d: by_testid(d, "purchase-error").text == "Choose at least one ticket.")
    by_testid(phone, f"plus-{deckchair['id']}").click()
    until(phone, 5, lambda d: not visible(d, "purchase-error"))

    # A chosen tier selling out meanwhile is said, not silently set to 0.
    by_testid(phone, f"plus-{blanket['id']}").click()
    by_testid(phone, f"plus-{blanket['id']}").click()
    until(phone, 5, lambda d: by_testid(d, f"qty-{blanket['id']}").text == "2")
    assert reserve(app_url, event["id"], blanket["id"], 7).status_code == 201
    until(phone, 10, lambda d: by_testid(d, "purchase-error").text == "Only 1 Blanket left: your choice is now 1.")
    assert reserve(app_url, event["id"], blanket["id"], 1).status_code == 201
    sold_out = "Blanket just sold out: removed from your choice."
    until(phone, 10, lambda d: by_testid(d, "purchase-error").text == sold_out)
    assert by_testid(phone, f"qty-{blanket['id']}").text == "0"
    # Screen readers are told too (one polite live region; on colour-band changes, not every sale).
    until(phone, 5, lambda d: d.find_element("css selector", '[data-testid="live-announcer"]')
          .get_attribute("textContent") == "Blanket: Sold out")
    plus = by_testid(phone, f"plus-{deckchair['id']}")
    assert plus.size["width"] >= 44 and plus.size["height"] >= 44, plus.size  # a thumb-sized target

    # Reserve one deckchair, then go back from checkout.
    fill(phone, "buyer-name", "Grace Hopper")
    fill(phone, "buyer-email", "grace@example.com")
    by_testid(phone, "reserve").click()
    until(phone, 10, lambda d: "/checkout/" in d.current_url)
    checkout = phone.current_url
    wait_testid(phone, "countdown")
    assert available(app_url, event["id"], 0) == 39
    phone.back()
    link = until(phone, 10, lambda d: by_testid(d, "resume-link"))
    assert re.fullmatch(r"Resume your checkout \(1[45]:\d\d left\)", link.text), link.text
    assert "1 ticket on hold" in by_testid(phone, "resume-checkout").text
    screenshot(phone, "resume-checkout-phone", "resume-checkout")
    assert not blocking(axe_run(phone)), blocking(axe_run(phone))
    link.click()
    until(phone, 10, lambda d: d.current_url == checkout)  # the same hold, not a new one
    wait_testid(phone, "countdown")

    # Back again, and release it: the stock is back at once and the offer is gone for good.
    phone.back()
    until(phone, 10, lambda d: by_testid(d, "release-hold")).click()
    until(phone, 10, lambda d: visible(d, "hold-released"))
    assert available(app_url, event["id"], 0) == 40
    phone.refresh()
    wait_testid(phone, "reserve")
    assert not phone.find_elements("css selector", '[data-testid="resume-checkout"]')

    # On a desktop (another browser): nothing to resume there.
    desktop = browser(DESKTOP)
    desktop.get(page)
    wait_testid(desktop, "reserve")
    assert not desktop.find_elements("css selector", '[data-testid="resume-checkout"]')
