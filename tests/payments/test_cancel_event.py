"""Cancelling an event with 200 orders paid through the local Stripe stand-in (and some free, some
partly refunded already): every paid order refunded in full exactly once, platform fee included;
every ticket void; every buyer mailed once; the ledger at zero; the door refusing every ticket."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from eventflow.domain.models import Order, TicketStatus
from eventflow.domain.payments.records import RefundReason, RefundStatus
from tests.payments.conftest import Shop, assert_ledger

# 200 orders on SQLite; on DynamoDB (moto in this process, ~100x slower per request) the same mix at 20
# (CI time: the SQLite run carries the size, DynamoDB proves the same steps on its writes).
MIX = {"sqlite": (170, 30, 20), "dynamodb": (17, 3, 2)}


def sell(shop: Shop) -> tuple[str, list[Order]]:
    """Paid orders of 1 or 2 tickets, free ones, and some paid ones with one ticket refunded already."""
    paid, free, partly_refunded = MIX[shop.kind]
    event, tiers = shop.event(prices=(2500, 0), capacities=(400, 100))
    for n in range(paid):
        reservation, session_id = shop.buy(event, (tiers[0], 1 + n % 2))
        shop.fake.pay(session_id)
    for _ in range(free):
        reservation = shop.reserve(event, (tiers[1], 1))
        assert shop.client.post(f"/api/v1/reservations/{reservation.id}/checkout").json()["status"] == "paid"
    shop.fake.deliver_all()
    orders = shop.store.list_orders(event.id)
    assert len(orders) == paid + free
    two_ticket_paid = [o for o in orders if o.total_minor and len(o.tickets) == 2]
    for order in two_ticket_paid[:partly_refunded]:  # one ticket of each refunded before the cancellation
        response = shop.client.post(f"/api/v1/events/{event.id}/refunds", headers=shop.auth,
                                    json={"order_id": order.id, "ticket_ids": [order.tickets[0].id]})
        assert response.status_code == 201, response.text
    return event.id, orders


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_cancelling_refunds_each_paid_order_once_voids_every_ticket_and_mails_every_buyer_once(
    ready_shop: Shop,
) -> None:
    shop = ready_shop
    event_id, orders = sell(shop)
    paid, free, _ = MIX[shop.kind]
    total = paid + free
    staff = shop.client.post(f"/api/v1/events/{event_id}/staff", headers=shop.auth, json={"label": "Gate"}).json()
    refunds_before = len(shop.fake.refunds)

    response = shop.client.post(f"/api/v1/events/{event_id}/cancel", headers=shop.auth,
                                json={"message": "The storm took the roof. We are so sorry."})
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "cancelling"
    assert response.json()["progress"] == {"done": 0, "total": total, "failed": 0, "percent": 0, "failures": []}
    public = shop.client.get(f"/api/v1/events/{event_id}").json()
    assert public["status"] == "cancelled" and public["change"]["progress"]["failures"] is None

    assert shop.services.cancellations.run_due() == total
    assert shop.services.cancellations.run_due() == 0  # finished: a second run does nothing
    seen = shop.client.get(f"/api/v1/events/{event_id}", headers=shop.auth).json()
    assert seen["status"] == "cancelled" and seen["change"]["status"] == "cancelled"
    assert seen["change"]["progress"] == {"done": total, "total": total, "failed": 0, "percent": 100, "failures": []}

    # Stripe: every paid session refunded to the cent, fee and transfer included, each order once.
    assert len(shop.fake.refunds) == refunds_before + paid
    for session in shop.fake.paid_sessions():
        refunds = shop.fake.refunds_of(session["payment_intent"])
        assert sum(r["amount"] for r in refunds) == session["amount_total"]
        assert all(r["_refund_application_fee"] and r["_reverse_transfer"] for r in refunds)
    ours = [r for r in shop.store.list_refunds(event_id) if r.reason is RefundReason.EVENT_CANCELLED]
    assert len(ours) == total and all(r.status is RefundStatus.SUCCEEDED for r in ours)
    assert Counter(r.order_id for r in ours).most_common(1)[0][1] == 1

    # Tickets, mail, ledger.
    tickets = [t for order in shop.store.list_orders(event_id) for t in order.tickets]
    assert all(t.status is TicketStatus.VOID for t in tickets)
    cancel_mail = [shop.store.get_outbox_message(f"cancel:{o.id}") for o in orders]
    assert all(m is not None and m.batch == "cancel" for m in cancel_mail)
    assert all("The storm took the roof" in m.mail.text for m in cancel_mail if m)
    ledger = shop.client.get(f"/api/v1/events/{event_id}/ledger", headers=shop.auth).json()
    assert ledger["refunded_minor"] == ledger["charged_minor"] > 0
    assert ledger["organizer_net_minor"] == 0 and ledger["pending_refunds"] == 0
    assert ledger["fee_refunded_minor"] == ledger["platform_fee_minor"]
    assert_ledger(shop)

    # The door: every ticket refused online; the manifest says so for offline scanners.
    door = {"Authorization": f"Bearer {staff['token']}"}
    for ticket in tickets:
        payload = shop.services.door.qr_payload(ticket, shop.clock.now())
        answer = shop.client.post(f"/api/v1/events/{event_id}/checkin/scan", headers=door,
                                  json={"code": payload, "device_id": "gate-1"})
        assert answer.status_code == 200 and answer.json()["result"] == "event_cancelled", answer.text
    manifest = shop.client.get(f"/api/v1/events/{event_id}/checkin/manifest", headers=door).json()
    assert manifest["event_status"] == "cancelled"
    assert {t["status"] for t in manifest["tickets"]} == {"void"}
    ticket = tickets[0]
    shown = shop.client.get(f"/api/v1/tickets/{ticket.id}", params={"key": ticket.access_key}).json()
    assert shown["status"] == "event_cancelled"


def test_void_a_card_order_and_a_free_order_from_the_api(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(2500, 0), capacities=(10, 10))
    _, session_id = shop.buy(event, (tiers[0], 2))
    shop.fake.pay(session_id)
    shop.fake.deliver_all()
    free = shop.reserve(event, (tiers[1], 1))
    shop.client.post(f"/api/v1/reservations/{free.id}/checkout")
    [paid_order] = [o for o in shop.store.list_orders(event.id) if o.total_minor]
    [free_order] = [o for o in shop.store.list_orders(event.id) if not o.total_minor]
    other = shop.services.ticketing.sign_up("other@example.com", "correct horse", "Other")
    other_auth = {"Authorization": f"Bearer {shop.services.tokens.organizer_token(other)}"}

    assert shop.client.post(f"/api/v1/orders/{paid_order.id}/void", headers=other_auth, json={}).status_code == 404
    assert shop.client.post(f"/api/v1/orders/{paid_order.id}/void", json={}).status_code == 401
    first = shop.client.post(f"/api/v1/orders/{paid_order.id}/void", headers=shop.auth,
                             json={"reason": "Duplicate purchase"})
    assert first.status_code == 200, first.text
    assert first.json()["refunded_minor"] == paid_order.total_minor and first.json()["demo"] is False
    again = shop.client.post(f"/api/v1/orders/{paid_order.id}/void", headers=shop.auth, json={})
    assert again.json()["refund_id"] == first.json()["refund_id"]
    assert len(shop.fake.refunds_of(paid_order.payment_ref)) == 1
    voided = shop.client.post(f"/api/v1/orders/{free_order.id}/void", headers=shop.auth, json={})
    assert voided.status_code == 200 and voided.json()["refunded_minor"] == 0
    ticket = shop.store.get_order(paid_order.id).tickets[0]
    assert ticket.status is TicketStatus.VOID
    shown = shop.client.get(f"/api/v1/tickets/{ticket.id}", params={"key": ticket.access_key}).json()
    assert shown["status"] == "void"
    assert shop.store.get_outbox_message(f"void:{paid_order.id}") is not None
    assert shop.store.get_outbox_message(f"void:{free_order.id}") is not None
    assert_ledger(shop)


def test_refunds_stripe_refuses_or_does_not_answer_wait_for_the_retry_button(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(2500,), capacities=(10,))
    for _ in range(3):
        _, session_id = shop.buy(event, (tiers[0], 1))
        shop.fake.pay(session_id)
    shop.fake.deliver_all()
    assert shop.client.post(f"/api/v1/events/{event.id}/cancel", headers=shop.auth, json={}).status_code == 202
    shop.fake.fail_next("POST", "/v1/refunds", times=1, status=400)  # refused: the first order
    shop.fake.fail_next("POST", "/v1/refunds", times=4, status=503)  # no answer through the SDK's 3 retries
    shop.services.cancellations.run_due()
    change = shop.client.get(f"/api/v1/events/{event.id}/change", headers=shop.auth).json()
    assert change["progress"]["done"] == 1 and change["progress"]["failed"] == 2, change
    reasons = sorted(f["reason"] for f in change["progress"]["failures"])
    assert reasons[0].startswith("Stripe did not answer") and reasons[1].startswith("Stripe refused")
    assert change["status"] == "cancelled" and change["progress"]["percent"] == 33  # nothing in hand: waits

    retried = shop.client.post(f"/api/v1/events/{event.id}/change/retry", headers=shop.auth)
    assert retried.status_code == 202 and retried.json()["status"] == "cancelling"
    shop.services.cancellations.run_due()
    change = shop.client.get(f"/api/v1/events/{event.id}/change", headers=shop.auth).json()
    assert change["progress"] == {"done": 3, "total": 3, "failed": 0, "percent": 100, "failures": []}
    for session in shop.fake.paid_sessions():
        assert sum(r["amount"] for r in shop.fake.refunds_of(session["payment_intent"])) == session["amount_total"]
    ledger = shop.client.get(f"/api/v1/events/{event.id}/ledger", headers=shop.auth).json()
    assert ledger["refunded_minor"] == ledger["charged_minor"] and ledger["pending_refunds"] == 0
    # (assert_ledger wants every refund succeeded: the refused attempt stays on record as failed)


def test_postpone_then_a_buyer_asks_for_a_card_refund_before_the_deadline(ready_shop: Shop) -> None:
    shop = ready_shop
    event, tiers = shop.event(prices=(2500,), capacities=(10,))
    reservation, session_id = shop.buy(event, (tiers[0], 2))
    shop.fake.pay(session_id)
    shop.fake.deliver_all()
    new_start = event.starts_at + timedelta(days=14)
    body = {"starts_at": new_start.isoformat(), "ends_at": (new_start + timedelta(hours=3)).isoformat(),
            "refund_deadline": (shop.clock.now() + timedelta(days=7)).isoformat(), "message": "Singer is ill."}
    early = {**body, "refund_deadline": (new_start + timedelta(days=1)).isoformat()}
    refused = shop.client.post(f"/api/v1/events/{event.id}/postpone", headers=shop.auth, json=early)
    assert refused.status_code == 422 and "before the new date" in refused.text
    postponed = shop.client.post(f"/api/v1/events/{event.id}/postpone", headers=shop.auth, json=body)
    assert postponed.status_code == 202 and postponed.json()["status"] == "postponing", postponed.text
    assert shop.services.cancellations.run_due() == 1
    seen = shop.client.get(f"/api/v1/events/{event.id}").json()
    assert seen["status"] == "published" and seen["starts_at"].startswith(new_start.date().isoformat())

    asked = shop.client.post(f"/api/v1/reservations/{reservation.id}/refund-request")
    assert asked.status_code == 200, asked.text
    order = shop.store.get_order(shop.store.get_reservation(reservation.id).order_id)
    assert asked.json()["refunded_minor"] == order.total_minor
    assert [r["amount"] for r in shop.fake.refunds_of(order.payment_ref)] == [order.total_minor]
    again = shop.client.post(f"/api/v1/reservations/{reservation.id}/refund-request")
    assert again.json()["refund_id"] == asked.json()["refund_id"]
    assert len(shop.fake.refunds_of(order.payment_ref)) == 1
    shop.clock.advance(timedelta(days=8))
    other, other_session = shop.buy(event, (tiers[0], 1))
    shop.fake.pay(other_session)
    shop.fake.deliver_all()
    late = shop.client.post(f"/api/v1/reservations/{other.id}/refund-request")
    assert late.status_code == 409 and "deadline" in late.text
    assert_ledger(shop)
