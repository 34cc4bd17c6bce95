"""The door scanner on a German phone (issue 15): scanner.js writes the words the page hands it
(pages/components/door_words.py): the screen, the verdict and the "who let them in" line in German."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import PHONE
from tests.browser.test_checkout_flow import until
from tests.browser.test_door import Door, hide_result, type_code, wait_result
from tests.browser.test_door import door as door  # the fixture: a server with an event and its tickets

pytestmark = pytest.mark.browser


def text(driver, testid: str) -> str:  # type: ignore[no-untyped-def]
    return str(driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]').text)


def test_the_scanner_speaks_german(door: Door, browser) -> None:  # type: ignore[no-untyped-def]
    door.setup_event(tickets=1)
    staff = door.staff_link("Haupteingang")
    scanner = browser(PHONE)  # no camera on this device
    scanner.execute_cdp_cmd("Network.enable", {})
    scanner.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": "de-DE,de;q=0.9"}})
    scanner.get(staff["link"])
    until(scanner, 15, lambda d: "eingecheckt" in text(d, "counts"))
    assert text(scanner, "counts") == "0 / 1 eingecheckt"
    assert text(scanner, "device-label") == "Scannt als Haupteingang"
    assert "Online" in text(scanner, "network")
    until(scanner, 10, lambda d: text(d, "no-camera") == "Keine Kamera – eintippen oder suchen")
    assert scanner.find_element(By.CSS_SELECTOR, '[data-testid="manual-code"]').get_attribute("placeholder") == (
        "Code scannen oder eintippen, Enter drücken")
    assert scanner.title.endswith("Einlass-Scanner · EventFlow")

    code = door.payload(0)
    type_code(scanner, code)
    wait_result(scanner, "admitted", offline=False)
    assert "Eingelassen" in text(scanner, "result")
    hide_result(scanner)
    type_code(scanner, code)
    wait_result(scanner, "already_checked_in")
    assert "Bereits eingecheckt" in text(scanner, "result") and "von diesem Gerät" in text(scanner, "result")
