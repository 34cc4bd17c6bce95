"""Cancelling, voiding and refunds on request when the charges held the processor's fee (the local
Stripe charges EUR 2.5 % + 25, the domain's table): the buyer gets back everything paid (platform
fee and a passed-on "Payment processing" line included), the organizer carries the processor's fee
through one account debit per order (a transfer from their account to the platform), and the
platform ends at exactly zero, never below it on the way. Through the real SDK."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.models import TicketStatus
from eventflow.domain.payments.records import RefundReason, RefundStatus
from eventflow.domain.processing_fees import ProcessingFees
from tests.payments.conftest import Shop, make_shop
from tests.stripe_fake import FakeStripe

PAID, FREE, PARTLY = 8, 2, 3


@pytest.fixture(params=[ProcessingFees.ABSORB, ProcessingFees.PASS_ON])
def fee_shop(request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock, fake: FakeStripe) -> Iterator[Shop]:
    fake.processor_prices = {"eur": (250, 25)}
    shop = make_shop(tmp_path, clock, fake, processor_prices=None, processing_fees=request.param.value)
    shop.onboard()
    yield shop
    shop.client.close()
    shop.store.close()


def balance(shop: Shop, account: str) -> int:
    return shop.fake.balances[account]["pending"].get("eur", 0)


def account_id(shop: Shop) -> str:
    assert shop.organizer is not None
    return shop.store.get_connected_account(shop.organizer.id).account_id


def test_cancelling_gives_everything_back_and_the_organizer_carries_the_processors_fee(fee_shop: Shop) -> None:
    shop = fee_shop
    event, tiers = shop.event(prices=(1800, 0), capacities=(50, 10))
    for n in range(PAID):
        _, session_id = shop.buy(event, (tiers[0], 1 + n % 2))
        shop.fake.pay(session_id)
    for _ in range(FREE):
        free = shop.reserve(event, (tiers[1], 1))
        assert shop.client.post(f"/api/v1/reservations/{free.id}/checkout").json()["status"] == "paid"
    shop.fake.deliver_all()
    orders = shop.store.list_orders(event.id)
    for order in [o for o in orders if o.total_minor and len(o.tickets) == 2][:PARTLY]:
        response = shop.client.post(f"/api/v1/events/{event.id}/refunds", headers=shop.auth,
                                    json={"order_id": order.id, "ticket_ids": [order.tickets[0].id]})
        assert response.status_code == 201, response.text
    assert balance(shop, "platform") >= 0
    processing = sum(shop.store.get_payment(o.reservation_id).processing_minor for o in orders if o.total_minor)
    assert processing > 0

    # Stripe does not answer one refund (every SDK retry): that order waits for the retry button,
    # its debit and reversal already made; the retry asks with the same keys: nothing twice.
    shop.fake.fail_next("POST", "/v1/refunds", times=4)
    response = shop.client.post(f"/api/v1/events/{event.id}/cancel", headers=shop.auth, json={"message": "Flood."})
    assert response.status_code == 202
    shop.services.cancellations.run_due()
    change = shop.store.get_event_change(event.id)
    assert change.failed == 1 and balance(shop, "platform") >= 0
    shop.services.cancellations.retry_failures(shop.organizer.id, event.id)
    shop.services.cancellations.run_due()
    change = shop.store.get_event_change(event.id)
    assert change.failed == 0 and change.done == PAID + FREE

    # Every paid session back to the cent, one debit per paid order of exactly its processing fee.
    for session in shop.fake.paid_sessions():
        assert sum(r["amount"] for r in shop.fake.refunds_of(session["payment_intent"])) == session["amount_total"]
    debits = Counter(d["metadata"]["reservation_id"] for d in shop.fake.account_debits)
    paid_orders = [o for o in orders if o.total_minor]
    assert sorted(debits) == sorted(o.reservation_id for o in paid_orders) and set(debits.values()) == {1}
    for debit in shop.fake.account_debits:
        payment = shop.store.get_payment(debit["metadata"]["reservation_id"])
        assert debit["amount"] == payment.processing_minor and debit["_source_account"] == payment.account_id
        assert debit["destination"] == shop.fake.platform_id
    assert balance(shop, "platform") == 0  # fees given back, the processor paid by the organizer
    assert balance(shop, account_id(shop)) == -processing

    ours = [r for r in shop.store.list_refunds(event.id) if r.reason is RefundReason.EVENT_CANCELLED]
    assert len(ours) == PAID + FREE and all(r.status is RefundStatus.SUCCEEDED for r in ours)
    assert all(t.status is TicketStatus.VOID for o in shop.store.list_orders(event.id) for t in o.tickets)
    ledger = shop.client.get(f"/api/v1/events/{event.id}/ledger", headers=shop.auth).json()
    assert ledger["refunded_minor"] == ledger["charged_minor"] > 0
    assert ledger["fee_refunded_minor"] == ledger["platform_fee_minor"] and ledger["pending_refunds"] == 0
    assert ledger["organizer_net_minor"] == -processing  # what the debits took, nothing else
    mail = shop.store.get_outbox_message(f"cancel:{paid_orders[-1].id}").mail.text
    payment = shop.store.get_payment(paid_orders[-1].reservation_id)
    assert f"{payment.amount_minor / 100:.2f}" in mail


def test_a_voided_order_and_a_refund_on_request_give_back_everything_paid(fee_shop: Shop) -> None:
    shop = fee_shop
    event, tiers = shop.event(prices=(2500,), capacities=(10,))
    reservations = []
    for _ in range(2):
        reservation, session_id = shop.buy(event, (tiers[0], 2))
        shop.fake.pay(session_id)
        reservations.append(reservation)
    shop.fake.deliver_all()
    voided, asked = (shop.store.get_order(shop.store.get_reservation(r.id).order_id) for r in reservations)

    first = shop.client.post(f"/api/v1/orders/{voided.id}/void", headers=shop.auth, json={"reason": "Twice"})
    assert first.status_code == 200, first.text
    assert first.json()["refunded_minor"] == shop.store.get_payment(voided.reservation_id).amount_minor

    starts = shop.clock.now() + timedelta(days=60)
    postponed = shop.client.post(f"/api/v1/events/{event.id}/postpone", headers=shop.auth, json={
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "refund_deadline": (shop.clock.now() + timedelta(days=20)).isoformat()})
    assert postponed.status_code == 202, postponed.text
    answer = shop.client.post(f"/api/v1/reservations/{asked.reservation_id}/refund-request")
    assert answer.status_code == 200, answer.text
    assert answer.json()["refunded_minor"] == shop.store.get_payment(asked.reservation_id).amount_minor
    again = shop.client.post(f"/api/v1/orders/{voided.id}/void", headers=shop.auth, json={})
    assert again.json()["refund_id"] == first.json()["refund_id"]  # voiding again moves nothing

    assert len(shop.fake.account_debits) == 2
    assert balance(shop, "platform") == 0
    processing = sum(shop.store.get_payment(r.id).processing_minor for r in reservations)
    assert balance(shop, account_id(shop)) == -processing


def test_a_debit_stripe_refuses_leaves_the_order_for_the_retry_and_moves_no_money(fee_shop: Shop) -> None:
    shop = fee_shop
    event, tiers = shop.event(prices=(2500,), capacities=(10,))
    _, session_id = shop.buy(event, (tiers[0], 1))
    shop.fake.pay(session_id)
    shop.fake.deliver_all()
    platform_before, organizer_before = balance(shop, "platform"), balance(shop, account_id(shop))
    shop.fake.refuse_debits = "This account cannot be debited: no consent on file."
    assert shop.client.post(f"/api/v1/events/{event.id}/cancel", headers=shop.auth, json={}).status_code == 202
    shop.services.cancellations.run_due()
    change = shop.store.get_event_change(event.id)
    assert change.failed == 1 and "no consent on file" in change.failures[0][1]
    assert (balance(shop, "platform"), balance(shop, account_id(shop))) == (platform_before, organizer_before)
    assert not shop.fake.refunds and not shop.fake.transfer_reversals

    shop.fake.refuse_debits = None  # the organizer sorted it out with Stripe; the retry button
    shop.services.cancellations.retry_failures(shop.organizer.id, event.id)
    shop.services.cancellations.run_due()
    assert shop.store.get_event_change(event.id).done == 1
    assert len(shop.fake.account_debits) == 1 and len(shop.fake.refunds) == 1
    assert balance(shop, "platform") == 0
