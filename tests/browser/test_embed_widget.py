"""The ticket widget inside an organizer's own site: a static page served from ANOTHER origin (its own
port, on `localhost` while the app is `127.0.0.1`) frames `/embed/e/{slug}` with the editor's snippet;
a sale made elsewhere shows in the framed widget's live count, the iframe is sized by the widget's
height message, and "Buy tickets" opens checkout in a new tab with the hold taken."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from eventflow.domain.models import Event, EventStatus
from eventflow.domain.money import FeeMode
from eventflow.pages.components.embed_snippet import snippet
from tests.browser.axe_check import axe_run, blocking
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_live_event_page import badge_text, make_event, reserve
from tests.server import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def organizer_site(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A plain static web server on another port: the organizer's own website."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield tmp_path, f"http://localhost:{port}"
    finally:
        process.terminate()
        process.wait(10)


def the_snippet(app_url: str, event: dict) -> str:  # type: ignore[type-arg]
    """The snippet exactly as the editor shows it (pages/components/embed_snippet.py)."""
    from datetime import UTC, datetime
    now = datetime.now(UTC)
    shown = Event(id=event["id"], organizer_id="", slug=event["slug"], title=event["title"], starts_at=now,
                  ends_at=now, timezone="UTC", venue="", currency="GBP", description="",
                  fee_mode=FeeMode.BUYER_PAYS, status=EventStatus.PUBLISHED, created_at=now)
    return snippet(app_url, shown)


def test_the_widget_on_another_site_counts_live_and_opens_checkout(  # type: ignore[no-untyped-def]
        app_url: str, browser, organizer_site: tuple[Path, str]) -> None:
    folder, site = organizer_site
    event = make_event(app_url, capacities=(40, 200))
    deckchair = event["tiers"][0]
    (folder / "index.html").write_text(
        "<!doctype html><html><head><meta name=viewport content='width=device-width'><title>Our festival</title>"
        "</head><body style='font-family:sans-serif;margin:12px'><h1>Our little festival</h1>"
        f"<p>Get your tickets right here:</p>{the_snippet(app_url, event)}</body></html>")
    driver = browser(PHONE)
    driver.get(f"{site}/index.html")
    frame = WebDriverWait(driver, 10).until(lambda d: d.find_element(By.TAG_NAME, "iframe"))
    # the widget tells the page its height; the snippet's listener sizes the iframe to it
    WebDriverWait(driver, 10).until(lambda d: "height: 560px" not in frame.get_attribute("style"))
    driver.switch_to.frame(frame)
    WebDriverWait(driver, 10).until(lambda d: badge_text(d, deckchair["id"]) == "40 left")

    assert reserve(app_url, event["id"], deckchair["id"], 3).status_code == 201
    WebDriverWait(driver, 5, poll_frequency=0.05).until(lambda d: badge_text(d, deckchair["id"]) == "37 left")
    assert blocking(axe_run(driver)) == []  # the widget itself (this frame's document), WCAG A/AA
    driver.switch_to.default_content()
    screenshot(driver, "embed-widget-phone")
    driver.switch_to.frame(frame)

    Select(driver.find_element(By.CSS_SELECTOR, f'[data-testid="embed-qty-{deckchair["id"]}"]')).select_by_value("2")
    driver.find_element(By.CSS_SELECTOR, '[data-testid="embed-name"]').send_keys("Widget Buyer")
    driver.find_element(By.CSS_SELECTOR, '[data-testid="embed-email"]').send_keys("widget@example.com")
    before = set(driver.window_handles)
    driver.find_element(By.CSS_SELECTOR, '[data-testid="embed-buy"]').click()
    WebDriverWait(driver, 10).until(lambda d: len(d.window_handles) > len(before))
    driver.switch_to.window((set(driver.window_handles) - before).pop())
    WebDriverWait(driver, 10).until(lambda d: "/checkout/" in d.current_url)
    assert driver.current_url.startswith(f"{app_url}/checkout/res_")
    reservation = driver.current_url.rsplit("/", 1)[1]
    held = httpx.get(f"{app_url}/api/v1/reservations/{reservation}", timeout=10).json()
    assert [(line["tier_id"], line["quantity"]) for line in held["lines"]] == [(deckchair["id"], 2)]
    # the organizer's page stayed where it was, and its widget shows the new hold too
    driver.switch_to.window(before.pop())
    assert driver.current_url == f"{site}/index.html"
    driver.switch_to.frame(driver.find_element(By.TAG_NAME, "iframe"))
    WebDriverWait(driver, 5, poll_frequency=0.05).until(lambda d: badge_text(d, deckchair["id"]) == "35 left")

