"""WCAG 2.2 AA on every public page and the door scanner, checked with axe-core in chromium.

One walk through the site on a phone (the buyer's and the door's device) and the event page on a
desktop: the home page, an event page, a hold's checkout, the demo payment page, the order page, the
ticket wallet, the login, sign-up and password pages, the 404 page and the scanner. Each page has a
`lang`, exactly one h1 and no serious or critical axe violation; the footer's text meets 4.5:1."""

from __future__ import annotations

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.axe_check import axe_run, blocking
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_checkout_flow import until
from tests.browser.test_live_event_page import make_event

pytestmark = pytest.mark.browser


def checked(driver, url: str, ready: str = "footer") -> list[str]:  # type: ignore[no-untyped-def]
    """Open `url`, wait for `ready`, and return what is wrong with the page (empty: nothing)."""
    driver.get(url)
    until(driver, 15, lambda d: d.find_elements(By.CSS_SELECTOR, ready))
    until(driver, 15, lambda d: d.execute_script("return document.readyState") == "complete")
    problems = [f"{url}: {line}" for line in blocking(axe_run(driver))]
    lang = driver.execute_script("return document.documentElement.lang")
    if not lang:
        problems.append(f"{url}: <html> has no lang")
    titles = [h.text for h in driver.find_elements(By.TAG_NAME, "h1")]
    if len(titles) != 1:
        problems.append(f"{url}: {len(titles)} h1 elements {titles}")
    return problems


def test_public_pages_and_the_scanner_pass_axe(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    event = make_event(app_url, capacities=(40, 200, 8))
    api = httpx.Client(base_url=f"{app_url}/api/v1", timeout=10)
    tier = event["tiers"][0]["id"]
    hold = api.post(f"/events/{event['id']}/reservations", json={
        "lines": [{"tier_id": tier, "quantity": 2}], "buyer": {"email": "ada@example.com", "name": "Ada"}}).json()
    bought = api.post(f"/events/{event['id']}/reservations", json={
        "lines": [{"tier_id": tier, "quantity": 1}], "buyer": {"email": "bo@example.com", "name": "Bo"}}).json()
    api.post(f"/reservations/{bought['id']}/checkout")
    ticket = api.post(f"/demo-payments/{bought['id']}/pay").json()["tickets"][0]
    staff = api.post(f"/events/{event['id']}/staff", json={"label": "Main door"},
                     headers={"Authorization": f"Bearer {event['organizer_token']}"}).json()

    phone = browser(PHONE)
    problems: list[str] = []
    for path in ("/", f"/e/{event['slug']}", f"/checkout/{hold['id']}", f"/pay/demo/{hold['id']}",
                 f"/r/{bought['id']}", "/login", "/signup", "/forgot-password", "/reset-password?token=nope",
                 "/e/no-such-event"):
        problems += checked(phone, app_url + path)
    problems += checked(phone, ticket["url"], ready="[data-testid=qr] svg")
    problems += checked(phone, staff["link"], ready="[data-testid=counts]:not(:empty)")
    desktop = browser(DESKTOP)
    problems += checked(desktop, f"{app_url}/e/{event['slug']}")
    assert not problems, "\n".join(problems)

    # The footer's small print is readable: at least 4.5:1 on the page (it was 2.5:1).
    phone.get(f"{app_url}/e/{event['slug']}")
    footer = until(phone, 10, lambda d: d.find_element(By.TAG_NAME, "footer"))
    # Keyboard focus is visible: the first Tab lands on the brand link, which gets a 3 px ring.
    phone.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    ring = until(phone, 5, lambda d: d.execute_script(
        "const s = getComputedStyle(document.activeElement);"
        "return document.activeElement.tagName === 'A' && s.outlineStyle !== 'none' && s.outlineWidth"))
    assert ring == "3px", ring
    # Tailwind 4 gives oklch() colours: a 1-pixel canvas turns them into sRGB.
    colours = phone.execute_script(
        "const rgb = (colour) => { const c = document.createElement('canvas').getContext('2d');"
        " c.fillStyle = colour; c.fillRect(0, 0, 1, 1);"
        " return Array.from(c.getImageData(0, 0, 1, 1).data).slice(0, 3); };"
        "return [rgb(getComputedStyle(arguments[0]).color), rgb(getComputedStyle(document.body).backgroundColor)];",
        footer)
    assert contrast(*colours) >= 4.5, colours


def contrast(foreground: list[int], background: list[int]) -> float:
    """WCAG contrast ratio of two sRGB colours (0-255 channels)."""
    def luminance(colour: list[int]) -> float:
        linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
