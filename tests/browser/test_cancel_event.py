"""An organizer cancels an event from the editor with a message, watches the refund batch reach 100%,
and the event's door scanner refuses its tickets: online (the server's word) and, after a manifest
refresh, offline (the manifest's `event_status`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.by import By

from tests.browser.conftest import DESKTOP, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, until, wait_testid
from tests.browser.test_door import SECRET_KEY, Door, network, open_scanner, type_code, wait_result
from tests.server import running_app

pytestmark = pytest.mark.browser


class FastJobsDoor(Door):
    """The door app with the background jobs every half second (the refund batch among them)."""

    def start(self) -> None:
        app = running_app(self.data_dir, port=self.port, EVENTFLOW_BASE_URL=self.url,
                          EVENTFLOW_SECRET_KEY=SECRET_KEY, EVENTFLOW_REAPER_INTERVAL_SECONDS="0.5")
        app.__enter__()
        self._app = app


@pytest.fixture
def door(tmp_path: Path) -> Iterator[Door]:
    app = FastJobsDoor(tmp_path / "door")
    app.start()
    try:
        yield app
    finally:
        app.stop()


def test_organizer_cancels_from_the_editor_and_the_scanner_refuses_tickets(door: Door, browser) -> None:  # type: ignore[no-untyped-def]
    door.setup_event(tickets=3)  # paid with the demo provider
    payloads = [door.payload(0), door.payload(1)]
    scanner = open_scanner(browser, door.staff_link("Main door")["link"])

    organizer = browser(DESKTOP)
    organizer.get(f"{door.url}/login")
    fill(organizer, "login-email", door.event["organizer_email"])
    fill(organizer, "login-password", "long enough")
    by_testid(organizer, "login-submit").click()
    until(organizer, 10, lambda d: d.current_url.endswith("/dashboard"))
    organizer.get(f"{door.url}/dashboard/events/{door.event['id']}/edit")
    wait_testid(organizer, "cancel-event").click()
    message = wait_testid(organizer, "cancel-message")
    field = message if message.tag_name == "textarea" else message.find_element(By.TAG_NAME, "textarea")
    field.send_keys("The roof leaks. Everyone gets their money back.")
    by_testid(organizer, "confirm-cancel").click()
    until(organizer, 30, lambda d: by_testid(d, "change-progress").get_attribute("data-percent") == "100")
    assert "1 / 1 orders done" in by_testid(organizer, "change-progress").text
    until(organizer, 5, lambda d: "cancelled" in by_testid(d, "status").text)
    screenshot(organizer, "editor-cancelled-desktop")

    seen = door.api("GET", f"/events/{door.event['id']}", door.organizer).json()
    assert seen["status"] == "cancelled" and seen["change"]["progress"]["percent"] == 100
    refunds = door.api("GET", f"/events/{door.event['id']}/refunds", door.organizer)
    assert refunds.status_code in (200, 404)  # the card-refund listing needs Stripe; the batch needs none

    type_code(scanner, payloads[0])  # online: the server refuses
    wait_result(scanner, "event_cancelled", offline=False)
    assert "Event cancelled" in scanner.find_element(By.CSS_SELECTOR, '[data-testid="result"]').text
    scanner.execute_script("return window.eventflowScanner.refreshManifest()")
    until(scanner, 10, lambda d: d.execute_script(
        "return window.eventflowScanner.manifest.event_status") == "cancelled")
    network(scanner, online=False)
    scanner.execute_script("window.eventflowScanner.setOnline(false)")
    type_code(scanner, payloads[1])  # offline: the refreshed manifest refuses
    wait_result(scanner, "event_cancelled", offline=True)
    screenshot(scanner, "scanner-event-cancelled-phone")


def test_organizer_voids_an_order_from_the_attendee_table(door: Door, browser) -> None:  # type: ignore[no-untyped-def]
    door.setup_event(tickets=2)
    ticket = door.tickets[0]
    organizer = browser(DESKTOP)
    organizer.get(f"{door.url}/login")
    fill(organizer, "login-email", door.event["organizer_email"])
    fill(organizer, "login-password", "long enough")
    by_testid(organizer, "login-submit").click()
    until(organizer, 10, lambda d: d.current_url.endswith("/dashboard"))
    organizer.get(f"{door.url}/dashboard/events/{door.event['id']}")
    # The attendee table is live: a refresh may replace the row between finding the button and
    # clicking it, so find and click it in one step, again if it went stale.
    order_id = until(organizer, 10, lambda d: click_void_button(d))
    reason = wait_testid(organizer, "void-reason")
    (reason if reason.tag_name == "textarea" else reason.find_element(By.TAG_NAME, "textarea")).send_keys("Sold twice")
    by_testid(organizer, "confirm-void").click()
    until(organizer, 10, lambda d: door.api("GET", f"/tickets/{ticket['ticket_id']}",
                                            params={"key": ticket["key"]}).json()["status"] == "void")
    assert order_id.startswith("ord_")
    screenshot(organizer, "dashboard-void-order-desktop")


def click_void_button(driver) -> str | None:  # type: ignore[no-untyped-def]
    """Click the first order's "Void / refund" button; its order id, or None to try again."""
    try:
        button = driver.find_elements(By.CSS_SELECTOR, '[data-testid^="void-"]')[0]
        order_id = button.get_attribute("data-testid").removeprefix("void-")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
        button.click()
        return str(order_id)
    except (IndexError, StaleElementReferenceException, ElementClickInterceptedException):
        return None
