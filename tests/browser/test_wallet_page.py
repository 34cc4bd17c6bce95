"""The ticket wallet in chromium on a phone and a desktop: the QR's dark modules sit in the middle
of the card, and a ticket that gets nobody in (refunded / void, or its event cancelled) says why
and shows no code at all."""

from __future__ import annotations

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_live_event_page import make_event

pytestmark = pytest.mark.browser

# Where the dark modules of the shown QR are, against the wallet card (in CSS pixels).
MEASURE = """
const card = document.querySelector('.ef-wallet').getBoundingClientRect();
const svg = document.querySelector('[data-testid=qr] svg');
const light = ['#ffffff', '#fff', 'white'];
const dark = [...svg.querySelectorAll('rect, path')]
  .filter(e => !light.includes((e.getAttribute('fill') || '#000000').toLowerCase()))
  .map(e => e.getBoundingClientRect()).filter(b => b.width > 0 && b.width < card.width / 2);
const left = Math.min(...dark.map(b => b.left)), right = Math.max(...dark.map(b => b.right));
const box = svg.getBoundingClientRect();
return {card: [card.left, card.right], dark: [left, right], svg: [box.left, box.right, box.top, box.bottom],
        top: Math.min(...dark.map(b => b.top)), bottom: Math.max(...dark.map(b => b.bottom))};
"""


def bought(app_url: str) -> tuple[dict, dict, dict]:
    """An event with a free tier, one order on it: (event, order, its ticket link)."""
    event = make_event(app_url, capacities=(10, 10))
    free = event["tiers"][1]["id"]
    held = httpx.post(f"{app_url}/api/v1/events/{event['id']}/reservations", timeout=10, json={
        "lines": [{"tier_id": free, "quantity": 1}], "buyer": {"email": "w@example.com", "name": "Wanda Wallet"}})
    order = httpx.post(f"{app_url}/api/v1/reservations/{held.json()['id']}/checkout", timeout=10).json()
    return event, order, order["tickets"][0]


def wallet_path(ticket: dict) -> str:
    return "/" + ticket["url"].split("/", 3)[3]


def test_the_qr_is_drawn_in_the_middle_of_the_card(app_url: str, browser) -> None:
    _, _, ticket = bought(app_url)
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        driver = browser(size)
        driver.get(app_url + wallet_path(ticket))
        WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="qr"] svg'))
        box = driver.execute_script(MEASURE)
        card_middle = sum(box["card"]) / 2
        dark_middle = sum(box["dark"]) / 2
        assert abs(dark_middle - card_middle) <= 2, (name, box)
        assert box["dark"][0] >= box["card"][0] and box["dark"][1] <= box["card"][1], (name, box)
        # The quiet zone is the same on every side (no code in the top-left of a blank box).
        left, right = box["dark"][0] - box["svg"][0], box["svg"][1] - box["dark"][1]
        top, bottom = box["top"] - box["svg"][2], box["svg"][3] - box["bottom"]
        assert max(left, right, top, bottom) - min(left, right, top, bottom) <= 2, (name, box)
        screenshot(driver, f"wallet-centred-{name}")


def not_valid_text(driver) -> str:
    WebDriverWait(driver, 15).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="ticket-status"]:not([hidden])'))
    assert driver.find_elements(By.CSS_SELECTOR, '[data-testid="qr"]') == []  # no code to show at the door
    return str(driver.find_element(By.CSS_SELECTOR, '[data-testid="ticket-status"]').text)


def test_a_void_or_cancelled_ticket_says_so_instead_of_showing_a_code(app_url: str, browser) -> None:
    event, order, ticket = bought(app_url)
    auth = {"Authorization": f"Bearer {event['organizer_token']}"}
    voided = httpx.post(f"{app_url}/api/v1/orders/{order['order_id']}/void", headers=auth, timeout=10,
                        json={"reason": "Bought twice"})
    assert voided.status_code == 200, voided.text
    phone = browser(PHONE)
    phone.get(app_url + wallet_path(ticket))
    assert "Ticket no longer valid" in not_valid_text(phone)

    event, _, ticket = bought(app_url)
    auth = {"Authorization": f"Bearer {event['organizer_token']}"}
    cancelled = httpx.post(f"{app_url}/api/v1/events/{event['id']}/cancel", headers=auth, timeout=10,
                           json={"message": "Storm warning"})
    assert cancelled.status_code == 202, cancelled.text
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        driver = browser(size)
        driver.get(app_url + wallet_path(ticket))
        text = not_valid_text(driver)
        assert "Event cancelled" in text and "no longer gets anyone in" in text
        screenshot(driver, f"wallet-cancelled-{name}")
