"""The designed "not found" page in chromium on a phone and a desktop: one h1, and the header's
"Log in" (a 44 px touch target) leads to the login page."""

from __future__ import annotations

import pytest


@pytest.mark.browser
def test_the_not_found_page_in_the_browser(app_url: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser.conftest import DESKTOP, PHONE, screenshot

    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        driver = browser(size)
        driver.get(f"{app_url}/e/unknown-slug")
        WebDriverWait(driver, 15).until(lambda d: d.find_elements(By.TAG_NAME, "h1"))
        [title] = driver.find_elements(By.TAG_NAME, "h1")
        assert title.text == "No such event."
        screenshot(driver, f"not-found-{name}")
        login = driver.find_element(By.CSS_SELECTOR, '[data-testid="header-login"]')
        assert login.size["height"] >= 44  # a touch target
        login.click()
        WebDriverWait(driver, 15).until(lambda d: d.current_url.endswith("/login"))
