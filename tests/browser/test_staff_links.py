"""Door staff links on the event dashboard, in chromium: a new link comes with a copy button
(that copies exactly the link) and a QR code (that decodes to exactly the link, so a door phone's
camera opens it), and the list shows when each link was made in the event's own timezone."""

from __future__ import annotations

import io
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, until, wait_testid

pytestmark = pytest.mark.browser
ZONE = "Asia/Tokyo"  # nine hours from UTC: a time shown in UTC cannot pass for local


def organizer_with_event(app_url: str) -> tuple[str, str]:
    """A new organizer's email and the id of their event in Tokyo."""
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as api:
        email = f"staff-{secrets.token_hex(4)}@example.com"
        signup = {"email": email, "password": "long enough", "name": "Sato"}
        token = api.post("/auth/signup", json=signup).json()["token"]
        starts = datetime.now(UTC) + timedelta(days=10)
        ends = starts + timedelta(hours=3)
        event = api.post("/events", headers={"Authorization": f"Bearer {token}"}, json={
            "title": "Tokyo Night", "starts_at": starts.isoformat(), "ends_at": ends.isoformat(),
            "timezone": ZONE, "venue": "Shibuya", "currency": "JPY", "description": "", "fee_mode": "buyer_pays",
        }).json()
        return email, event["id"]


@pytest.mark.parametrize(("size", "name"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_new_staff_link_can_be_copied_and_scanned(app_url: str, browser, size, name) -> None:
    import zxingcpp

    email, event_id = organizer_with_event(app_url)
    driver = browser(size)
    driver.get(f"{app_url}/login?next=/dashboard/events/{event_id}")
    wait_testid(driver, "login-email")
    fill(driver, "login-email", email)
    fill(driver, "login-password", "long enough")
    by_testid(driver, "login-submit").click()
    wait_testid(driver, "staff-label", timeout=15)
    fill(driver, "staff-label", "Sam at the main door")
    made_at = datetime.now(ZoneInfo(ZONE))
    by_testid(driver, "add-staff").click()
    link = until(driver, 10, lambda d: by_testid(d, "staff-link").text.strip())
    assert f"/scan/{event_id}#staff=" in link

    # The copy button hands the clipboard exactly the link (the Clipboard API, recorded here).
    driver.execute_script("window.copied = null; navigator.clipboard.writeText = "
                          "(text) => { window.copied = text; return Promise.resolve(); };")
    by_testid(driver, "copy-staff-link").click()
    assert until(driver, 5, lambda d: d.execute_script("return window.copied")) == link
    until(driver, 5, lambda d: "Copied" in by_testid(d, "copy-staff-link").text.title())

    # The QR code, as the screen shows it, opens exactly the link.
    qr = by_testid(driver, "staff-qr")
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot_as_png)))
    assert decoded.text == link

    # The list says when, in Tokyo time.
    listed = until(driver, 5, lambda d: next(e.text for e in d.find_elements(
        "css selector", '[data-testid^="staff-"]') if "Sam at the main door" in e.text))
    local = {made_at.strftime("%H:%M"), (made_at + timedelta(minutes=1)).strftime("%H:%M")}
    assert any(f"since {made_at.day} {made_at:%b} {hhmm}" in listed for hhmm in local), listed
    assert f"Times in {ZONE}" in driver.find_element("css selector", "body").text
    screenshot(driver, f"staff-link-{name}", "new-staff-link")
