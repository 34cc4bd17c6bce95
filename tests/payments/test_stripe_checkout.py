"""Stripe Connect end to end through the real SDK and the local Stripe: onboarding, the Checkout
Session's parameters, webhooks (signature, tolerance, de-duplication), refunds, payouts."""

from __future__ import annotations

import email
import json
from datetime import timedelta
from pathlib import Path

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.money import FeeMode
from eventflow.domain.payments.gateway import CheckoutRequest, LineItem
from eventflow.domain.payments.records import PaymentState, RefundReason
from eventflow.domain.payments.settle import SESSION_GRACE
from tests.payments.conftest import Shop, assert_ledger
from tests.stripe_fake import FakeStripe


def test_onboarding_makes_an_express_account_and_account_updated_enables_charges(shop: Shop) -> None:
    ticketing = shop.services.ticketing
    shop.organizer = ticketing.sign_up("ada@example.com", "correct horse", "Ada")
    shop.token = shop.services.tokens.organizer_token(shop.organizer)
    assert shop.client.get("/api/v1/payments/account", headers=shop.auth).json() == {
        "connected": False, "account_id": None, "charges_enabled": False, "payouts_enabled": False,
        "details_submitted": False, "requirements_due": [], "disabled_reason": None}

    first = shop.client.post("/api/v1/payments/onboarding", headers=shop.auth).json()
    again = shop.client.post("/api/v1/payments/onboarding", headers=shop.auth).json()
    assert first["account_id"] == again["account_id"] and first["url"].startswith(f"{shop.fake.url}/onboarding/")
    [created] = shop.fake.calls("POST", "/v1/accounts")  # the second link reuses the account
    assert created.params["type"] == "express" and created.params["email"] == "ada@example.com"
    requested = {"requested": "true"}
    assert created.params["capabilities"] == {"card_payments": requested, "transfers": requested}
    assert created.idempotency_key == f"eventflow-account-{shop.organizer.id}"
    links = shop.fake.calls("POST", "/v1/account_links")
    assert links[0].params == {"account": first["account_id"], "type": "account_onboarding",
                               "refresh_url": "http://shop.test/dashboard/payments/refresh",
                               "return_url": "http://shop.test/dashboard/payments/return"}

    # Paid tiers cannot go on sale yet, with a message that says why and what to do.
    starts = shop.clock.now() + timedelta(days=9)
    event = ticketing.catalog.create_event(shop.organizer.id, title="Paid gig", starts_at=starts,
                                   ends_at=starts + timedelta(hours=2), timezone="UTC", currency="EUR")
    ticketing.catalog.add_tier(shop.organizer.id, event.id, name="Entry", price_minor=1500, capacity=50)
    refused = shop.client.post(f"/api/v1/events/{event.id}/publish", headers=shop.auth)
    assert refused.status_code == 409 and refused.json()["error"] == "payments_not_ready"
    assert "charges" in refused.json()["detail"] and "Dashboard → Payments" in refused.json()["detail"]
    account = shop.client.get("/api/v1/payments/account", headers=shop.auth).json()
    assert account["connected"] and not account["charges_enabled"] and "external_account" in account["requirements_due"]

    shop.fake.complete_onboarding(first["account_id"])
    assert shop.fake.deliver_all() == [200]
    account = shop.client.get("/api/v1/payments/account", headers=shop.auth).json()
    assert account["charges_enabled"] and account["payouts_enabled"] and account["requirements_due"] == []
    assert shop.client.post(f"/api/v1/events/{event.id}/publish", headers=shop.auth).status_code == 200
    # account.updated is not trusted as a snapshot: the account is read again from Stripe.
    assert shop.fake.calls("GET", f"/v1/accounts/{first['account_id']}")


def test_free_events_go_on_sale_without_onboarding(shop: Shop) -> None:
    ticketing = shop.services.ticketing
    organizer = ticketing.sign_up("free@example.com", "correct horse", "Free")
    starts = shop.clock.now() + timedelta(days=9)
    event = ticketing.catalog.create_event(organizer.id, title="Open day", starts_at=starts,
                                   ends_at=starts + timedelta(hours=2), timezone="UTC", currency="EUR")
    ticketing.catalog.add_tier(organizer.id, event.id, name="Free", price_minor=0, capacity=50)
    assert ticketing.catalog.publish(organizer.id, event.id).status.value == "published"


def test_checkout_session_is_a_destination_charge_matching_the_breakdown(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(2500, 1000))
    reservation = shop.reserve(event, (tiers[0], 2), (tiers[1], 1))
    session_id = shop.checkout(reservation)
    [request] = shop.fake.calls("POST", "/v1/checkout/sessions")
    params = request.params
    account = shop.payments.account(shop.organizer.id)
    assert params["mode"] == "payment"
    assert [(i["price_data"]["product_data"]["name"], int(i["price_data"]["unit_amount"]), int(i["quantity"]))
            for i in params["line_items"]] == [
        ("Tier 0 · Harbour Lights", 2500, 2), ("Tier 1 · Harbour Lights", 1000, 1),
        ("Platform fee", reservation.fee_minor, 1)]
    assert {i["price_data"]["currency"] for i in params["line_items"]} == {"eur"}
    assert reservation.fee_minor == 2 * (63 + 30) + (25 + 30)  # 2.5 % half up + 0.30 per ticket
    total = sum(int(i["price_data"]["unit_amount"]) * int(i["quantity"]) for i in params["line_items"])
    assert total == reservation.total_minor == 6241
    intent = params["payment_intent_data"]
    assert int(intent["application_fee_amount"]) == reservation.fee_minor
    assert intent["transfer_data"] == {"destination": account.account_id}
    assert intent["metadata"] == params["metadata"] == {"reservation_id": reservation.id, "event_id": event.id}
    assert params["client_reference_id"] == reservation.id and params["customer_email"] == "buyer@example.com"
    assert params["success_url"] == f"http://shop.test/pay/stripe/return/{reservation.id}?session_id={{CHECKOUT_SESSION_ID}}"
    assert params["cancel_url"] == f"http://shop.test/checkout/{reservation.id}"
    assert int(params["expires_at"]) == int((reservation.expires_at + SESSION_GRACE).timestamp())
    assert request.idempotency_key == f"eventflow-checkout-{reservation.id}-1"

    # A double click (or a second tab) gets the same session and asks Stripe for nothing new.
    assert shop.checkout(reservation) == session_id
    assert len(shop.fake.calls("POST", "/v1/checkout/sessions")) == 1
    page = shop.client.get(f"/api/v1/reservations/{reservation.id}").json()
    assert page["total_minor"] == total and page["fee_minor"] == reservation.fee_minor


def test_organizer_absorbing_the_fee_charges_the_sticker_price(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(2000,), capacities=(10,), fee_mode="organizer_absorbs")
    reservation, _ = shop.buy(event, (tiers[0], 3))
    [request] = shop.fake.calls("POST", "/v1/checkout/sessions")
    items = request.params["line_items"]
    assert [(int(i["price_data"]["unit_amount"]), int(i["quantity"])) for i in items] == [(2000, 3)]
    fee = int(request.params["payment_intent_data"]["application_fee_amount"])
    assert fee == 3 * (50 + 30) == reservation.fee_minor
    assert reservation.total_minor == 6000 and reservation.fee_mode is FeeMode.ORGANIZER_ABSORBS


def test_a_paid_session_issues_tickets_once_however_often_stripe_says_so(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 2))
    shop.fake.pay(session_id)
    [completed] = shop.fake.take("checkout.session.completed")
    for _ in range(3):
        shop.fake.outbox.append(completed)
    assert shop.fake.deliver_all() == [200, 200, 200]
    assert shop.store.webhook_event_done(completed["id"])
    order = shop.store.get_order(shop.store.get_reservation(reservation.id).order_id)
    assert len(order.tickets) == 2 and order.payment_ref == shop.fake.sessions[session_id]["payment_intent"]
    assert [m.name for m in shop.mails()] == [f"{order.id}.eml"]
    assert shop.client.post(f"/api/v1/reservations/{reservation.id}/checkout").json()["status"] == "paid"
    ledger = shop.client.get(f"/api/v1/events/{event.id}/ledger", headers=shop.auth).json()
    assert ledger == {"currency": "EUR", "orders": 1, "charged_minor": 5186, "platform_fee_minor": 186,
                      "refunded_minor": 0, "fee_refunded_minor": 0, "organizer_net_minor": 5000, "pending_refunds": 0}
    assert_ledger(shop)


def test_redelivered_event_answers_duplicate(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event()
    _, session_id = shop.buy(event, (tiers[0], 1))
    shop.fake.pay(session_id)
    [completed] = shop.fake.take()
    payload = shop.fake.payload(completed)
    headers = {"Stripe-Signature": shop.fake.sign(payload), "Content-Type": "application/json"}
    for expected in ("processed", "duplicate", "duplicate"):
        answer = shop.client.post("/api/v1/stripe/webhook", content=payload, headers=headers)
        assert answer.json() == {"status": expected}
    other = json.dumps({**completed, "id": "evt_unhandled", "type": "customer.created"}).encode()
    answer = shop.client.post("/api/v1/stripe/webhook", content=other,
                              headers={"Stripe-Signature": shop.fake.sign(other)})
    assert answer.json() == {"status": "ignored"}


@pytest.mark.parametrize("tamper", ["payload", "secret", "too_old", "missing", "garbage"])
def test_a_webhook_that_does_not_verify_is_400_and_changes_nothing(ready_shop: Shop, tamper: str) -> None:
    shop = ready_shop
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 1))
    shop.fake.pay(session_id)
    [completed] = shop.fake.take()
    payload = shop.fake.payload(completed)
    headers = {"Content-Type": "application/json", "Stripe-Signature": shop.fake.sign(payload)}
    if tamper == "payload":
        payload = payload.replace(b'"paid"', b'"PAID"')
    elif tamper == "secret":
        headers["Stripe-Signature"] = shop.fake.sign(payload, secret="whsec_someone_else")
    elif tamper == "too_old":  # a replay from beyond the tolerance (five minutes)
        import time

        headers["Stripe-Signature"] = shop.fake.sign(payload, timestamp=int(time.time()) - 301)
    elif tamper == "missing":
        del headers["Stripe-Signature"]
    else:
        headers["Stripe-Signature"] = "t=abc,v1=zz"
    response = shop.client.post("/api/v1/stripe/webhook", content=payload, headers=headers)
    assert response.status_code == 400 and response.json()["error"] == "bad_signature"
    assert set(response.json()) == {"error", "detail"}
    assert shop.store.get_reservation(reservation.id).status.value == "held"
    assert shop.store.get_payment(reservation.id).state is PaymentState.OPEN
    assert not shop.store.webhook_event_done(completed["id"])
    assert shop.store.begin_webhook_event(completed["id"], "x", shop.clock.now(), shop.clock.now())  # never claimed


def test_refunds_single_tickets_then_the_rest_with_fee_and_transfer_in_proportion(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(1000, 10000), capacities=(10, 10))
    reservation, session_id = shop.buy(event, (tiers[0], 1), (tiers[1], 1))
    shop.fake.pay(session_id)
    shop.fake.deliver_all()
    order = shop.store.get_order(shop.store.get_reservation(reservation.id).order_id)
    cheap = next(t for t in order.tickets if t.tier_id == tiers[0].id)
    assert (order.total_minor, order.fee_minor) == (1055 + 10280, 55 + 280)

    first = shop.client.post(f"/api/v1/events/{event.id}/refunds", headers=shop.auth,
                             json={"order_id": order.id, "ticket_ids": [cheap.id]})
    assert first.status_code == 201, first.text
    refund = first.json()
    # The buyer gets the ticket's price and fee back; the fee goes back in proportion to the refund.
    assert refund["amount_minor"] == 1055 and refund["fee_minor"] == 31  # 335 * 1055 / 11335 = 31.18
    assert refund["transfer_reversal_minor"] == 1055 - refund["fee_minor"]
    [call] = shop.fake.calls("POST", "/v1/refunds")
    assert call.params["amount"] == "1055" and call.params["payment_intent"] == order.payment_ref
    assert call.params["refund_application_fee"] == "true" and call.params["reverse_transfer"] == "true"
    assert call.idempotency_key == refund["id"]
    assert shop.fake.fee_refunds[-1]["amount"] == refund["fee_minor"]
    assert shop.fake.transfer_reversals[-1]["amount"] == refund["transfer_reversal_minor"]
    assert shop.store.get_ticket(cheap.id).status == "void"
    assert {t.id: t.sold for t in shop.store.get_tiers(event.id)}[tiers[0].id] == 0  # back on sale
    shop.fake.deliver_all()  # charge.refunded: nothing new to record

    again = shop.client.post(f"/api/v1/events/{event.id}/refunds", headers=shop.auth,
                             json={"order_id": order.id, "ticket_ids": [cheap.id]})
    assert again.status_code == 409
    rest = shop.client.post(f"/api/v1/events/{event.id}/refunds", headers=shop.auth, json={"order_id": order.id})
    assert rest.status_code == 201 and rest.json()["amount_minor"] == 10280
    assert refund["fee_minor"] + rest.json()["fee_minor"] == 335  # exactly the whole fee over both refunds
    assert sum(f["amount"] for f in shop.fake.fee_refunds) == 335
    assert shop.fake.charges[shop.fake.intents[order.payment_ref]["latest_charge"]]["refunded"]
    ledger = shop.client.get(f"/api/v1/events/{event.id}/ledger", headers=shop.auth).json()
    assert ledger["charged_minor"] == ledger["refunded_minor"] == 11335
    assert ledger["platform_fee_minor"] == ledger["fee_refunded_minor"] == 335 and ledger["organizer_net_minor"] == 0
    notices = [m for m in shop.mails() if m.name.startswith("rf_")]
    assert len(notices) == 2
    assert "no longer valid" in email.message_from_bytes(notices[0].read_bytes()).get_payload()
    shop.fake.deliver_all()
    assert_ledger(shop)


def test_a_refund_can_leave_the_tickets_off_sale(tmp_path: Path, clock: ManualClock, fake: FakeStripe) -> None:
    from tests.payments.conftest import make_shop

    shop = make_shop(tmp_path, clock, fake, refund_restock=False)
    shop.onboard()
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 2))
    shop.fake.pay(session_id)
    shop.fake.deliver_all()
    order_id = shop.store.get_reservation(reservation.id).order_id
    answer = shop.client.post(f"/api/v1/events/{event.id}/refunds", headers=shop.auth, json={"order_id": order_id})
    assert answer.json()["restock"] is False
    assert {t.id: t.sold for t in shop.store.get_tiers(event.id)}[tiers[0].id] == 2
    assert all(t.status == "void" for t in shop.store.get_order(order_id).tickets)
    restocked = shop.client.post(f"/api/v1/events/{event.id}/refunds", headers=shop.auth,
                                 json={"order_id": order_id, "restock": True})
    assert restocked.status_code == 409  # nothing left to refund
    shop.fake.deliver_all()
    assert_ledger(shop)


def test_payouts_panel_reads_the_connected_account_with_its_header(ready_shop: Shop) -> None:
    shop = ready_shop
    account_id = shop.payments.account(shop.organizer.id).account_id
    event, tiers = shop.event()
    _, session_id = shop.buy(event, (tiers[0], 2))
    shop.fake.pay(session_id)
    shop.fake.deliver_all()
    shop.fake.make_available(account_id)
    shop.fake.add_payout(account_id, 3000, "eur")
    answer = shop.client.get("/api/v1/payments/payouts", headers=shop.auth).json()
    assert answer["available"] == [{"amount_minor": 5000 - 3000, "currency": "EUR"}]
    assert [(p["amount_minor"], p["currency"], p["status"]) for p in answer["payouts"]] == [(3000, "EUR", "paid")]
    assert [r.stripe_account for r in shop.fake.calls("GET", "/v1/balance")] == [account_id]
    assert [r.stripe_account for r in shop.fake.calls("GET", "/v1/payouts")] == [account_id]


def test_a_declined_card_leaves_the_session_open_for_another_try(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 1))
    shop.fake.decline(session_id, "Your card has insufficient funds.")
    assert shop.fake.deliver_all() == [200]
    payment = shop.store.get_payment(reservation.id)
    assert payment.state is PaymentState.OPEN and payment.last_error == "Your card has insufficient funds."
    shop.fake.pay(session_id)
    shop.fake.deliver_all()
    assert shop.store.get_payment(reservation.id).state is PaymentState.PAID
    assert_ledger(shop)


@pytest.mark.parametrize("succeeds", [True, False])
def test_a_delayed_bank_payment_settles_later(ready_shop: Shop, succeeds: bool) -> None:
    shop = ready_shop
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 1))
    shop.fake.pay(session_id, delayed=True)
    shop.fake.deliver_all()
    assert shop.store.get_payment(reservation.id).state is PaymentState.AWAITING
    shop.fake.settle_delayed(session_id, succeeds)
    shop.fake.deliver_all()
    payment = shop.store.get_payment(reservation.id)
    if succeeds:
        assert payment.state is PaymentState.PAID
    else:
        assert payment.state is PaymentState.FAILED
        assert shop.store.get_reservation(reservation.id).status.value == "cancelled"
    assert_ledger(shop)


def test_a_second_payment_for_a_paid_reservation_is_refunded(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 1))
    # A second session for the same reservation, as if made under another key (e.g. after 24 hours).
    first = shop.payments.checkout_request(reservation, event, shop.payments.account(shop.organizer.id), 1)
    request = CheckoutRequest(**{**{f: getattr(first, f) for f in first.__dataclass_fields__},
                                 "idempotency_key": "another-key"})
    assert request.line_items == first.line_items and isinstance(request.line_items[0], LineItem)
    other = shop.payments.gateway.create_session(request)
    shop.fake.pay(session_id)
    shop.fake.pay(other.session_id)
    shop.fake.deliver_all()
    [refund] = [r for r in shop.store.list_refunds(event.id)]
    assert refund.reason is RefundReason.DUPLICATE and refund.amount_minor == reservation.total_minor
    assert shop.store.get_payment(reservation.id).state is PaymentState.PAID
    assert any("second payment" in m.read_text() for m in shop.mails())
    shop.fake.deliver_all()
    assert_ledger(shop)
