"""Chargebacks through the local Stripe and the real SDK, on SQLite and DynamoDB: dispute webhooks
in every order, each delivered twice, end in one dispute record, the order's tickets flagged at the
door (refused by default, let in when the organizer chose so), the organizer mailed once, and the
ledger counting the outcome (won: nothing moves; lost: amount and dispute fee leave)."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from eventflow.domain.checkin import ScanResult
from eventflow.domain.models import Event, Order
from eventflow.domain.payments.ledger import event_ledger
from eventflow.domain.payments.records import DisputeStatus
from tests.payments.conftest import Shop

TYPES = ("charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed")


def paid_order(shop: Shop, event: Event, tier: Any) -> Order:
    reservation, session_id = shop.buy(event, (tier, 2))
    shop.fake.pay(session_id)
    assert set(shop.fake.deliver_all()) == {200}
    order = shop.store.get_order(shop.store.get_reservation(reservation.id).order_id)
    assert order is not None
    return order


def dispute_events(shop: Shop, order: Order, outcome: str) -> tuple[str, list[dict[str, Any]]]:
    """Open, review and close a dispute at the local Stripe; its three events (each carrying the
    dispute as it was when sent), not delivered yet."""
    fake = shop.fake
    opened = fake.open_dispute(order.payment_ref, emit=False)
    created = fake.emit_dispute(opened["id"], "charge.dispute.created", copy.deepcopy(opened))
    updated = fake.emit_dispute(opened["id"], "charge.dispute.updated", fake.update_dispute(opened["id"], emit=False))
    closed = fake.emit_dispute(opened["id"], "charge.dispute.closed",
                               fake.update_dispute(opened["id"], outcome, emit=False))
    assert fake.take(*TYPES) == [created, updated, closed]
    return opened["id"], [created, updated, closed]


def scan(shop: Shop, event: Event, order: Order) -> ScanResult:
    ticket = order.tickets[0]
    door = shop.services.door
    return door.scan(event, door.qr_payload(ticket, shop.clock.now()), "door-1").result


def dispute_mails(shop: Shop, event: Event) -> int:
    return sum(batch.total for batch in shop.services.outbox.batches(event.id) if batch.batch == "disputes")


def test_dispute_webhooks_in_every_order_twice_each(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(2500,), capacities=(100,))
    orders = []
    for n, order_of_types in enumerate(itertools.permutations(range(3))):
        order = paid_order(shop, event, tiers[0])
        outcome = "lost" if n % 2 else "won"
        dispute_id, events = dispute_events(shop, order, outcome)
        for index in order_of_types:  # this ordering, then all of it again (Stripe redelivers)
            assert shop.fake.deliver(events[index]) == 200
        for index in order_of_types:
            assert shop.fake.deliver(events[index]) == 200
        orders.append((order, dispute_id, outcome))
    disputes = shop.store.list_disputes(event.id)
    assert len(disputes) == 6 == len({d.id for d in disputes})
    for order, dispute_id, outcome in orders:
        dispute = shop.store.get_dispute(dispute_id)
        assert dispute.order_id == order.id and dispute.organizer_told
        assert dispute.status is (DisputeStatus.LOST if outcome == "lost" else DisputeStatus.WON)
        assert dispute.amount_minor == order.total_minor
        # won: the ticket is good again; lost: refused (the organizer has not chosen to admit)
        assert scan(shop, event, order) is (ScanResult.DISPUTED if outcome == "lost" else ScanResult.ADMITTED)
    assert dispute_mails(shop, event) == 6  # one per dispute, whatever arrived how often
    for order, dispute_id, outcome in orders:  # lost: taken back from the organizer's transfer, once
        charge_id = shop.fake.intents[order.payment_ref]["latest_charge"]
        transfer = shop.fake.transfers[shop.fake.charges[charge_id]["transfer"]]
        reversals = [r for r in shop.fake.transfer_reversals if r["charge"] == charge_id]
        dispute = shop.store.get_dispute(dispute_id)
        if outcome == "lost":
            assert [r["amount"] for r in reversals] == [transfer["amount"]] == [dispute.recovery_minor]
            assert dispute.recovered  # amount + fee exceed what the organizer was sent: all of it
        else:
            assert reversals == [] and dispute.recovery_minor is None
    book = event_ledger(event, shop.store.list_orders(event.id), shop.store.list_refunds(event.id), disputes)
    lost = [order for order, _, outcome in orders if outcome == "lost"]
    assert book.dispute_lost_minor == sum(order.total_minor for order in lost)
    assert book.dispute_fees_minor == 2000 * len(lost)  # EUR: the local Stripe's €20 fee, kept when lost
    assert book.disputes_open == 0 and book.disputed_open_minor == 0
    assert book.organizer_net_minor == (book.charged_minor - book.net_platform_fee_minor
                                        - book.dispute_lost_minor - book.dispute_fees_minor)
    api = shop.client.get(f"/api/v1/events/{event.id}/ledger", headers=shop.auth).json()
    assert api["organizer_net_minor"] == book.organizer_net_minor


def test_an_open_dispute_flags_the_tickets_at_the_door_and_in_the_manifest(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(2500,), capacities=(100,))
    order, calm = paid_order(shop, event, tiers[0]), paid_order(shop, event, tiers[0])
    opened = shop.fake.open_dispute(order.payment_ref, reason="product_not_received")
    assert shop.fake.deliver_all() == [200]
    assert scan(shop, event, order) is ScanResult.DISPUTED and scan(shop, event, calm) is ScanResult.ADMITTED
    manifest = {t.id: t.disputed for t in shop.services.door.manifest(event).tickets}
    assert all(manifest[t.id] for t in order.tickets) and not any(manifest[t.id] for t in calm.tickets)
    dispute = shop.store.get_dispute(opened["id"])
    assert dispute.status is DisputeStatus.OPEN and dispute.reason == "product_not_received"
    book = event_ledger(event, shop.store.list_orders(event.id), [], shop.store.list_disputes(event.id))
    assert (book.disputes_open, book.disputed_open_minor, book.dispute_lost_minor) == (1, order.total_minor, 0)
    [mail] = [m for m in (shop.services.outbox.store.get_outbox_message(f"dispute-opened-{opened['id']}"),) if m]
    assert mail.mail.to == shop.organizer.email and event.title in mail.mail.subject
    assert "refused at the door" in mail.mail.text
    # The organizer lets disputed tickets in: admitted, flagged (and no longer refused offline).
    shop.store.set_admits_disputed_tickets(shop.organizer.id, True)
    door = shop.services.door
    admitted = door.scan(event, door.qr_payload(order.tickets[0], shop.clock.now()), "door-1")
    assert admitted.result is ScanResult.ADMITTED and admitted.disputed
    calm_scan = door.scan(event, door.qr_payload(calm.tickets[1], shop.clock.now()), "door-1")
    assert calm_scan.result is ScanResult.ADMITTED and not calm_scan.disputed
    assert not any(t.disputed for t in shop.services.door.manifest(event).tickets)


def test_a_late_opened_event_never_reopens_a_closed_dispute(ready_shop: Shop) -> None:
    """Stripe answers with the dispute as it is now; even a reply older than what EventFlow knows
    (a stale read) never moves a dispute backwards."""
    shop = ready_shop
    event, tiers = shop.event(prices=(2500,), capacities=(100,))
    order = paid_order(shop, event, tiers[0])
    dispute_id, (created, _, closed) = dispute_events(shop, order, "lost")
    assert shop.fake.deliver(closed) == 200
    shop.fake.disputes[dispute_id]["status"] = "needs_response"  # Stripe's answer lags behind
    assert shop.fake.deliver(created) == 200
    assert shop.store.get_dispute(dispute_id).status is DisputeStatus.LOST
    assert dispute_mails(shop, event) == 1


def test_a_dispute_about_a_payment_eventflow_never_took_is_acknowledged(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(2500,), capacities=(100,))
    order = paid_order(shop, event, tiers[0])
    opened = shop.fake.open_dispute(order.payment_ref, emit=False)
    snapshot = {**copy.deepcopy(opened), "payment_intent": "pi_elsewhere"}
    shop.fake.disputes[opened["id"]]["payment_intent"] = "pi_elsewhere"
    assert shop.fake.deliver(shop.fake.emit_dispute(opened["id"], "charge.dispute.created", snapshot)) == 200
    assert shop.store.list_disputes(event.id) == [] and dispute_mails(shop, event) == 0


def test_a_lost_partial_dispute_takes_amount_and_fee_back_from_the_organizer(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(2500,), capacities=(100,))
    order = paid_order(shop, event, tiers[0])  # 2 x 25.00 + fees: 5000 transferred to the organizer
    opened = shop.fake.open_dispute(order.payment_ref, amount=1000)
    shop.fake.update_dispute(opened["id"], "lost")
    assert shop.fake.deliver_all() == [200, 200]
    dispute = shop.store.get_dispute(opened["id"])
    assert (dispute.status, dispute.fee_minor, dispute.recovery_minor, dispute.recovered) == (
        DisputeStatus.LOST, 2000, 1000 + 2000, True)
    charge_id = shop.fake.intents[order.payment_ref]["latest_charge"]
    assert [r["amount"] for r in shop.fake.transfer_reversals if r["charge"] == charge_id] == [3000]
    account = shop.store.get_connected_account(shop.organizer.id).account_id
    assert shop.fake.balances[account]["pending"]["eur"] == 5000 - 3000
