"""Browse (`/events`) and an organizer's page (`/o/{slug}`) in headless chromium, phone and desktop:
the search form filters server-side (the URL carries the filters), cards show their markers, and the
organizer's page lists their events with the follow form working. Screens: browse-*, organizer-*."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.api.test_api import EVENT, organizer
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def api(app_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as client:
        yield client


def make_events(api: httpx.Client, tag: str) -> tuple[str, list[str]]:
    auth = organizer(api)
    titles = []
    for n, (title, venue, capacity) in enumerate((("Late Jazz Quartet", "Kulturhaus, Berlin", 100),
                                                  ("Sunday Jazz Brunch", "Café Blau, Berlin", 5),
                                                  ("Techno Warehouse", "Halle 3, Köln", 50))):
        made = api.post("/events", json={**EVENT, "title": title, "venue": venue,
                                         "starts_at": f"2026-12-{12 + n}T20:00:00+01:00",
                                         "ends_at": f"2026-12-{12 + n}T23:30:00+01:00"}, headers=auth).json()
        api.post(f"/events/{made['id']}/tiers", headers=auth, json={"name": "Entry", "price_minor": 1500,
                                                                     "capacity": capacity})
        tags = [tag, "jazz"] if "Jazz" in title else [tag, "techno"]
        assert api.put(f"/events/{made['id']}/tags", json={"tags": tags}, headers=auth).status_code == 200
        assert api.post(f"/events/{made['id']}/publish", headers=auth).status_code == 200
        titles.append(title)
    slug = f"blue-note-{secrets.token_hex(2)}"
    assert api.put("/organizer/address", json={"slug": slug}, headers=auth).status_code == 200
    return slug, titles


def field(driver, testid: str):  # type: ignore[no-untyped-def]
    """The <input> of a NiceGUI input (the test id lands on the input itself or on its wrapper)."""
    element = driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')
    return element if element.tag_name == "input" else element.find_element(By.TAG_NAME, "input")


def test_browse_and_organizer_page_on_phone_and_desktop(browser, app_url: str, api: httpx.Client) -> None:  # type: ignore[no-untyped-def]
    tag = f"series{secrets.token_hex(2)}"
    slug, titles = make_events(api, tag)
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        driver = browser(size)
        wait = WebDriverWait(driver, 10)
        driver.get(f"{app_url}/events?tag={tag}")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid^="listed-"]')) == 3)
        results = driver.find_element(By.CSS_SELECTOR, '[data-testid="results"]').text
        assert [t for t in titles if t in results] == titles  # soonest first
        assert results.index(titles[0]) < results.index(titles[1]) < results.index(titles[2])
        assert "Almost sold out" in results and "New" in results  # the 5-seat brunch: few left (availability_band)
        field(driver, "q").send_keys("jazz")
        driver.find_element(By.CSS_SELECTOR, '[data-testid="search"]').click()
        wait.until(lambda d: "q=jazz" in d.current_url and len(
            d.find_elements(By.CSS_SELECTOR, '[data-testid^="listed-"]')) == 2)
        assert "Techno" not in driver.find_element(By.CSS_SELECTOR, '[data-testid="results"]').text
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= size[0], "no sideways scrolling"
        screenshot(driver, f"browse-{name}")

        driver.get(f"{app_url}/o/{slug}")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-testid^="listed-"]')) == 3)
        assert driver.find_element(By.CSS_SELECTOR, '[data-testid="organizer-name"]').text == "Org"
        field(driver, "follow-email").send_keys(f"fan-{name}@example.com")
        driver.find_element(By.CSS_SELECTOR, '[data-testid="follow-button"]').click()
        wait.until(lambda d: "Check your inbox" in d.find_element(
            By.CSS_SELECTOR, '[data-testid="follow-message"]').text)
        assert driver.execute_script("return document.documentElement.scrollWidth") <= size[0]
        screenshot(driver, f"organizer-{name}")
