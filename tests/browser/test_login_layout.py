"""The login and sign-up forms on a phone and a desktop: every field spans its card (they were
half-width), and the login page offers the way to a new password."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("path", "fields"), [("/login", ("login-email", "login-password")),
                                              ("/signup", ("signup-name", "signup-email", "signup-password"))])
def test_form_fields_span_the_card(app_url: str, browser, path: str, fields: tuple[str, ...]) -> None:
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        driver = browser(size)
        driver.get(app_url + path)
        WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, f'[data-testid="{fields[0]}"]'))
        button = driver.find_element(By.CSS_SELECTOR, '[data-testid$="-submit"]').rect["width"]
        for testid in fields:
            width = driver.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]').find_element(
                By.XPATH, "ancestor::label[1]").rect["width"]
            assert width >= button - 2, (name, testid, width, button)  # as wide as the full-width button
        if path == "/login":
            assert driver.find_element(By.CSS_SELECTOR, '[data-testid="login-forgot"]').get_attribute(
                "href").endswith("/forgot-password")
        screenshot(driver, f"{path.strip('/')}-{name}")
