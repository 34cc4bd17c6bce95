"""The processor's fee end to end, through the real SDK and a local Stripe that charges it (USD 2.9 %
+ 30, EUR 2.5 % + 25, JPY 3.6 %, the domain's default table): both modes show the same lines at
Stripe as the domain computes, and the platform's balance never goes below zero, on the sale or
after any refund; every refund is fitted to what the processor left (its fee is never refunded)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.processing_fees import PROCESSING_LINE, PROCESSOR_PRICES, ProcessingFees
from tests.payments.conftest import Shop, make_shop
from tests.store.moto_server import REGION, in_process_table
from tests.stripe_fake import FakeStripe

PRICES = {"USD": (1000, 2500), "EUR": (1000, 2500), "JPY": (1500, 3000)}


@pytest.fixture(params=[ProcessingFees.PASS_ON, ProcessingFees.ABSORB])
def charged_shop(request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock,
                 fake: FakeStripe) -> Iterator[Shop]:
    fake.processor_prices = {c.lower(): (p.basis_points, p.fixed_minor) for c, p in PROCESSOR_PRICES.items()}
    shop = make_shop(tmp_path, clock, fake, processor_prices=None, processing_fees=request.param.value)
    shop.onboard()
    yield shop
    shop.client.close()
    shop.store.close()


def platform_balance(shop: Shop, currency: str) -> int:
    return shop.fake.balances["platform"]["pending"].get(currency.lower(), 0)


@pytest.mark.parametrize("currency", ["USD", "EUR", "JPY"])
@pytest.mark.parametrize("fee_mode", ["buyer_pays", "organizer_absorbs"])
def test_the_platform_never_pays_the_processor(charged_shop: Shop, currency: str, fee_mode: str) -> None:
    shop = charged_shop
    mode = shop.payments.config.processing
    event, tiers = shop.event(prices=PRICES[currency], capacities=(10, 10), fee_mode=fee_mode, currency=currency)
    reservation, session_id = shop.buy(event, (tiers[0], 2), (tiers[1], 1))
    split = shop.payments.charge_split(reservation)
    session = shop.fake.sessions[session_id]
    names = [item["price_data"]["product_data"]["name"] for item in session["_line_items"]]
    assert (PROCESSING_LINE in names) is (mode is ProcessingFees.PASS_ON)
    assert session["amount_total"] == split.buyer_total_minor
    assert int(session["_intent_data"]["application_fee_amount"]) == split.application_fee_minor
    if mode is ProcessingFees.PASS_ON:
        assert split.buyer_total_minor == reservation.total_minor + split.processing_minor
    else:
        assert split.buyer_total_minor == reservation.total_minor

    shop.fake.pay(session_id)
    assert set(shop.fake.deliver_all()) == {200}
    charge = shop.fake.charges[shop.fake.intents[session["payment_intent"]]["latest_charge"]]
    assert charge["_processing_fee"] == split.processing_minor  # the estimate is what the processor took
    assert platform_balance(shop, currency) == split.platform_fee_minor >= 0
    order = shop.store.get_order(shop.store.get_reservation(reservation.id).order_id)
    payment = shop.store.get_payment(reservation.id)
    assert payment.processing_minor == split.processing_minor and payment.amount_minor == split.buyer_total_minor
    mails = [m.read_text() for m in shop.mails()]
    assert len(mails) == 1 and order.id in mails[0]
    assert ("incl. Payment processing" in mails[0]) is (mode is ProcessingFees.PASS_ON)
    ledger = shop.client.get(f"/api/v1/events/{event.id}/ledger", headers=shop.auth).json()
    assert ledger["charged_minor"] == split.buyer_total_minor and ledger["organizer_net_minor"] == split.organizer_minor

    # Refund ticket by ticket: the platform never dips below zero, the organizer's reversals never
    # exceed the transfer, and in the end the buyer has everything back but the processor's fee.
    for ticket in order.tickets:
        response = shop.client.post(f"/api/v1/events/{event.id}/refunds", headers=shop.auth,
                                    json={"order_id": order.id, "ticket_ids": [ticket.id]})
        assert response.status_code == 201, response.text
        assert platform_balance(shop, currency) >= 0
    refunds = shop.store.list_refunds(event.id)
    assert sum(r.amount_minor for r in refunds) == split.refundable_minor
    assert sum(r.fee_minor for r in refunds) == split.platform_fee_minor
    assert platform_balance(shop, currency) == 0  # the platform fee went back, the processor's part paid Stripe
    assert shop.fake.balances[payment.account_id]["pending"][currency.lower()] == 0
    ledger = shop.client.get(f"/api/v1/events/{event.id}/ledger", headers=shop.auth).json()
    assert ledger["refunded_minor"] == split.refundable_minor and ledger["organizer_net_minor"] == 0
    for call in shop.fake.calls("POST", "/v1/refunds"):
        assert "refund_application_fee" not in call.params and "reverse_transfer" not in call.params
    assert all(r["explicit"] for r in shop.fake.transfer_reversals)


@pytest.mark.parametrize(("organizer_country", "merchant", "kind"), [
    ("DE", True, "sqlite"), ("DE", True, "dynamodb"), ("US", False, "sqlite"), ("us", False, "dynamodb")])
def test_an_organizer_abroad_is_the_merchant_of_record(tmp_path: Path, clock: ManualClock, fake: FakeStripe,
                                                       organizer_country: str, merchant: bool, kind: str) -> None:
    fake.account_country = organizer_country
    with ExitStack() as stack:
        options = {"stripe_platform_country": "US"}
        if kind == "dynamodb":
            stack.enter_context(in_process_table("eventflow-merchant"))
            options["store"] = f"dynamodb://eventflow-merchant?region={REGION}"
        shop = make_shop(tmp_path, clock, fake, **options)
        stack.callback(shop.client.close)
        stack.callback(shop.store.close)
        account_id = shop.onboard()
        assert shop.store.get_connected_account(shop.organizer.id).country == organizer_country.upper()
        event, tiers = shop.event(prices=(2500,), capacities=(10,))
        _, session_id = shop.buy(event, (tiers[0], 1))
        intent_data = shop.fake.sessions[session_id]["_intent_data"]
        assert intent_data.get("on_behalf_of") == (account_id if merchant else None)
        assert intent_data["transfer_data"]["destination"] == account_id
        shop.fake.pay(session_id)
        assert set(shop.fake.deliver_all()) == {200}


def test_when_nothing_refundable_is_left_a_ticket_is_voided_without_a_refund(
        tmp_path: Path, clock: ManualClock, fake: FakeStripe) -> None:
    """Absorbed: €50.00 + €0.50 tickets, the processor keeps 1.52. Refunding the dear one first gives
    back all that is left (48.98); the cheap one then goes back with nothing to pay: voided, recorded."""
    fake.processor_prices = {"eur": (250, 25)}
    shop = make_shop(tmp_path, clock, fake, processor_prices=None, processing_fees="absorb")
    try:
        shop.onboard()
        event, tiers = shop.event(prices=(5000, 50), capacities=(10, 10), fee_mode="organizer_absorbs")
        reservation, session_id = shop.buy(event, (tiers[0], 1), (tiers[1], 1))
        shop.fake.pay(session_id)
        assert set(shop.fake.deliver_all()) == {200}
        order = shop.store.get_order(shop.store.get_reservation(reservation.id).order_id)
        dear, cheap = sorted(order.tickets, key=lambda t: -t.price_minor)
        amounts = []
        for ticket in (dear, cheap):
            response = shop.client.post(f"/api/v1/events/{event.id}/refunds", headers=shop.auth,
                                        json={"order_id": order.id, "ticket_ids": [ticket.id]})
            assert response.status_code == 201, response.text
            amounts.append(response.json()["amount_minor"])
        assert amounts == [5050 - 152, 0]
        assert len(shop.fake.calls("POST", "/v1/refunds")) == 1
        assert all(shop.store.get_ticket(t.id).status == "void" for t in order.tickets)
        assert platform_balance(shop, "EUR") == 0
    finally:
        shop.client.close()
        shop.store.close()
