"""What the screens answer over plain HTTP, before any JavaScript runs: protected pages redirect an
anonymous visitor to the login page with a 303, and unknown pages, events, orders and checkouts
answer 404 with a readable page (against the real server, `app_url`)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

PROTECTED = [
    "/dashboard",
    "/account",
    "/dashboard/payments",
    "/dashboard/events/new",
    "/dashboard/events/evt_unknown",
    "/dashboard/events/evt_unknown/edit",
]
MISSING = {
    "/no/such/page": "page",
    "/e/no-such-event": "event",
    "/r/res_unknown": "order",
    "/checkout/res_unknown": "checkout",
    "/pay/demo/res_unknown": "payment",
}


@pytest.mark.parametrize("path", PROTECTED)
def test_a_protected_page_redirects_an_anonymous_visitor_to_the_login_page(app_url: str, path: str) -> None:
    response = httpx.get(app_url + path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={quote(path)}"


@pytest.mark.parametrize(("path", "what"), MISSING.items())
def test_an_unknown_page_answers_404_with_a_readable_page(app_url: str, path: str, what: str) -> None:
    response = httpx.get(app_url + path, follow_redirects=False)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert f"This {what} does not exist" in response.text
    assert "Back to all events" in response.text


def test_an_unknown_api_path_still_answers_json(app_url: str) -> None:
    response = httpx.get(app_url + "/api/v1/events/evt_unknown", follow_redirects=False)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


def test_logging_out_redirects_to_the_login_page(app_url: str) -> None:
    response = httpx.get(app_url + "/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_the_login_page_itself_is_served(app_url: str) -> None:
    response = httpx.get(app_url + "/login?next=/account", follow_redirects=False)
    assert response.status_code == 200 and "Organizer login" in response.text
