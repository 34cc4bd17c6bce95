"""Where buyers come from, in chromium (issue 18): the organizer makes a tracking link in the dashboard (copy
and QR), a buyer opens the event through it on a phone and buys, and the open dashboard shows the sale under
that source, updated in place by the sale's live refresh (no reload)."""

from __future__ import annotations

import secrets
import time

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, until, wait_testid

pytestmark = pytest.mark.browser


def source_row(driver, source: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The cells of the sources table's row for `source` ([] while there is none)."""
    for row in driver.find_elements(By.CSS_SELECTOR, '[data-testid="sources-table"] tbody tr'):
        cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        if cells and cells[0] == source:
            return cells
    return []


def test_a_sale_through_a_tracking_link_shows_under_its_source(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    email = f"sources-{secrets.token_hex(4)}@example.com"
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as api:
        auth = {"Authorization": "Bearer " + api.post("/auth/signup", json={
            "email": email, "password": "long enough", "name": "Sam"}).json()["token"]}
        event = api.post("/events", headers=auth, json={
            "title": "Rooftop Cinema", "starts_at": "2026-12-18T20:00:00+00:00",
            "ends_at": "2026-12-18T23:00:00+00:00", "timezone": "Europe/London", "venue": "Roof 7",
            "currency": "GBP", "description": "Films under the sky.", "fee_mode": "buyer_pays"}).json()
        tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                        json={"name": "Deckchair", "price_minor": 1200, "capacity": 50}).json()
        assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200

    organizer = browser(DESKTOP)
    organizer.get(f"{app_url}/login?next=/dashboard/events/{event['id']}")
    fill(organizer, "login-email", email)
    fill(organizer, "login-password", "long enough")
    by_testid(organizer, "login-submit").click()
    wait_testid(organizer, "sources-panel", timeout=15)
    fill(organizer, "channel-name", "Instagram Story")
    by_testid(organizer, "make-link").click()
    link = until(organizer, 10, lambda d: by_testid(d, "tracking-link").text.strip())
    assert link.endswith(f"/e/{event['slug']}?ref=instagram-story")
    assert by_testid(organizer, "tracking-qr").find_elements(By.TAG_NAME, "svg")
    until(organizer, 10, lambda d: source_row(d, "instagram-story")[:2] == ["instagram-story", "0"])

    phone = browser(PHONE)
    phone.get(link)
    by_testid(phone, f"plus-{tier['id']}").click()
    fill(phone, "buyer-name", "Rita Roof")
    fill(phone, "buyer-email", "rita@example.com")
    by_testid(phone, "reserve").click()
    until(phone, 10, lambda d: "/checkout/" in d.current_url)
    by_testid(phone, "pay").click()
    wait_testid(phone, "demo-pay").click()
    wait_testid(phone, "order-confirmed")
    paid = time.monotonic()

    # views, visitors, holds, paid orders, tickets, revenue (before fees)
    row = until(organizer, 10, lambda d: (cells := source_row(d, "instagram-story")) and cells[4] == "1" and cells)
    seen = time.monotonic() - paid
    assert row[1:7] == ["1", "1", "1", "1", "1", "£12.00"], row
    print(f"sale under its source on the dashboard {seen:.2f} s after the order page")
    screenshot(organizer, "sources-panel-desktop", "sources-panel")

    # On a phone the panel fits the screen: the table scrolls inside it, the chart is as wide as the page.
    dashboard = browser(PHONE)
    dashboard.get(f"{app_url}/login")
    for cookie in organizer.get_cookies():
        dashboard.add_cookie({"name": cookie["name"], "value": cookie["value"]})
    dashboard.get(f"{app_url}/dashboard/events/{event['id']}")
    until(dashboard, 10, lambda d: source_row(d, "instagram-story")[4:5] == ["1"])
    width = dashboard.execute_script("return document.documentElement.clientWidth")
    assert dashboard.execute_script("return document.documentElement.scrollWidth") <= width
    until(dashboard, 10, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="sources-chart"] .main-svg'))
    screenshot(dashboard, "sources-panel-phone", "sources-panel")
