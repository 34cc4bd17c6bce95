"""Security headers on every response (pages, API, static files, docs) of the real server, and a
headless chromium showing the pages still work under the Content-Security-Policy: no violation in
the console, the websocket handshake done, a server round trip answered."""

from __future__ import annotations

import warnings
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from eventflow.app.headers import SecurityHeaders
from tests.server import running_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PATHS = ["/", "/login", "/e/no-such-event", "/api/v1/health", "/api/v1/no-such-route", "/docs",
         "/openapi.json", "/door/door.js", "/door-sw.js", "/covers/nothing.jpg"]


def assert_hardened(response: httpx.Response) -> str:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", response.url
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin", response.url
    assert headers["x-frame-options"] == "DENY", response.url
    policy = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy, response.url
    return str(policy)


@pytest.mark.parametrize("path", PATHS)
def test_every_kind_of_response_carries_the_headers(app_url: str, path: str) -> None:
    response = httpx.get(f"{app_url}{path}", timeout=10)
    policy = assert_hardened(response)
    assert "strict-transport-security" not in response.headers  # BASE_URL is http here
    if path.startswith("/api/"):
        assert policy.startswith("default-src 'none'")
    elif path not in ("/docs", "/openapi.json"):
        assert "object-src 'none'" in policy and "script-src 'self' 'unsafe-inline'" in policy
        assert "https:" not in policy  # nothing loads from another origin


def test_hsts_only_when_the_public_address_is_https(tmp_path: Path) -> None:
    with running_app(tmp_path, EVENTFLOW_BASE_URL="https://tickets.example.com") as url:
        for path in ("/", "/api/v1/health"):
            response = httpx.get(f"{url}{path}", timeout=10)
            assert_hardened(response)
            assert response.headers["strict-transport-security"] == "max-age=31536000"
        assert "wss://tickets.example.com" in httpx.get(url, timeout=10).headers["content-security-policy"]


def asgi_app(frameable: tuple[str, ...] = (), ancestors: tuple[str, ...] = ()) -> TestClient:
    def own_policy(_: Request) -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Content-Security-Policy": "sandbox"})

    def plain(_: Request) -> PlainTextResponse:
        return PlainTextResponse("x")

    inner = Starlette(routes=[Route("/own", own_policy), Route("/{path:path}", plain)])
    return TestClient(SecurityHeaders(inner, base_url="http://localhost:8080", frameable=frameable,
                                      frame_ancestors=ancestors))


def test_a_route_that_sets_its_own_header_keeps_it() -> None:
    with asgi_app() as client:
        response = client.get("/own")
        assert response.headers["content-security-policy"] == "sandbox"
        assert response.headers.get_list("content-security-policy") == ["sandbox"]
        assert response.headers["x-frame-options"] == "DENY"


def test_the_widget_hook_lets_only_its_paths_be_framed_by_the_named_sites() -> None:
    with asgi_app(frameable=("/embed/",), ancestors=("https://organizer.example",)) as client:
        widget = client.get("/embed/e/party")
        assert "x-frame-options" not in widget.headers
        assert "frame-ancestors https://organizer.example" in widget.headers["content-security-policy"]
        page = client.get("/e/party")
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def csp_violations(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Content-Security-Policy" in entry["message"]]


@pytest.mark.browser
def test_pages_work_under_the_policy(app_url: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.browser.test_live_event_page import make_event

    event = make_event(app_url, capacities=(10, 10))
    driver = browser()
    for path in ("/", f"/e/{event['slug']}", "/login", "/signup"):
        driver.get(f"{app_url}{path}")
        WebDriverWait(driver, 15).until(lambda d: d.execute_script("return window.did_handshake === true"))
        assert driver.find_elements(By.CSS_SELECTOR, "#app *"), path  # Vue mounted the page
        assert csp_violations(driver) == [], path
    # A round trip over the websocket: a click goes to the server, the new count comes back.
    from tests.browser.test_checkout_flow import by_testid, until

    driver.get(f"{app_url}/e/{event['slug']}")
    tier = event["tiers"][0]["id"]
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return window.did_handshake === true"))
    by_testid(driver, f"plus-{tier}").click()
    until(driver, 5, lambda d: by_testid(d, f"qty-{tier}").text == "1")
    assert csp_violations(driver) == []
    # The ticket page: the wallet module, its service worker and the rotating QR code.
    free = event["tiers"][1]["id"]
    held = httpx.post(f"{app_url}/api/v1/events/{event['id']}/reservations", timeout=10, json={
        "lines": [{"tier_id": free, "quantity": 1}], "buyer": {"email": "csp@example.com", "name": "C"}})
    [ticket] = httpx.post(f"{app_url}/api/v1/reservations/{held.json()['id']}/checkout", timeout=10).json()["tickets"]
    driver.get(app_url + "/" + ticket["url"].split("/", 3)[3])
    until(driver, 15, lambda d: by_testid(d, "qr").get_attribute("data-payload"))
    assert csp_violations(driver) == []
