"""The event page in German in a real browser (issue 15): a phone whose browser asks for German from
Switzerland (Accept-Language de-CH) reads German words, `1.234,50 €`, German dates and the approximate
price in Swiss francs from the operator's rates file; a desktop in English switches to German with the
header's switcher, which is remembered; a sale's live badge arrives in German."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.server import running_app

pytestmark = pytest.mark.browser
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def rated_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("german")
    rates = data / "rates.json"
    rates.write_text(json.dumps({"base": "EUR", "rates": {"CHF": 0.96, "USD": 1.08}}))
    with running_app(data, EVENTFLOW_EXCHANGE_RATES=str(rates)) as url:
        yield url


def make_euro_event(url: str) -> dict:
    with httpx.Client(base_url=f"{url}/api/v1", timeout=10) as api:
        signup = {"email": f"de-{secrets.token_hex(4)}@example.com", "password": "long enough", "name": "Kino"}
        auth = {"Authorization": f"Bearer {api.post('/auth/signup', json=signup).json()['token']}"}
        event = api.post("/events", headers=auth, json={
            "title": "Dachkino", "starts_at": "2026-12-12T17:00:00+00:00", "ends_at": "2026-12-12T20:00:00+00:00",
            "timezone": "Europe/Berlin", "venue": "Dach 5", "currency": "EUR", "fee_mode": "organizer_absorbs",
        }).json()
        api.post(f"/events/{event['id']}/tiers", headers=auth, json={
            "name": "Loge", "price_minor": 123450, "capacity": 40, "max_per_order": 10})
        api.post(f"/events/{event['id']}/publish", headers=auth)
        return dict(api.get(f"/events/{event['id']}").json())


def german_browser(driver) -> None:  # type: ignore[no-untyped-def]
    """Every request of this window says Accept-Language de-CH (what a Swiss German browser sends)."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": "de-CH,de;q=0.9"}})


def text_of(driver) -> str:  # type: ignore[no-untyped-def]
    """The page's text as shown (buttons are upper-cased by the theme: compare in lower case)."""
    return str(driver.find_element(By.TAG_NAME, "body").text).replace(NBSP, " ").lower()


def test_the_german_event_page(rated_app: str, browser) -> None:  # type: ignore[no-untyped-def]
    event = make_euro_event(rated_app)
    page = f"{rated_app}/e/{event['slug']}"
    tier = event["tiers"][0]["id"]
    phone = browser(PHONE)
    german_browser(phone)
    phone.get(page)
    WebDriverWait(phone, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="reserve"]'))
    assert phone.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    body = text_of(phone)
    for words in ("Tickets reservieren", "Dein Name", "Hast du einen Code?", "Teilen", "Zum Kalender hinzufügen",
                  "Sa., 12. Dez. 2026, 18:00–21:00 (Europe/Berlin)", "1.234,50 €", "Noch 40 übrig",
                  "≈ 1.185,12 CHF (ungefähr)"):
        assert words.lower() in body, words
    assert "reserve tickets" not in body
    screenshot(phone, "event-page-de-phone")

    # A later event handler of the same page speaks German too (the language is the client's, not the request's).
    phone.find_element(By.CSS_SELECTOR, '[data-testid="reserve"]').click()
    WebDriverWait(phone, 10).until(lambda d: "wähle mindestens ein ticket." in text_of(d))

    # A sale elsewhere: the live badge changes in German (the one message carries every language's words).
    sold = httpx.post(f"{rated_app}/api/v1/events/{event['id']}/reservations", timeout=10, json={
        "lines": [{"tier_id": tier, "quantity": 3}], "buyer": {"email": "b@example.com", "name": "B"}})
    assert sold.status_code == 201, sold.text
    WebDriverWait(phone, 10).until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'[data-testid="available-{tier}"]').text == "Noch 37 übrig")

    # On a phone the switcher sits in the footer (the header has no room): Spanish, remembered.
    assert not phone.find_element(By.CSS_SELECTOR, '[data-testid="language-switcher"]').is_displayed()
    footer_switch = phone.find_element(By.CSS_SELECTOR, '[data-testid="language-switcher-footer"]')
    phone.execute_script("arguments[0].scrollIntoView()", footer_switch)
    Select(footer_switch).select_by_value("es")
    WebDriverWait(phone, 10).until(lambda d: "reservar entradas" in text_of(d))
    assert "sáb, 12 dic 2026" in text_of(phone) and "≈ 1.185,12 chf (aproximado)" in text_of(phone)

    # An English desktop browser: English, no approximate price for a British visitor without rates for GBP;
    # the switcher turns the page German and the choice stays for the next page.
    desktop = browser(DESKTOP)
    desktop.get(page)
    WebDriverWait(desktop, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="reserve"]'))
    assert "reserve tickets" in text_of(desktop) and "€1,234.50" in text_of(desktop)
    Select(desktop.find_element(By.CSS_SELECTOR, '[data-testid="language-switcher"]')).select_by_value("de")
    WebDriverWait(desktop, 10).until(lambda d: "tickets reservieren" in text_of(d))
    assert "1.234,50 €" in text_of(desktop)
    desktop.get(f"{rated_app}/events")
    WebDriverWait(desktop, 10).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de")
    desktop.get(page)
    WebDriverWait(desktop, 10).until(lambda d: "tickets reservieren" in text_of(d))
    assert "≈ 1.333,26 $ (ungefähr)" in text_of(desktop)  # headless chromium says en-US: dollars
    switch = desktop.find_element(By.CSS_SELECTOR, '[data-testid="currency-switcher"]')  # rates configured
    desktop.execute_script("arguments[0].scrollIntoView()", switch)
    Select(switch).select_by_value("CHF")
    WebDriverWait(desktop, 10).until(lambda d: "≈ 1.185,12 chf (ungefähr)" in text_of(d))
    screenshot(desktop, "event-page-de-desktop")


def test_rates_file_shape_is_what_the_docs_say(tmp_path: Path) -> None:
    from eventflow.adapters.exchange_rates import ExchangeRates
    path = tmp_path / "rates.json"
    path.write_text(json.dumps({"base": "EUR", "rates": {"CHF": 0.96}}))
    assert ExchangeRates(str(path)).rate("EUR", "CHF") is not None
