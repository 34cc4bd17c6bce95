"""A real browser makes a flyer from the event editor (the AI engine through the local OpenAI stand-in,
then the local designer), sees captions, and downloads the square post, whose QR opens the event; the panel
fits a phone's width (screens of both in docs/screens with EVENTFLOW_SCREENSHOTS=1)."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, until, wait_testid
from tests.flyers.checks import qr_texts
from tests.flyers.openai_standin import openai_standin
from tests.server import free_port, running_app

pytestmark = pytest.mark.browser
EVENT = {
    "title": "Sunset Rooftop Session 🎷", "starts_at": "2027-06-12T19:30:00+02:00",
    "ends_at": "2027-06-12T23:00:00+02:00", "timezone": "Europe/Berlin", "venue": "Dachgarten, Hamburg",
    "currency": "EUR", "description": "Jazz trio at golden hour", "fee_mode": "buyer_pays",
}


def test_generate_a_flyer_in_the_editor_and_download_the_square_post(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with openai_standin() as standin, running_app(
            tmp_path / "app", port=port, EVENTFLOW_BASE_URL=url, EVENTFLOW_OPENAI_API_KEY="sk-test",
            EVENTFLOW_OPENAI_BASE_URL=standin.url):
        email = f"flyer-{secrets.token_hex(3)}@example.com"
        with httpx.Client(base_url=f"{url}/api/v1", timeout=10) as api:
            token = api.post("/auth/signup", json={"email": email, "password": "long enough", "name": "F"}) \
                .json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            event = api.post("/events", json=EVENT, headers=auth).json()
            api.post(f"/events/{event['id']}/tiers", headers=auth, json={"name": "Entry", "price_minor": 1200,
                                                                        "capacity": 80})
        driver = browser(DESKTOP)
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        driver.get(f"{url}/login")
        fill(driver, "login-email", email)
        fill(driver, "login-password", "long enough")
        by_testid(driver, "login-submit").click()
        until(driver, 10, lambda d: d.current_url.endswith("/dashboard"))
        driver.get(f"{url}/dashboard/events/{event['id']}/edit")
        panel = wait_testid(driver, "flyer-panel")
        driver.execute_script("arguments[0].scrollIntoView()", panel)
        fill(driver, "flyer-theme", "golden hour jazz")
        driver.execute_script("document.querySelector('[data-testid=flyer-engine] button:last-child').click()")
        by_testid(driver, "flyer-generate").click()
        wait_testid(driver, "flyer-square", timeout=60)
        assert any(path.endswith("/chat/completions") for path, _ in standin.requests)
        assert "AI insta 1" in driver.page_source

        standin.script[:] = ["invalid"]  # a malformed answer: the local designer takes over, and says so
        by_testid(driver, "flyer-generate").click()
        until(driver, 60, lambda d: "could not read" in by_testid(d, "flyer-panel").text)
        wait_testid(driver, "flyer-history")
        driver.execute_script("document.querySelectorAll('.q-notification').forEach(n => n.remove())")
        screenshot(driver, "flyer-panel-desktop", "flyer-panel")
        driver.set_window_size(*PHONE)
        driver.refresh()  # laid out at a phone's width from the start, as a phone opens it
        wait_testid(driver, "flyer-square", timeout=30)
        screenshot(driver, "flyer-panel-phone", "flyer-result")
        screenshot(driver, "flyer-captions-phone", "caption-instagram-0")
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the editor scrolls sideways on a phone by {overflow} px"
        right = driver.execute_script(
            "return document.querySelector('[data-testid=flyer-hashtags]').getBoundingClientRect().right")
        assert right <= PHONE[0], f"the hashtags run out of the screen ({right} px)"
        by_testid(driver, "flyer-download-square").click()
        until(driver, 20, lambda d: any(p.suffix == ".png" for p in downloads.iterdir()))
        [square] = [p for p in downloads.iterdir() if p.suffix == ".png"]
        assert square.name == f"{event['slug']}-square.png"
        assert qr_texts(square.read_bytes()) == [f"{url}/e/{event['slug']}?ref=flyer"]
