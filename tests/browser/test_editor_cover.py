"""The cover image in the event editor, in chromium: after an upload it shows once (the preview),
not a second time as the uploader's own thumbnail."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from tests.browser.conftest import DESKTOP, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, until, wait_testid
from tests.browser.test_staff_links import organizer_with_event

pytestmark = pytest.mark.browser


def test_an_uploaded_cover_shows_once(app_url: str, browser, tmp_path: Path) -> None:
    email, event_id = organizer_with_event(app_url)
    picture = tmp_path / "cover.jpg"
    Image.new("RGB", (1200, 630), (91, 33, 182)).save(picture, "JPEG")
    driver = browser(DESKTOP)
    driver.get(f"{app_url}/login?next=/dashboard/events/{event_id}/edit")
    wait_testid(driver, "login-email")
    fill(driver, "login-email", email)
    fill(driver, "login-password", "long enough")
    by_testid(driver, "login-submit").click()
    wait_testid(driver, "cover-upload", timeout=15)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="cover-upload"] input[type="file"]').send_keys(str(picture))

    def shown_covers(d) -> list:  # type: ignore[no-untyped-def]
        previews = [i for i in d.find_elements(By.CSS_SELECTOR, "img") if "/covers/" in (i.get_attribute("src") or "")
                    and i.is_displayed()]
        thumbnails = d.find_elements(By.CSS_SELECTOR, '[data-testid="cover-upload"] .q-uploader__file')
        return previews + thumbnails

    until(driver, 15, lambda d: "Cover image saved" in d.find_element(By.TAG_NAME, "body").text)
    assert len(until(driver, 10, shown_covers)) == 1
    screenshot(driver, "editor-cover-desktop", "cover-upload")
