"""The event page's share menu in a real browser: on a phone (a browser with `navigator.share`) one tap
hands the event's title and address to the system share sheet and opens no menu; elsewhere the menu
opens and "Copy link" puts the address on the clipboard; the calendar menu's .ics is the event's."""

from __future__ import annotations

import httpx
import pytest
from icalendar import Calendar
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_live_event_page import make_event

pytestmark = pytest.mark.browser


def test_share_opens_the_phones_sheet_or_the_menu_and_copies_the_link(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    event = make_event(app_url, capacities=(10,))
    page = f"{app_url}/e/{event['slug']}"
    phone, desktop = browser(PHONE), browser(DESKTOP)
    for driver in (phone, desktop):
        driver.get(page)
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="share-native"]'))

    # A phone's browser has navigator.share (headless chromium on Linux has none: give it one that records).
    phone.execute_script("navigator.share = function (data) { window.sharedWith = data; return Promise.resolve(); };")
    phone.find_element(By.CSS_SELECTOR, '[data-testid="share-native"]').click()
    shared = WebDriverWait(phone, 5).until(lambda d: d.execute_script("return window.sharedWith"))
    public = f"http://localhost:{app_url.rsplit(':', 1)[1]}/e/{event['slug']}"  # EVENTFLOW_BASE_URL's default
    assert shared == {"title": "Rooftop Cinema", "url": public}
    assert phone.find_element(By.CSS_SELECTOR, '[data-testid="share-menu"]').get_attribute("open") is None

    # No share sheet: the menu opens; "Copy link" copies (the page reads the clipboard back to check).
    desktop.execute_cdp_cmd("Browser.grantPermissions", {"origin": app_url, "permissions": [
        "clipboardReadWrite", "clipboardSanitizedWrite"]})
    desktop.find_element(By.CSS_SELECTOR, '[data-testid="share-native"]').click()
    copy = desktop.find_element(By.CSS_SELECTOR, '[data-testid="share-copy"]')
    assert copy.is_displayed()
    assert desktop.find_element(By.CSS_SELECTOR, '[data-testid="share-whatsapp"]').is_displayed()
    copy.click()
    WebDriverWait(desktop, 5, poll_frequency=0.05).until(lambda d: "Link copied" in copy.text)
    clipboard = desktop.execute_async_script(
        "navigator.clipboard.readText().then(arguments[0], e => arguments[0]('ERR ' + e))")
    assert clipboard == public
    desktop.find_element(By.TAG_NAME, "h1").click()  # a click elsewhere closes the menu
    WebDriverWait(desktop, 5).until(
        lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="share-menu"]').get_attribute("open") is None)

    desktop.find_element(By.CSS_SELECTOR, '[data-testid="calendar-menu"] summary').click()
    ics = desktop.find_element(By.CSS_SELECTOR, '[data-testid="calendar-apple"]').get_attribute("href")
    [entry] = Calendar.from_ical(httpx.get(ics, timeout=10).content).walk("VEVENT")
    assert str(entry["summary"]) == "Rooftop Cinema" and str(entry.decoded("dtstart").tzinfo) == "Europe/London"
