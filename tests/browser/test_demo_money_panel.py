"""An organizer without Stripe tries a refund from the money panel (TEST MODE) in a real browser: one
ticket of an order, the ledger and the would-be payout follow; the dashboard on a phone keeps its
tables inside the screen (they scroll sideways) and the door's arrivals read as 5-minute local times."""

from __future__ import annotations

import re

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, settled_dialog, until, wait_testid
from tests.browser.test_door import make_event

pytestmark = pytest.mark.browser


def sell_and_admit(app_url: str, event: dict, buyers: dict[str, int], admitted: int) -> dict[str, str]:
    """Demo-paid orders per buyer name (their order ids), and the first `admitted` tickets let in."""
    orders, tickets = {}, []
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as api:
        for name, quantity in buyers.items():
            held = api.post(f"/events/{event['id']}/reservations", json={
                "lines": [{"tier_id": event["tiers"][0]["id"], "quantity": quantity}],
                "buyer": {"email": f"{name.split()[0].lower()}@example.com", "name": name}}).json()
            paid = api.post(f"/demo-payments/{held['id']}/pay").json()
            orders[name], tickets = paid["order_id"], tickets + paid["tickets"]
        staff = api.post(f"/events/{event['id']}/staff", json={"label": "Main door"},
                         headers={"Authorization": f"Bearer {event['organizer_token']}"}).json()
        for ticket in tickets[:admitted]:
            answer = api.post(f"/events/{event['id']}/checkin/admit", headers={
                "Authorization": f"Bearer {staff['token']}"}, json={"ticket_id": ticket["ticket_id"],
                                                                    "device_id": "phone-1"})
            assert answer.status_code == 200, answer.text
    return orders


def test_a_test_mode_refund_from_the_money_panel(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    event = make_event(app_url, capacities=(40,))  # GBP 15.00 deckchairs, buyers pay the fee on top
    orders = sell_and_admit(app_url, event, {"Nina Simone": 2, "Otis Redding": 3}, admitted=3)
    organizer = browser(DESKTOP)
    organizer.get(f"{app_url}/login")
    fill(organizer, "login-email", event["organizer_email"])
    fill(organizer, "login-password", "long enough")
    by_testid(organizer, "login-submit").click()
    until(organizer, 10, lambda d: d.current_url.endswith("/dashboard"))
    organizer.get(f"{app_url}/dashboard/events/{event['id']}")
    assert wait_testid(organizer, "money-test-mode").text == "TEST MODE"
    until(organizer, 5, lambda d: by_testid(d, "ledger-net").text == "£75.00")

    # The order table draws its rows once more as the page's socket connects: click inside a wait that
    # shrugs off the first drawing's button.
    until(organizer, 5, lambda d: by_testid(d, f"refund-{orders['Nina Simone']}").click() or True)
    settled_dialog(organizer)
    boxes = until(organizer, 5, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid^="refund-ticket-"]'))
    boxes[1].click()  # Nina keeps her second ticket
    by_testid(organizer, "refund-confirm").click()
    until(organizer, 10, lambda d: by_testid(d, "ledger-refunded").text.startswith("£15."))
    assert by_testid(organizer, "ledger-net").text == "£60.00"
    assert "1/2 valid" in by_testid(organizer, f"card-order-{orders['Nina Simone']}").text
    assert "£60.00 would be paid" in by_testid(organizer, "test-payout").text
    screenshot(organizer, "money-panel-test-mode-desktop", "money-panel")
    screenshot(organizer, "sales-chart-desktop", "sales-chart")  # issue 18's charts, each at both sizes
    screenshot(organizer, "forecast-panel-desktop", "forecast-panel")

    phone = browser(PHONE)
    phone.get(f"{app_url}/login")  # the same login: the desktop's session cookie
    for cookie in organizer.get_cookies():
        phone.add_cookie({"name": cookie["name"], "value": cookie["value"]})
    phone.get(f"{app_url}/dashboard/events/{event['id']}")
    until(phone, 10, lambda d: "Otis Redding" in by_testid(d, "attendees").text)
    width = phone.execute_script("return document.documentElement.clientWidth")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= width  # nothing cut off
    scroller = phone.execute_script(
        "return document.querySelector('[data-testid=attendees] .q-table__middle').scrollWidth")
    assert scroller > width  # the attendee table scrolls inside the page instead
    labels = until(phone, 10, lambda d: d.execute_script(
        "return [...document.querySelectorAll('[data-testid=door-panel] .xtick text')].map(t => t.textContent)"))
    # "19:05", or "30 Nov 23:55" when the hour shown crosses midnight (a test run just after 00:00)
    assert all(re.fullmatch(r"(\d\d [A-Z][a-z]{2} )?\d\d:\d\d", label) for label in labels), labels
    screenshot(phone, "event-dashboard-phone")
    screenshot(phone, "sales-chart-phone", "sales-chart")
    screenshot(phone, "forecast-panel-phone", "forecast-panel")
    screenshot(phone, "money-panel-test-mode-phone", "money-panel")  # the order rows wrap, Refund… stays beside
