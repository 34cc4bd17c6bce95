"""Stripe in a real browser: the organizer onboards through the hosted onboarding page and back, a
buyer on a phone is redirected to the hosted Checkout page (the local Stripe's stand-in), pays, comes
back to EventFlow and sees the tickets; the organizer refunds a ticket from the event dashboard."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, closed_dialog, fill, settled_dialog, until, wait_testid
from tests.server import free_port, running_app
from tests.stripe_fake import FakeStripe

pytestmark = pytest.mark.browser


def test_onboarding_then_a_phone_buyer_pays_on_stripe_and_gets_tickets(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    with FakeStripe() as fake:
        fake.webhook_target = f"http://127.0.0.1:{port}/api/v1/stripe/webhook"
        fake.auto_deliver = True
        env = {"EVENTFLOW_BASE_URL": f"http://127.0.0.1:{port}", "EVENTFLOW_STRIPE_SECRET_KEY": "sk_test_browser",
               "EVENTFLOW_STRIPE_WEBHOOK_SECRET": fake.webhook_secret, "EVENTFLOW_STRIPE_API_BASE": fake.url,
               "EVENTFLOW_PROCESSOR_PRICES": "*=0%"}  # the local Stripe charges no processor fee
        with running_app(tmp_path, port=port, **env) as url:
            # The organizer signs up and connects Stripe through the hosted onboarding.
            organizer = browser(DESKTOP)
            organizer.get(f"{url}/signup")
            wait_testid(organizer, "signup-name")
            fill(organizer, "signup-name", "Harbour Collective")
            fill(organizer, "signup-email", "harbour@example.com")
            fill(organizer, "signup-password", "a long secret")
            by_testid(organizer, "signup-submit").click()
            until(organizer, 10, lambda d: d.current_url.endswith("/dashboard"))
            wait_testid(organizer, "payments").click()
            wait_testid(organizer, "start-onboarding").click()
            until(organizer, 10, lambda d: "/onboarding/acct_" in d.current_url)
            assert fake.url in organizer.current_url
            wait_testid(organizer, "onboard-submit").click()
            until(organizer, 10, lambda d: d.current_url.endswith("/dashboard/payments"))
            until(organizer, 10, lambda d: "ready" in by_testid(d, "account-state").text)
            until(organizer, 10, lambda d: "Available" in by_testid(d, "balance-available").text)
            screenshot(organizer, "payments-setup-desktop")

            api = httpx.Client(base_url=f"{url}/api/v1", timeout=10)
            token = api.post("/auth/token", json={"email": "harbour@example.com", "password": "a long secret"})
            auth = {"Authorization": f"Bearer {token.json()['token']}"}
            event = api.post("/events", headers=auth, json={
                "title": "Harbour Lights", "starts_at": "2027-02-06T19:00:00+00:00",
                "ends_at": "2027-02-06T23:00:00+00:00", "timezone": "Europe/London", "currency": "GBP",
                "fee_mode": "buyer_pays"}).json()
            tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                            json={"name": "Quayside", "price_minor": 1500, "capacity": 30}).json()
            assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200

            # A buyer on a phone: choose, reserve, pay on Stripe's page, come back to the tickets.
            phone = browser(PHONE)
            phone.get(f"{url}/e/{event['slug']}")
            wait_testid(phone, f"plus-{tier['id']}").click()
            by_testid(phone, f"plus-{tier['id']}").click()
            until(phone, 5, lambda d: by_testid(d, "total").text == "£31.36")
            fill(phone, "buyer-name", "Grace Hopper")
            fill(phone, "buyer-email", "grace@example.com")
            by_testid(phone, "reserve").click()
            until(phone, 10, lambda d: "/checkout/" in d.current_url)
            reservation_id = phone.current_url.rsplit("/", 1)[-1]
            wait_testid(phone, "pay").click()
            until(phone, 15, lambda d: d.current_url.startswith(f"{fake.url}/checkout/cs_test_"))
            lines = [row.text for row in phone.find_elements(By.CSS_SELECTOR, '[data-testid="line"]')]
            assert lines == ["2 × Quayside · Harbour Lights 3000 GBP", "1 × Platform fee 136 GBP"]
            assert by_testid(phone, "stripe-total").text == "Total 3136 GBP"
            screenshot(phone, "stripe-checkout-phone")
            by_testid(phone, "stripe-pay").click()
            until(phone, 15, lambda d: f"/r/{reservation_id}" in d.current_url)
            wait_testid(phone, "order-confirmed")
            assert re.search(r"Order ord_\S+ · £31\.36", phone.page_source)
            screenshot(phone, "stripe-order-phone")
            assert httpx.get(f"{url}/api/v1/events/{event['id']}").json()["tiers"][0]["available"] == 28
            [session] = fake.paid_sessions()
            assert session["metadata"]["reservation_id"] == reservation_id

            # The organizer refunds one of the two tickets from the event dashboard.
            organizer.get(f"{url}/dashboard/events/{event['id']}")
            until(organizer, 10, lambda d: by_testid(d, "ledger-charged").text == "£31.36")
            order_id = api.get(f"/reservations/{reservation_id}").json()["order_id"]
            # The live panel may be rebuilt under us: click inside a wait that shrugs off a stale element.
            until(organizer, 5, lambda d: by_testid(d, f"refund-{order_id}").click() or True)
            settled_dialog(organizer)
            boxes = until(organizer, 5, lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid^="refund-ticket-"]'))
            assert len(boxes) == 2
            boxes[1].click()  # keep the second ticket
            by_testid(organizer, "refund-confirm").click()
            until(organizer, 10, lambda d: by_testid(d, "ledger-refunded").text == "£15.68")
            closed_dialog(organizer)
            screenshot(organizer, "money-panel-desktop", "money-panel")
            [refund] = fake.refunds.values()
            assert refund["amount"] == 1568 and refund["_refund_application_fee"] and refund["_reverse_transfer"]
            assert httpx.get(f"{url}/api/v1/events/{event['id']}").json()["tiers"][0]["available"] == 29
            phone.get(f"{url}/r/{reservation_id}")  # the buyer's order page marks the refunded ticket
            wait_testid(phone, "refunded-1")
            assert wait_testid(phone, "open-ticket-2")
            api.close()
