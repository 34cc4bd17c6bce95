"""The public frame and the designed "not found" page, over plain HTTP (the real server, `app_url`)
and in chromium: every public page offers organizers a way in, and an unknown path, event, ticket
or order answers 404 with a page that has a heading and ways on; the JSON API keeps JSON 404s."""

from __future__ import annotations

import re

import httpx
import pytest

UNKNOWN = {"/nope": "page", "/e/unknown-slug": "event", "/t/tkt_unknown": "ticket", "/r/res_unknown": "order",
           "/no/such/deep/path.html": "page"}


def links(html: str) -> set[str]:
    """(text, href) pairs NiceGUI renders for ui.link, read from the page's element JSON."""
    return set(re.findall(r'"href":"([^"]+)"', html))


@pytest.mark.parametrize(("path", "what"), UNKNOWN.items())
def test_an_unknown_path_answers_404_with_the_designed_page(app_url: str, path: str, what: str) -> None:
    response = httpx.get(app_url + path, follow_redirects=False, timeout=10)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "HTTPException" not in html and "Not Found" not in html.replace("Not found · EventFlow", "")
    assert '"tag":"h1"' in html and f"No such {what}." in html
    assert "404 · not found" in html
    assert {"/", "/login"} <= links(html)  # back to the events, or in for organizers


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/events/evt_unknown", "/api/v1/reservations/res_unknown"])
def test_the_api_keeps_json_404s(app_url: str, path: str) -> None:
    response = httpx.get(app_url + path, timeout=10)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("path", ["/", "/login", "/nope"])
def test_the_public_header_offers_organizers_a_way_in(app_url: str, path: str) -> None:
    html = httpx.get(app_url + path, timeout=10).text
    assert "For organizers" in html and "Log in" in html
    assert {"/signup", "/login"} <= links(html)
