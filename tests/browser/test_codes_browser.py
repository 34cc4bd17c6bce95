"""Access codes in chromium (issue 12). On a phone, a VIP link shows the hidden tier with its discounted
price and breakdown; the buyer pays and gets the ticket; a used-up code says so on the page. On a
desktop, the organizer makes a code in the editor's Codes panel, copies its link and scans its QR."""

from __future__ import annotations

import io
import secrets

import httpx
import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, settled_dialog, until, wait_testid

pytestmark = pytest.mark.browser


def vip_event(app_url: str) -> dict:
    """A published event (GBP, buyers pay the fee) with a public and a hidden tier; the organizer's token."""
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as api:
        email = f"codes-{secrets.token_hex(4)}@example.com"
        signup = {"email": email, "password": "long enough", "name": "Vic"}
        token = api.post("/auth/signup", json=signup).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        event = api.post("/events", headers=auth, json={
            "title": "Harbour Gala", "starts_at": "2026-12-20T19:00:00+00:00", "ends_at": "2026-12-20T23:00:00+00:00",
            "timezone": "Europe/London", "venue": "Pier 3", "currency": "GBP", "description": "A night by the sea.",
            "fee_mode": "buyer_pays",
        }).json()
        tiers = [api.post(f"/events/{event['id']}/tiers", headers=auth, json=tier).json() for tier in (
            {"name": "Promenade", "price_minor": 1500, "capacity": 100, "max_per_order": 10},
            {"name": "Captain's Table", "price_minor": 4000, "capacity": 6, "max_per_order": 4, "hidden": True},
        )]
        assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
        return {**event, "tiers": tiers, "auth": auth, "email": email}


def add_code(app_url: str, event: dict, **body: object) -> dict:
    response = httpx.post(f"{app_url}/api/v1/events/{event['id']}/codes", headers=event["auth"], json=body, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def test_phone_vip_link_buys_the_hidden_tier_discounted_and_a_used_up_code_says_so(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    event = vip_event(app_url)
    public, hidden = event["tiers"]
    add_code(app_url, event, code="CAPTAIN25", unlocks_tiers="all", discount_percent=25, max_uses=10)
    add_code(app_url, event, code="ONEGUEST", unlocks_tiers="all", max_uses=1, uses_count="orders")
    taken = httpx.post(f"{app_url}/api/v1/events/{event['id']}/reservations", timeout=10, json={
        "lines": [{"tier_id": hidden["id"], "quantity": 1}], "buyer": {"email": "g@example.com", "name": "Guest"},
        "code": "oneguest"})
    assert taken.status_code == 201, taken.text  # its one use is held
    phone = browser(PHONE)

    # Without a code the hidden tier is not on the page.
    phone.get(f"{app_url}/e/{event['slug']}")
    wait_testid(phone, f"tier-{public['id']}")
    assert not phone.find_elements(By.CSS_SELECTOR, f'[data-testid="tier-{hidden["id"]}"]')

    # The VIP link: the hidden tier, its list price struck through, the discount in the breakdown.
    phone.get(f"{app_url}/e/{event['slug']}?code=captain25")
    wait_testid(phone, f"tier-{hidden['id']}")
    assert "Code CAPTAIN25 applied" in by_testid(phone, "code-applied").text
    assert by_testid(phone, f"list-price-{hidden['id']}").text == "£40.00"
    assert by_testid(phone, f"price-{hidden['id']}").text == "£30.00"
    by_testid(phone, f"plus-{hidden['id']}").click()
    by_testid(phone, f"plus-{hidden['id']}").click()
    until(phone, 5, lambda d: by_testid(d, "discount").text == "−£20.00")  # 2 x 25% of £40
    assert by_testid(phone, "fee").text == "£2.10"  # 2 x (2.5% of £30 + £0.30): on the price paid
    assert by_testid(phone, "total").text == "£62.10"
    fill(phone, "buyer-name", "Vera Vip")
    fill(phone, "buyer-email", "vera@example.com")
    screenshot(phone, "event-vip-code-phone", "code-applied")
    by_testid(phone, "reserve").click()

    until(phone, 10, lambda d: "/checkout/" in d.current_url)
    until(phone, 5, lambda d: by_testid(d, "discount").text == "−£20.00")
    assert "£62.10" in by_testid(phone, "pay").text
    by_testid(phone, "pay").click()
    wait_testid(phone, "demo-pay").click()
    wait_testid(phone, "order-confirmed")
    assert by_testid(phone, "discount").text == "−£20.00"  # the order page keeps the breakdown
    by_testid(phone, "open-ticket-2").click()
    until(phone, 10, lambda d: "/t/" in d.current_url)
    assert by_testid(phone, "holder").text == "Vera Vip"

    codes = httpx.get(f"{app_url}/api/v1/events/{event['id']}/codes", headers=event["auth"]).json()
    captain = next(c for c in codes if c["code"] == "CAPTAIN25")
    assert (captain["uses"], captain["tickets_sold"], captain["discount_given_minor"]) == (2, 2, 2000)

    # A code whose one use is taken says so, and the hidden tier stays hidden.
    phone.get(f"{app_url}/e/{event['slug']}?code=ONEGUEST")
    message = until(phone, 10, lambda d: by_testid(d, "code-message").text)
    assert "used up" in message
    assert not phone.find_elements(By.CSS_SELECTOR, f'[data-testid="tier-{hidden["id"]}"]')


def test_organizer_makes_a_code_in_the_editor_and_shares_its_link(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    import zxingcpp

    event = vip_event(app_url)
    desktop = browser(DESKTOP)
    desktop.get(f"{app_url}/login?next=/dashboard/events/{event['id']}/edit")
    fill(desktop, "login-email", event["email"])
    fill(desktop, "login-password", "long enough")
    by_testid(desktop, "login-submit").click()
    wait_testid(desktop, "codes-new", timeout=15).click()
    fill(desktop, "code-text-new", "sponsors")
    fill(desktop, "code-max-uses-new", "25")
    by_testid(desktop, "code-discount-new").click()
    fill(desktop, "code-amount-new", "10")
    by_testid(desktop, "code-create").click()
    row = until(desktop, 10, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, '[data-testid^="code-row-"]')
                                             if "SPONSORS" in e.text), None))
    assert "0 / 25 uses" in row.text and "Unlocks every hidden tier" in row.text and "10% off every tier" in row.text
    code_id = row.get_attribute("data-testid").removeprefix("code-row-")
    screenshot(desktop, "codes-panel-desktop", "codes-panel")

    by_testid(desktop, f"code-share-{code_id}").click()
    link = until(desktop, 5, lambda d: by_testid(d, "code-link").text.strip())
    assert link.endswith(f"/e/{event['slug']}?code=SPONSORS")
    desktop.execute_script("window.copied = null; navigator.clipboard.writeText = "
                           "(text) => { window.copied = text; return Promise.resolve(); };")
    settled_dialog(desktop)
    by_testid(desktop, "copy-code-link").click()
    assert until(desktop, 5, lambda d: d.execute_script("return window.copied")) == link
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(by_testid(desktop, "code-qr").screenshot_as_png)))
    assert decoded.text == link
    screenshot(desktop, "code-link-desktop", "code-link-dialog")
