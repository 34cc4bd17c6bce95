"""Faults a payment system meets in the wild, each ending with the ledger check (every paid session is
exactly one order with the right tickets, or a full refund; no inventory leaked): lost webhooks,
webhooks twice and out of order, payments after the hold ended (with and without capacity), a
payment racing the session's expiry, Stripe failing or timing out while the session is created,
and deciders racing on one payment. The process kill (SIGKILL) is in test_crash_restart.py."""

from __future__ import annotations

import contextlib
import random
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import Conflict
from eventflow.domain.models import ReservationStatus
from eventflow.domain.payments.records import PaymentState, RefundReason
from tests.payments.conftest import Shop, assert_ledger, make_shop
from tests.stripe_fake import FakeStripe, StripeError

HOLD = timedelta(minutes=15)


def test_a_lost_webhook_is_repaired_by_reconciliation(ready_shop: Shop) -> None:
    shop = ready_shop
    shop.fake.drop_types.add("checkout.session.completed")
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 2))
    shop.fake.pay(session_id)
    assert shop.fake.take() == [] and shop.store.get_payment(reservation.id).state is PaymentState.OPEN

    report = shop.services.reconciler.run_once()
    assert (report.checked, report.settled, report.errors) == (1, 1, 0)
    assert shop.fake.calls("GET", f"/v1/checkout/sessions/{session_id}")  # asked Stripe
    assert shop.store.get_reservation(reservation.id).status is ReservationStatus.CONFIRMED
    assert shop.services.reconciler.run_once().checked == 0  # nothing unknown any more
    assert_ledger(shop)


def test_a_lost_webhook_after_the_hold_ended_is_still_settled(ready_shop: Shop) -> None:
    shop = ready_shop
    shop.fake.drop_types.add("checkout.session.completed")
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 1))
    shop.fake.pay(session_id)
    shop.clock.advance(HOLD + timedelta(minutes=5))
    shop.services.ticketing.release_expired_holds()  # the reaper got there first
    shop.services.reconciler.run_once()
    assert shop.store.get_payment(reservation.id).state is PaymentState.PAID
    assert_ledger(shop)


def test_many_unknown_payments_are_reconciled_by_listing_sessions(ready_shop: Shop) -> None:
    shop = ready_shop
    shop.fake.drop_types.add("checkout.session.completed")
    event, tiers = shop.event(prices=(1200,), capacities=(500,))
    early = [shop.buy(event, (tiers[0], 1)) for _ in range(40)]
    shop.clock.advance(minutes=10)
    late = [shop.buy(event, (tiers[0], 2)) for _ in range(20)]
    shop.clock.advance(minutes=6)  # the first 40 holds have ended, the last 20 run on
    for _, session_id in early[:20]:
        shop.fake.pay(session_id)
    before = len(shop.fake.requests)

    report = shop.services.reconciler.run_once()
    assert (report.checked, report.settled, report.expired, report.still_open) == (60, 40, 20, 20)
    calls = shop.fake.requests[before:]
    assert {(c.method, c.path) for c in calls} == {("GET", "/v1/checkout/sessions")} | {
        ("POST", f"/v1/checkout/sessions/{session_id}/expire") for _, session_id in early[20:]}
    assert sorted(c.params["status"] for c in calls if c.method == "GET") == ["complete", "expired"]
    for reservation, _ in early[:20]:
        assert shop.store.get_payment(reservation.id).state is PaymentState.PAID
    for reservation, _ in early[20:]:
        assert shop.store.get_payment(reservation.id).state is PaymentState.EXPIRED
        assert shop.store.get_reservation(reservation.id).status is ReservationStatus.EXPIRED
    for reservation, _ in late:
        assert shop.store.get_payment(reservation.id).state is PaymentState.OPEN
    assert shop.fake.deliver_all() == [200] * 20  # the checkout.session.expired events: nothing new
    assert_ledger(shop)


def test_webhooks_delivered_twice_and_out_of_order(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(1500, 900), capacities=(50, 50))
    paid, paid_session = shop.buy(event, (tiers[0], 2), (tiers[1], 1))
    shop.fake.pay(paid_session)
    delayed, delayed_session = shop.buy(event, (tiers[1], 1))
    shop.fake.pay(delayed_session, delayed=True)
    shop.fake.settle_delayed(delayed_session, succeeded=True)
    declined, declined_session = shop.buy(event, (tiers[0], 1))
    shop.fake.decline(declined_session)
    shop.fake.pay(declined_session)
    ended, _ = shop.buy(event, (tiers[0], 3))
    shop.clock.advance(HOLD + timedelta(seconds=1))
    assert shop.payments.expire_ended_sessions() == 4  # every hold ended: the 3 paid ones settle on the way
    shop.fake.complete_onboarding(shop.payments.account(shop.organizer.id).account_id)  # another account.updated

    events = shop.fake.take()
    assert {e["type"] for e in events} >= {
        "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.expired",
        "payment_intent.payment_failed", "account.updated"}
    shuffled = events * 2
    random.Random(4).shuffle(shuffled)
    for event_ in [*reversed(events), *shuffled]:
        shop.fake.outbox.append(event_)
    assert set(shop.fake.deliver_all()) == {200}
    assert [shop.store.get_payment(r.id).state for r in (paid, delayed, declined, ended)] == [
        PaymentState.PAID, PaymentState.PAID, PaymentState.PAID, PaymentState.EXPIRED]

    # A refund, then its charge.refunded twice and the old completion again, in the wrong order.
    order_id = shop.store.get_reservation(paid.id).order_id
    ticket = shop.store.get_order(order_id).tickets[0]
    shop.payments.refunds.refund_order(shop.organizer.id, event.id, order_id, [ticket.id])
    [refunded] = shop.fake.take("charge.refunded")
    completed = next(e for e in events if e["type"] == "checkout.session.completed"
                     and e["data"]["object"]["id"] == paid_session)
    shop.fake.outbox.extend([refunded, completed, refunded])
    assert shop.fake.deliver_all() == [200, 200, 200]
    assert len(shop.store.list_refunds(event.id)) == 1 and len(shop.fake.refunds) == 1
    assert_ledger(shop)


def test_payment_after_the_hold_ended_is_honoured_while_capacity_lasts(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(3000,), capacities=(5,))
    reservation, session_id = shop.buy(event, (tiers[0], 2))
    shop.clock.advance(HOLD + timedelta(minutes=1))
    assert shop.services.ticketing.release_expired_holds() == 1
    assert shop.store.get_tiers(event.id)[0].held == 0
    shop.fake.pay(session_id)  # the buyer was still on Stripe's page
    assert shop.fake.deliver_all() == [200]
    order = shop.store.get_order(shop.store.get_reservation(reservation.id).order_id)
    assert len(order.tickets) == 2 and shop.store.get_tiers(event.id)[0].sold == 2
    assert [m.name for m in shop.mails()] == [f"{order.id}.eml"]
    assert_ledger(shop)


def test_payment_after_the_hold_ended_without_capacity_is_refunded_and_the_buyer_told(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(3000,), capacities=(2,))
    late, late_session = shop.buy(event, (tiers[0], 2))
    shop.clock.advance(HOLD + timedelta(minutes=1))
    shop.services.ticketing.release_expired_holds()
    other, other_session = shop.buy(event, (tiers[0], 2))  # someone else takes the last two
    shop.fake.pay(other_session)
    shop.fake.deliver_all()
    shop.fake.pay(late_session)
    [completed] = shop.fake.take()
    for _ in range(2):  # delivered twice: refunded once
        shop.fake.outbox.append(completed)
    assert shop.fake.deliver_all() == [200, 200]

    payment = shop.store.get_payment(late.id)
    assert payment.state is PaymentState.REFUNDED
    assert shop.store.get_reservation(late.id).status is ReservationStatus.EXPIRED  # no order, no tickets
    [refund] = shop.fake.refunds_of(payment.payment_intent_id)
    assert refund["amount"] == late.total_minor and refund["_refund_application_fee"] and refund["_reverse_transfer"]
    [call] = shop.fake.calls("POST", "/v1/refunds")
    assert call.idempotency_key == f"rf_late_{payment.payment_intent_id}"
    assert call.params["refund_application_fee"] == "true" and call.params["reverse_transfer"] == "true"
    assert shop.fake.fee_refunds[-1]["amount"] == late.fee_minor
    assert shop.fake.transfer_reversals[-1]["amount"] == late.total_minor - late.fee_minor
    [recorded] = shop.store.list_refunds(event.id)
    assert recorded.reason is RefundReason.LATE_SOLD_OUT and recorded.order_id is None
    notice = (shop.data_dir / "mail" / f"{recorded.id}.eml").read_text()
    assert "sold out in the meantime" in notice and "refunded the full" in notice
    ledger = shop.client.get(f"/api/v1/events/{event.id}/ledger", headers=shop.auth).json()
    assert ledger["refunded_minor"] == late.total_minor and ledger["orders"] == 1
    assert ledger["organizer_net_minor"] == other.subtotal_minor
    shop.fake.deliver_all()  # charge.refunded
    assert_ledger(shop)


def test_expiring_the_session_races_a_payment(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event()
    paid, paid_session = shop.buy(event, (tiers[0], 1))
    unpaid, unpaid_session = shop.buy(event, (tiers[0], 1))
    shop.clock.advance(HOLD)
    shop.fake.pay(paid_session)  # paid in the last second; its webhook is still on the way
    assert shop.payments.expire_ended_sessions() == 2
    expire_calls = {c.path: c.status for c in shop.fake.calls("POST", f"/v1/checkout/sessions/{paid_session}/expire")}
    assert list(expire_calls.values()) == [400]  # too late to expire: it is complete
    assert shop.store.get_payment(paid.id).state is PaymentState.PAID
    assert shop.store.get_payment(unpaid.id).state is PaymentState.EXPIRED
    assert shop.fake.sessions[unpaid_session]["status"] == "expired"
    assert shop.store.get_reservation(unpaid.id).status is ReservationStatus.EXPIRED
    with pytest.raises(StripeError):
        shop.fake.pay(unpaid_session)  # nobody can pay an expired session
    assert set(shop.fake.deliver_all()) == {200}
    assert_ledger(shop)


def test_stripe_500s_and_a_timeout_while_creating_the_session_retry_with_the_same_key(
    tmp_path: Path, clock: ManualClock, fake: FakeStripe
) -> None:
    shop = make_shop(tmp_path, clock, fake, stripe_timeout_seconds=1)
    shop.onboard()
    event, tiers = shop.event()
    reservation = shop.reserve(event, (tiers[0], 1))
    fake.fail_next("POST", "/v1/checkout/sessions", times=2, status=500)
    fake.delay_next("POST", "/v1/checkout/sessions", seconds=1.5)  # done at Stripe, answered too late
    session_id = shop.checkout(reservation)
    calls = fake.calls("POST", "/v1/checkout/sessions")
    assert [c.status for c in calls] == [500, 500, 200, 200]
    assert {c.idempotency_key for c in calls} == {f"eventflow-checkout-{reservation.id}-1"}
    assert list(fake.sessions) == [session_id]  # one session, whatever the retries
    fake.pay(session_id)
    fake.deliver_all()
    assert_ledger(shop)


def test_stripe_down_during_checkout_then_back_makes_one_session(
    tmp_path: Path, clock: ManualClock, fake: FakeStripe
) -> None:
    shop = make_shop(tmp_path, clock, fake, stripe_timeout_seconds=1, stripe_max_retries=1)
    shop.onboard()
    event, tiers = shop.event()
    reservation = shop.reserve(event, (tiers[0], 1))
    fake.delay_next("POST", "/v1/checkout/sessions", seconds=1.5, times=2)  # made, but never answered in time
    refused = shop.client.post(f"/api/v1/reservations/{reservation.id}/checkout")
    assert refused.status_code == 503 and refused.json()["error"] == "payment_provider_unavailable"
    assert shop.store.get_payment(reservation.id) is None and len(fake.sessions) == 1
    fake.fail_next("POST", "/v1/checkout/sessions", times=2, status=503)
    assert shop.client.post(f"/api/v1/reservations/{reservation.id}/checkout").status_code == 503
    session_id = shop.checkout(reservation)  # Stripe is back: the buyer presses Pay again
    assert list(fake.sessions) == [session_id]
    assert {c.idempotency_key for c in fake.calls("POST", "/v1/checkout/sessions")} == {
        f"eventflow-checkout-{reservation.id}-1"}
    fake.pay(session_id)
    fake.deliver_all()
    assert_ledger(shop)


def test_deciders_racing_on_a_late_payment_refund_it_once(ready_shop: Shop) -> None:
    shop = ready_shop
    if shop.kind == "dynamodb":
        pytest.skip("moto in-process is not thread-safe for conditional writes; the race runs on SQLite")
    event, tiers = shop.event(prices=(2000,), capacities=(1,))
    late, late_session = shop.buy(event, (tiers[0], 1))
    shop.clock.advance(HOLD + timedelta(minutes=1))
    shop.services.ticketing.release_expired_holds()
    _, other_session = shop.buy(event, (tiers[0], 1))
    shop.fake.pay(other_session)
    shop.fake.deliver_all()
    shop.fake.pay(late_session)
    [completed] = shop.fake.take()
    barrier = threading.Barrier(8, timeout=30)  # a thread that never arrives breaks the barrier, not the run
    statuses: list[int] = []

    def webhook() -> None:
        barrier.wait()
        statuses.append(shop.fake.deliver(completed))

    def sync() -> None:
        barrier.wait()
        with contextlib.suppress(Conflict):  # busy: someone else is deciding
            shop.payments.sync(late.id)

    threads = [threading.Thread(target=webhook if n % 2 else sync) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a decider never finished"
    assert set(statuses) <= {200, 409}
    # Stripe redelivers after a 409; with every decider done, a redelivery or two must settle it.
    for _ in range(5):
        if shop.store.get_payment(late.id).state is PaymentState.REFUNDED:
            break
        assert shop.fake.deliver(completed) in (200, 409)
    assert shop.store.get_payment(late.id).state is PaymentState.REFUNDED, "five redeliveries did not refund"
    assert len(shop.fake.refunds_of(shop.store.get_payment(late.id).payment_intent_id)) == 1
    shop.fake.deliver_all()
    assert_ledger(shop)
