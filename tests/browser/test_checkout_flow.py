"""An attendee on a phone buys tickets with the demo provider and opens a ticket."""

from __future__ import annotations

import email
import re
from pathlib import Path

import httpx
import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_live_event_page import make_event, wait_for_text
from tests.server import running_app

pytestmark = pytest.mark.browser


def by_testid(driver, testid: str):  # type: ignore[no-untyped-def]
    element = driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')
    # Keep it clear of the fixed header, so clicks land on the element and not on the header.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    return element


def wait_testid(driver, testid: str, timeout: float = 10):  # type: ignore[no-untyped-def]
    selector = f'[data-testid="{testid}"]'
    return WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, selector))[0]


def until(driver, timeout: float, condition):  # type: ignore[no-untyped-def]
    """Wait for a condition on parts of the page that live updates may rebuild meanwhile."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(condition)


def settled_dialog(driver, timeout: float = 5) -> None:  # type: ignore[no-untyped-def]
    """Wait until an opening dialog has stopped zooming in: a click meanwhile can land beside the moving
    element or find it not yet interactable (both seen in CI under load)."""
    until(driver, timeout, lambda d: d.find_elements(By.CSS_SELECTOR, ".q-dialog") and not d.find_elements(
        By.CSS_SELECTOR, '.q-dialog [class*="-enter-active"], .q-dialog [class*="-enter-from"]'))


def closed_dialog(driver, timeout: float = 5) -> None:  # type: ignore[no-untyped-def]
    """Wait until a closing dialog is gone, backdrop included: while it fades out it takes the clicks
    meant for the page under it (seen in CI)."""
    until(driver, timeout, lambda d: not d.find_elements(By.CSS_SELECTOR, ".q-dialog"))


def fill(driver, testid: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = by_testid(driver, testid)
    if field.tag_name != "input":
        field = field.find_element(By.TAG_NAME, "input")
    field.send_keys(Keys.CONTROL, "a")  # clear() does not empty Quasar's number inputs
    field.send_keys(Keys.BACKSPACE)
    field.send_keys(text)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("shop")
    with running_app(data_dir) as url:
        yield url, data_dir


def test_phone_buyer_gets_two_tickets_with_the_demo_provider(shop, browser) -> None:  # type: ignore[no-untyped-def]
    url, data_dir = shop
    event = make_event(url, capacities=(40, 200, 8))
    deckchair = event["tiers"][0]
    phone = browser(PHONE)
    phone.get(f"{url}/e/{event['slug']}")
    wait_for_text(phone, deckchair["id"], "40 left", timeout=10)
    by_testid(phone, f"plus-{deckchair['id']}").click()
    by_testid(phone, f"plus-{deckchair['id']}").click()
    until(phone, 5, lambda d: by_testid(d, f"qty-{deckchair['id']}").text == "2")
    until(phone, 5, lambda d: by_testid(d, "total").text == "£31.36")  # 2 x (15.00 + 0.68)
    assert by_testid(phone, "fee").text == "£1.36"
    fill(phone, "buyer-name", "Grace Hopper")
    fill(phone, "buyer-email", "grace@example.com")
    screenshot(phone, "purchase-phone")
    by_testid(phone, "reserve").click()

    until(phone, 10, lambda d: "/checkout/" in d.current_url)
    countdown = wait_testid(phone, "countdown")
    until(phone, 5, lambda d: re.search(r"1[45]:\d\d", by_testid(d, "countdown").text))
    assert "£31.36" in by_testid(phone, "pay").text
    assert countdown.is_displayed()
    screenshot(phone, "checkout-phone")
    assert httpx.get(f"{url}/api/v1/events/{event['id']}").json()["tiers"][0]["available"] == 38
    by_testid(phone, "pay").click()

    wait_testid(phone, "test-mode")
    screenshot(phone, "demo-payment-phone")
    by_testid(phone, "demo-pay").click()
    wait_testid(phone, "order-confirmed")
    screenshot(phone, "order-phone")
    by_testid(phone, "open-ticket-1").click()
    until(phone, 10, lambda d: "/t/" in d.current_url)
    payload = until(phone, 10, lambda d: by_testid(d, "qr").get_attribute("data-payload"))
    assert re.fullmatch(r"EF2\.tkt_[\w-]+\.\d+\.[\w-]{86}", payload)  # signed codes (docs/door.md)
    assert by_testid(phone, "holder").text == "Grace Hopper"
    assert by_testid(phone, "qr").find_element(By.TAG_NAME, "svg")
    screenshot(phone, "ticket-phone")

    # The ticket link also works through the API, and the tickets were mailed (.eml in the data dir).
    ticket_id = phone.current_url.split("/t/")[1].split("?")[0]
    key = phone.current_url.split("k=")[1]
    api_ticket = httpx.get(f"{url}/api/v1/tickets/{ticket_id}", params={"key": key}).json()
    assert api_ticket["holder"] == "Grace Hopper" and api_ticket["status"] == "valid"
    mails = list((data_dir / "mail").glob("*.eml"))
    assert len(mails) == 1
    message = email.message_from_bytes(mails[0].read_bytes())
    assert message["To"] == "Grace Hopper <grace@example.com>"
    assert ticket_id in mails[0].read_text()
    tiers = httpx.get(f"{url}/api/v1/events/{event['id']}").json()["tiers"]
    assert tiers[0]["available"] == 38


def test_free_tickets_skip_payment(shop, browser) -> None:  # type: ignore[no-untyped-def]
    url, _ = shop
    event = make_event(url, capacities=(40, 200))
    standing = event["tiers"][1]
    desktop = browser(DESKTOP)
    desktop.get(f"{url}/e/{event['slug']}")
    wait_testid(desktop, f"plus-{standing['id']}").click()
    fill(desktop, "buyer-name", "Alan Turing")
    fill(desktop, "buyer-email", "alan@example.com")
    screenshot(desktop, "purchase-desktop")
    by_testid(desktop, "reserve").click()
    until(desktop, 10, lambda d: "/checkout/" in d.current_url)
    assert "free" in wait_testid(desktop, "pay").text.lower()
    by_testid(desktop, "pay").click()
    wait_testid(desktop, "order-confirmed")


def test_hold_that_runs_out_goes_back_on_sale(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    with running_app(tmp_path, EVENTFLOW_HOLD_MINUTES="0.05") as url:  # a 3-second hold
        event = make_event(url, capacities=(40,))
        tier = event["tiers"][0]
        phone = browser(PHONE)
        phone.get(f"{url}/e/{event['slug']}")
        wait_testid(phone, f"plus-{tier['id']}").click()
        fill(phone, "buyer-name", "Late Larry")
        fill(phone, "buyer-email", "larry@example.com")
        by_testid(phone, "reserve").click()
        wait_testid(phone, "hold-expired", timeout=15)
        assert httpx.get(f"{url}/api/v1/events/{event['id']}").json()["tiers"][0]["available"] == 40
