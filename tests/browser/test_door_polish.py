"""The scanner as a first-time door volunteer meets it, in chromium on a phone without a camera:
it names the event it scans (title, date in the event's timezone, the staff link's label), says
"No camera — type or search" instead of a black box (a picker when it has several cameras), asks
before admitting a name found by search, speaks plainly ("1 scan waiting to sync", "by this device")
and shows "Online" again within 5 s of the server answering after an outage (the server is stopped
and started again)."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By

from tests.browser.axe_check import axe_run, blocking
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, until
from tests.browser.test_door import Door, hide_result, queued, result, type_code, wait_result
from tests.browser.test_door import door as door  # the fixture: a server that can be stopped and started

pytestmark = pytest.mark.browser


def text(driver, testid: str) -> str:  # type: ignore[no-untyped-def]
    return str(driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]').text)


def test_scanner_names_its_event_asks_and_is_back_online_quickly(door: Door, browser) -> None:  # type: ignore[no-untyped-def]
    door.setup_event(tickets=2)
    staff = door.staff_link("Main door")
    scanner = browser(PHONE)  # no camera on this device
    scanner.get(staff["link"])
    until(scanner, 15, lambda d: "checked in" in text(d, "counts"))

    # Which event, when (the event's own timezone), and as whom.
    assert text(scanner, "event-title") == "Rooftop Cinema"
    assert scanner.find_elements(By.TAG_NAME, "h1")[0].text == "Rooftop Cinema"
    starts = datetime.fromisoformat(door.event["starts_at"]).astimezone(ZoneInfo("Europe/London"))
    assert f"{starts:%H:%M} (Europe/London)" in text(scanner, "event-when")
    assert f"{starts.day} {starts:%b}" in text(scanner, "event-when")
    assert text(scanner, "device-label") == "Scanning as Main door"
    # No camera: words, not a black box; no camera picker for one (or no) camera.
    until(scanner, 10, lambda d: text(d, "no-camera") == "No camera — type or search")
    assert not by_testid(scanner, "camera").is_displayed()
    assert not by_testid(scanner, "camera-picker").is_displayed()
    screenshot(scanner, "scanner-phone")

    # A name from search is not admitted until staff confirm it (name, tier, "Admit").
    by_testid(scanner, "search").send_keys("dora")
    until(scanner, 5, lambda d: d.find_elements(By.CSS_SELECTOR, ".ef-match"))[0].click()
    until(scanner, 5, lambda d: by_testid(d, "confirm").is_displayed())
    assert text(scanner, "confirm-name") == "Dora Door"
    assert "Deckchair" in text(scanner, "confirm-tier")
    assert text(scanner, "confirm-admit") == "Admit"
    screenshot(scanner, "scanner-confirm-phone")
    assert not blocking(axe_run(scanner)), blocking(axe_run(scanner))  # the confirmation too passes axe
    assert result(scanner)[0] is None  # nothing decided yet
    assert not any(door.checked_in(staff["token"]).values())  # and nobody admitted on the server
    by_testid(scanner, "confirm-cancel").click()
    assert not by_testid(scanner, "confirm").is_displayed()
    by_testid(scanner, "search").send_keys(" door")
    until(scanner, 5, lambda d: d.find_elements(By.CSS_SELECTOR, ".ef-match"))[0].click()
    by_testid(scanner, "confirm-admit").click()
    wait_result(scanner, "admitted", offline=False)
    assert sum(at is not None for at in door.checked_in(staff["token"]).values()) == 1
    hide_result(scanner)

    # The same ticket again: who let them in, in words (not "Main door · device-1a2b3c").
    type_code(scanner, door.payload(0))
    wait_result(scanner, "already_checked_in")
    assert "by this device" in text(scanner, "result") and "device-" not in text(scanner, "result")
    hide_result(scanner)

    # Outage: the server stops; the next scan is decided on the device and waits to sync.
    code = door.payload(1)
    door.stop()
    type_code(scanner, code)
    wait_result(scanner, "admitted", offline=True)
    hide_result(scanner)
    until(scanner, 5, lambda d: "Offline" in text(d, "network"))
    assert queued(scanner) == 1 and text(scanner, "queue") == "· 1 scan waiting to sync"
    # The server answers again (start() returns once its health check answers): "Online" within 5 s.
    door.start()
    answered = time.monotonic()
    until(scanner, 15, lambda d: "Online" in text(d, "network"))
    back_after = time.monotonic() - answered
    print(f"scanner Online again {back_after:.2f} s after the server answered")
    assert back_after < 5, f"'Online' {back_after:.1f} s after the server answered"
    until(scanner, 15, lambda d: queued(d) == 0)
    assert all(at is not None for at in door.checked_in(staff["token"]).values())
    scanner.set_window_size(*DESKTOP)
    screenshot(scanner, "scanner-desktop")

    # A phone with two cameras: the camera is shown, with a picker naming both.
    two = browser(PHONE, cameras=2)
    two.get(staff["link"])
    until(two, 15, lambda d: by_testid(d, "camera-picker").is_displayed())
    assert len(two.find_elements(By.CSS_SELECTOR, '[data-testid="camera-picker"] option')) == 2
    assert by_testid(two, "camera").is_displayed() and not by_testid(two, "no-camera").is_displayed()
