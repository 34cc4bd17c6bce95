"""The public event page in a real browser: live counts within a second, sold-out shown."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.server import running_app

pytestmark = pytest.mark.browser
BUYER = {"email": "live@example.com", "name": "Live Buyer"}


def make_event(api_url: str, capacities: tuple[int, ...]) -> dict:
    with httpx.Client(base_url=f"{api_url}/api/v1", timeout=10) as api:
        email = f"live-{secrets.token_hex(4)}@example.com"
        signup = {"email": email, "password": "long enough", "name": "Live"}
        token = api.post("/auth/signup", json=signup).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        event = api.post("/events", headers=auth, json={
            "title": "Rooftop Cinema", "starts_at": "2026-12-20T19:00:00+00:00",
            "ends_at": "2026-12-20T22:00:00+00:00", "timezone": "Europe/London", "venue": "Roof 5",
            "currency": "GBP", "description": "An open-air screening.", "fee_mode": "buyer_pays",
        }).json()
        for n, capacity in enumerate(capacities):
            api.post(f"/events/{event['id']}/tiers", headers=auth, json={
                "name": ["Deckchair", "Standing", "Blanket"][n], "price_minor": [1500, 0, 900][n],
                "capacity": capacity, "max_per_order": 10,
            })
        api.post(f"/events/{event['id']}/publish", headers=auth)
        return {**api.get(f"/events/{event['id']}").json(), "organizer_token": token, "organizer_email": email}


def badge_text(driver, tier_id: str) -> str:  # type: ignore[no-untyped-def]
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="available-{tier_id}"]').text


def wait_for_text(driver, tier_id: str, text: str, timeout: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    WebDriverWait(driver, timeout, poll_frequency=0.02).until(lambda d: badge_text(d, tier_id) == text)
    return time.monotonic() - started


def reserve(api_url: str, event_id: str, tier_id: str, quantity: int) -> httpx.Response:
    return httpx.post(f"{api_url}/api/v1/events/{event_id}/reservations", timeout=10, json={
        "lines": [{"tier_id": tier_id, "quantity": quantity}], "buyer": BUYER,
    })


def test_every_open_page_sees_a_sale_within_a_second(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    event = make_event(app_url, capacities=(40, 200, 8))
    deckchair, blanket = event["tiers"][0], event["tiers"][2]
    phone, desktop = browser(PHONE), browser(DESKTOP)
    for driver in (phone, desktop):
        driver.get(f"{app_url}/e/{event['slug']}")
        wait_for_text(driver, deckchair["id"], "40 left", timeout=10)

    assert reserve(app_url, event["id"], deckchair["id"], 3).status_code == 201
    delays = [wait_for_text(d, deckchair["id"], "37 left", timeout=1.0) for d in (phone, desktop)]
    assert max(delays) < 1.0

    first = reserve(app_url, event["id"], blanket["id"], 5).json()
    wait_for_text(phone, blanket["id"], "Only 3 left", timeout=1.0)
    assert reserve(app_url, event["id"], blanket["id"], 3).status_code == 201
    wait_for_text(phone, blanket["id"], "Sold out", timeout=1.0)
    screenshot(phone, "event-page-phone")
    screenshot(desktop, "event-page-desktop")

    httpx.delete(f"{app_url}/api/v1/reservations/{first['id']}", timeout=10)
    wait_for_text(desktop, blanket["id"], "Only 5 left", timeout=1.0)


def test_a_sale_through_another_instance_shows_within_two_seconds(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    """Two app processes share one SQLite file: the page on A learns of B's sale by A's poller."""
    store = f"sqlite:///{tmp_path / 'shared.db'}"
    with running_app(tmp_path / "a", EVENTFLOW_STORE=store) as instance_a, \
            running_app(tmp_path / "b", EVENTFLOW_STORE=store) as instance_b:
        event = make_event(instance_a, capacities=(40,))
        tier = event["tiers"][0]
        page = browser(PHONE)
        page.get(f"{instance_a}/e/{event['slug']}")
        wait_for_text(page, tier["id"], "40 left", timeout=10)
        assert reserve(instance_b, event["id"], tier["id"], 4).status_code == 201
        assert wait_for_text(page, tier["id"], "36 left", timeout=2.0) < 2.0


def test_unknown_event_shows_a_friendly_page(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    driver = browser(PHONE)
    driver.get(f"{app_url}/e/no-such-event")
    WebDriverWait(driver, 10).until(lambda d: "does not exist" in d.find_element(By.TAG_NAME, "body").text)
