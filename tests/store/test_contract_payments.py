"""One contract, every store: what card payments persist (accounts, payments, webhook ids, refunds,
leases) behaves the same on SQLite and DynamoDB."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from eventflow.domain.errors import Conflict
from eventflow.domain.payments.records import (
    ConnectedAccount,
    Payment,
    PaymentState,
    Refund,
    RefundReason,
    RefundStatus,
)
from eventflow.domain.reservations import LineRequest
from tests.conftest import BUYER, make_service, publish_event


@pytest.fixture
def service(store, clock):  # type: ignore[no-untyped-def]
    return make_service(store, clock)


def a_payment(clock, reservation_id: str = "res_1", **changes) -> Payment:  # type: ignore[no-untyped-def]
    now = clock.now()
    payment = Payment(
        reservation_id=reservation_id, event_id="evt_1", organizer_id="org_1", account_id="acct_1",
        session_id=f"cs_{reservation_id}", url=f"https://checkout.example/{reservation_id}", amount_minor=2590,
        fee_minor=90, currency="EUR", state=PaymentState.OPEN, created_at=now,
        hold_expires_at=now + timedelta(minutes=15), updated_at=now,
    )
    return replace(payment, **changes)


def a_refund(clock, refund_id: str = "rf_1", **changes) -> Refund:  # type: ignore[no-untyped-def]
    refund = Refund(
        id=refund_id, event_id="evt_1", reservation_id="res_1", order_id="ord_1", payment_intent_id="pi_1",
        ticket_ids=("tkt_1", "tkt_2"), tier_quantities=(("tier_1", 2),), amount_minor=2000, fee_minor=80,
        currency="EUR", reason=RefundReason.ORGANIZER, restock=False, status=RefundStatus.PENDING,
        created_at=clock.now(),
    )
    return replace(refund, **changes)


def test_connected_account_is_saved_and_found_both_ways(store, clock) -> None:  # type: ignore[no-untyped-def]
    account = ConnectedAccount("org_1", "acct_1", False, False, False, ("external_account",), None, clock.now())
    store.save_connected_account(account)
    assert store.get_connected_account("org_1") == account
    assert store.find_connected_account("acct_1") == account
    enabled = replace(account, charges_enabled=True, payouts_enabled=True, requirements_due=(),
                      updated_at=clock.advance(minutes=1))
    store.save_connected_account(enabled)
    assert store.get_connected_account("org_1") == enabled
    assert store.get_connected_account("org_2") is None and store.find_connected_account("acct_2") is None


def test_a_reservation_has_one_payment(store, clock) -> None:  # type: ignore[no-untyped-def]
    payment = a_payment(clock)
    assert store.add_payment(payment) == (payment, True)
    again, created = store.add_payment(replace(payment, session_id="cs_other"))
    assert (again, created) == (payment, False)
    assert store.get_payment("res_1") == payment
    assert store.get_payment("res_2") is None


def test_payment_updates_are_compare_and_set(store, clock) -> None:  # type: ignore[no-untyped-def]
    payment, _ = store.add_payment(a_payment(clock))
    paid = store.update_payment(replace(payment, state=PaymentState.PAID, payment_intent_id="pi_1", order_id="o1"))
    assert paid is not None and paid.version == 2 and paid.state is PaymentState.PAID
    assert store.get_payment("res_1") == paid
    assert store.update_payment(replace(payment, last_error="declined")) is None  # stale version
    assert store.find_payment_by_intent("pi_1") == paid
    assert store.find_payment_by_intent("pi_unknown") is None
    cleared = store.update_payment(replace(paid, order_id=None, last_error=None))
    assert cleared is not None and store.get_payment("res_1") == cleared


def test_open_payments_by_hold_end_with_paging(store, clock) -> None:  # type: ignore[no-untyped-def]
    start = clock.now()
    for n in range(5):
        store.add_payment(a_payment(clock, f"res_{n}", hold_expires_at=start + timedelta(minutes=n)))
    awaiting, _ = store.add_payment(a_payment(clock, "res_wait", state=PaymentState.AWAITING))
    done, _ = store.add_payment(a_payment(clock, "res_done"))
    store.update_payment(replace(done, state=PaymentState.EXPIRED))
    assert [p.reservation_id for p in store.open_payments()] == [f"res_{n}" for n in range(5)]
    due = store.open_payments(hold_ended_by=start + timedelta(minutes=2))
    assert [p.reservation_id for p in due] == ["res_0", "res_1", "res_2"]
    first = store.open_payments(limit=2)
    rest = store.open_payments(limit=10, after=first[-1])
    assert [p.reservation_id for p in first + rest] == [f"res_{n}" for n in range(5)]
    assert store.open_payments(state=PaymentState.AWAITING) == [awaiting]


def test_one_decider_per_payment_until_the_lease_ends(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.add_payment(a_payment(clock))
    now = clock.now()
    assert store.claim_payment("res_1", "a", now, now + timedelta(seconds=30))
    assert store.claim_payment("res_1", "a", now, now + timedelta(seconds=30))  # its own again
    assert not store.claim_payment("res_1", "b", now, now + timedelta(seconds=30))
    store.release_payment_claim("res_1", "b")  # not b's: nothing happens
    assert not store.claim_payment("res_1", "b", now, now + timedelta(seconds=30))
    store.release_payment_claim("res_1", "a")
    assert store.claim_payment("res_1", "b", now, now + timedelta(seconds=30))
    later = now + timedelta(seconds=31)
    assert store.claim_payment("res_1", "c", later, later + timedelta(seconds=30))  # b's lease ran out
    assert not store.claim_payment("res_unknown", "a", now, now + timedelta(seconds=30))


def test_a_claim_survives_payment_updates(store, clock) -> None:  # type: ignore[no-untyped-def]
    payment, _ = store.add_payment(a_payment(clock))
    now = clock.now()
    assert store.claim_payment("res_1", "a", now, now + timedelta(seconds=30))
    assert store.update_payment(replace(payment, state=PaymentState.PAID)) is not None
    assert not store.claim_payment("res_1", "b", now, now + timedelta(seconds=30))


def test_webhook_event_ids_are_processed_at_most_once(store, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    lease = now + timedelta(seconds=30)
    assert store.begin_webhook_event("evt_1", "checkout.session.completed", now, lease)
    assert not store.begin_webhook_event("evt_1", "checkout.session.completed", now, lease)  # in progress
    assert not store.webhook_event_done("evt_1")
    store.abandon_webhook_event("evt_1")  # failed: a redelivery may try again
    assert store.begin_webhook_event("evt_1", "checkout.session.completed", now, lease)
    store.finish_webhook_event("evt_1", now)
    assert store.webhook_event_done("evt_1")
    store.abandon_webhook_event("evt_1")  # a finished event stays finished
    much_later = now + timedelta(days=1)
    assert not store.begin_webhook_event("evt_1", "checkout.session.completed", much_later, much_later)
    assert store.begin_webhook_event("evt_2", "account.updated", now, lease)
    later = now + timedelta(seconds=31)  # evt_2's processor died: its claim runs out
    assert store.begin_webhook_event("evt_2", "account.updated", later, later + timedelta(seconds=30))


def test_a_refund_claims_its_tickets(store, clock) -> None:  # type: ignore[no-untyped-def]
    refund = a_refund(clock)
    assert store.start_refund(refund) == (refund, True)
    assert store.start_refund(refund) == (refund, False)
    with pytest.raises(Conflict):
        store.start_refund(a_refund(clock, "rf_2", ticket_ids=("tkt_2", "tkt_3")))
    assert store.get_refund("rf_2") is None
    other = a_refund(clock, "rf_3", ticket_ids=("tkt_3",))
    assert store.start_refund(other)[1]
    assert store.list_refunds("evt_1") == [refund, other]
    assert store.pending_refunds() == [refund, other]


def test_finishing_a_refund_happens_once(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.start_refund(a_refund(clock))
    done = store.finish_refund("rf_1", RefundStatus.SUCCEEDED, clock.now(), "re_1")
    assert done is not None and done.status is RefundStatus.SUCCEEDED and done.stripe_refund_id == "re_1"
    assert store.finish_refund("rf_1", RefundStatus.SUCCEEDED, clock.now(), "re_1") is None
    assert store.finish_refund("rf_1", RefundStatus.FAILED, clock.now()) is None
    assert store.get_refund("rf_1") == done
    assert store.pending_refunds() == []
    with pytest.raises(Conflict):  # refunded tickets stay claimed
        store.start_refund(a_refund(clock, "rf_again", ticket_ids=("tkt_1",)))


def test_a_failed_refund_frees_its_tickets(store, clock) -> None:  # type: ignore[no-untyped-def]
    store.start_refund(a_refund(clock))
    failed = store.finish_refund("rf_1", RefundStatus.FAILED, clock.now(), failure="insufficient funds")
    assert failed is not None and failed.failure == "insufficient funds"
    assert store.start_refund(a_refund(clock, "rf_retry"))[1]


def test_a_restocking_refund_puts_tickets_back_on_sale_once(service, store, clock) -> None:  # type: ignore[no-untyped-def]
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[2].id, 3)], BUYER)
    order = service.confirm(reservation.id, "pi_1")
    refund = a_refund(clock, event_id=event.id, ticket_ids=tuple(t.id for t in order.tickets[:2]),
                      tier_quantities=((tiers[2].id, 2),), restock=True)
    store.start_refund(refund)
    assert {t.id: t.sold for t in store.get_tiers(event.id)}[tiers[2].id] == 3
    assert store.finish_refund(refund.id, RefundStatus.SUCCEEDED, clock.now()) is not None
    assert store.finish_refund(refund.id, RefundStatus.SUCCEEDED, clock.now()) is None
    tier = next(t for t in store.get_tiers(event.id) if t.id == tiers[2].id)
    assert (tier.sold, tier.held, tier.available) == (1, 0, 9)
    again = service.reserve(event.id, [LineRequest(tiers[2].id, 9)], BUYER)  # every ticket is for sale
    assert again.quantity == 9


def test_a_refund_without_restock_leaves_inventory(service, store, clock) -> None:  # type: ignore[no-untyped-def]
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[2].id, 2)], BUYER)
    order = service.confirm(reservation.id, "pi_1")
    refund = a_refund(clock, event_id=event.id, ticket_ids=tuple(t.id for t in order.tickets),
                      tier_quantities=((tiers[2].id, 2),), restock=False)
    store.start_refund(refund)
    store.finish_refund(refund.id, RefundStatus.SUCCEEDED, clock.now())
    assert next(t for t in store.get_tiers(event.id) if t.id == tiers[2].id).sold == 2


def test_named_leases(store, clock) -> None:  # type: ignore[no-untyped-def]
    now = clock.now()
    assert store.acquire_lease("reconcile", "a", now, now + timedelta(minutes=4))
    assert not store.acquire_lease("reconcile", "b", now, now + timedelta(minutes=4))
    assert store.acquire_lease("reconcile", "a", now, now + timedelta(minutes=4))
    later = now + timedelta(minutes=5)
    assert store.acquire_lease("reconcile", "b", later, later + timedelta(minutes=4))
    assert store.acquire_lease("other", "a", now, now + timedelta(minutes=4))
