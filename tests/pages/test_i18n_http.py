"""The server's own HTML (what crawlers and the first paint get) in the visitor's language: Accept-Language
or the switcher's cookie picks it, `<html lang>` follows, and English stays as it was."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.test_live_event_page import make_event


@pytest.fixture(scope="module")
def event_page(app_url: str) -> str:
    return f"{app_url}/e/{make_event(app_url, capacities=(10,))['slug']}"


def test_german_and_spanish_from_the_browser_or_the_cookie(event_page: str) -> None:
    german = httpx.get(event_page, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}, timeout=10).text
    assert '<html lang="de"' in german
    assert "Tickets reservieren" in german and "So., 20. Dez. 2026, 19:00–22:00 (Europe/London)" in german
    assert "15,00\u00a0£" in german and "Reserve tickets" not in german
    spanish = httpx.get(event_page, headers={"Accept-Language": "de"}, cookies={"eventflow_lang": "es"},
                        timeout=10).text
    assert '<html lang="es"' in spanish and "Reservar entradas" in spanish and "dom, 20 dic 2026" in spanish


def test_english_is_unchanged(event_page: str) -> None:
    for headers in ({}, {"Accept-Language": "fr-FR,fr;q=0.9"}, {"Accept-Language": "en-US"}):
        english = httpx.get(event_page, headers=headers, timeout=10).text
        assert '<html lang="en-GB"' in english
        assert "Reserve tickets" in english and "Sun 20 Dec 2026, 19:00–22:00 (Europe/London)" in english
        assert "£15.00" in english
        assert "approximate" not in english  # no rates configured: no conversion shown


def test_unknown_pages_answer_404_in_the_visitors_language(app_url: str) -> None:
    answer = httpx.get(f"{app_url}/no/such/page", headers={"Accept-Language": "es"}, timeout=10)
    assert answer.status_code == 404 and "No encontramos la página." in answer.text
