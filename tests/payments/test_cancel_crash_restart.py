"""Cancelling an event with 200 orders, the app killed (SIGKILL) in the middle of the refund batch
and started again: every paid order refunded exactly once and in full (the charges held the
processor's fee, which the organizer carries: one account debit per order), every buyer mailed
once, every ticket void, the platform's balance at zero.

The real app runs as a subprocess against the local Stripe stand-in (as in test_crash_restart.py).
`EVENTFLOW_CRASH_POINTS` kills it at one of two points: after the 100th order's refund was written
but before its mail and the batch's saved progress (`cancellation_refunded:100`), or the moment
Stripe accepted the first cancellation refund, before the app recorded it (`refund_accepted:...`).
The restarted app waits out the dead instance's lease and resumes the batch from its saved cursor.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from eventflow.domain.models import TicketStatus
from eventflow.domain.payments.records import RefundReason, RefundStatus
from eventflow.store.sqlite.store import SqliteStore
from tests.payments.test_crash_restart import app_env, is_down, wait_for
from tests.server import free_port, running_app
from tests.stripe_fake import FakeStripe

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
PAID, FREE, PARTLY_REFUNDED = 170, 30, 20
FAST_JOBS = {"EVENTFLOW_REAPER_INTERVAL_SECONDS": "0.3"}


def sell(api: httpx.Client, auth: dict[str, str], fake: FakeStripe, store: SqliteStore) -> dict[str, Any]:
    event = api.post("/events", headers=auth, json={
        "title": "Storm Night", "starts_at": "2027-02-09T20:00:00+00:00", "ends_at": "2027-02-09T23:00:00+00:00",
        "timezone": "UTC", "currency": "EUR"}).json()
    paid = api.post(f"/events/{event['id']}/tiers", headers=auth,
                    json={"name": "Entry", "price_minor": 1800, "capacity": 400}).json()
    free = api.post(f"/events/{event['id']}/tiers", headers=auth,
                    json={"name": "Crew", "price_minor": 0, "capacity": 100}).json()
    assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    for n in range(PAID + FREE):
        tier, quantity = (paid, 1 + n % 2) if n < PAID else (free, 1)
        reservation = api.post(f"/events/{event['id']}/reservations", json={
            "lines": [{"tier_id": tier["id"], "quantity": quantity}],
            "buyer": {"email": f"buyer{n}@example.com", "name": f"Buyer {n}"}}).json()
        checkout = api.post(f"/reservations/{reservation['id']}/checkout").json()
        if n < PAID:
            fake.pay(checkout["payment_url"].rsplit("/", 1)[-1])
    wait_for(lambda: len(store.list_orders(event["id"])) == PAID + FREE, 60, "every order confirmed")
    two_tickets = [o for o in store.list_orders(event["id"]) if o.total_minor and len(o.tickets) == 2]
    for order in two_tickets[:PARTLY_REFUNDED]:
        response = api.post(f"/events/{event['id']}/refunds", headers=auth,
                            json={"order_id": order.id, "ticket_ids": [order.tickets[0].id]})
        assert response.status_code == 201, response.text
    return event


@pytest.mark.parametrize(("crash_point", "processing"), [
    ("cancellation_refunded:100", "absorb"), ("refund_accepted:event_cancelled", "pass_on")])
def test_cancellation_killed_halfway_and_restarted_refunds_everyone_exactly_once(
    tmp_path: Path, crash_point: str, processing: str,
) -> None:
    port = free_port()
    store = SqliteStore(tmp_path / "eventflow.db")
    with FakeStripe() as fake:
        fake.webhook_target = f"http://127.0.0.1:{port}/api/v1/stripe/webhook"
        fake.auto_deliver = True
        fake.retry_seconds = 0.3
        # The local Stripe takes the processor's fee (EUR 2.5 % + 25) and the app estimates it: the
        # organizer carries it on these full refunds, one account debit per paid order.
        fake.processor_prices = {"eur": (250, 25)}
        env = {**app_env(fake, port), **FAST_JOBS, "EVENTFLOW_PROCESSOR_PRICES": "EUR=2.5%+25",
               "EVENTFLOW_PROCESSING_FEES": processing}
        try:
            with running_app(tmp_path, port=port, **env, EVENTFLOW_CRASH_POINTS=crash_point) as url:
                api = httpx.Client(base_url=f"{url}/api/v1", timeout=10)
                token = api.post("/auth/signup", json={"email": "storm@example.com", "password": "long enough",
                                                       "name": "Sam"}).json()["token"]
                auth = {"Authorization": f"Bearer {token}"}
                account_id = api.post("/payments/onboarding", headers=auth).json()["account_id"]
                fake.complete_onboarding(account_id)
                wait_for(lambda: api.get("/payments/account", headers=auth).json()["charges_enabled"], 10, "charges")
                event = sell(api, auth, fake, store)
                refunds_before = len(fake.refunds)
                answer = api.post(f"/events/{event['id']}/cancel", headers=auth, json={"message": "Roof gone."})
                assert answer.status_code == 202 and answer.json()["status"] == "cancelling"
                wait_for(lambda: is_down(url), 60, "the app to die at the crash point")
                api.close()

            halfway = store.get_event_change(event["id"])
            assert halfway is not None and halfway.running and halfway.done < PAID + FREE

            with running_app(tmp_path, port=port, **env) as url:
                wait_for(lambda: not store.get_event_change(event["id"]).busy, 120, "the batch to finish")
                seen = httpx.get(f"{url}/api/v1/events/{event['id']}", headers=auth).json()
                staff = httpx.post(f"{url}/api/v1/events/{event['id']}/staff", headers=auth,
                                   json={"label": "Gate"}).json()
                ticket = store.list_orders(event["id"])[0].tickets[0]
                shown = httpx.get(f"{url}/api/v1/tickets/{ticket.id}", params={"key": ticket.access_key}).json()
                payload = shown["qr_payload"]  # what the holder's wallet shows right now
                scan = httpx.post(f"{url}/api/v1/events/{event['id']}/checkin/scan",
                                  headers={"Authorization": f"Bearer {staff['token']}"},
                                  json={"code": payload, "device_id": "gate-1"}).json()
            assert seen["status"] == "cancelled" and seen["change"]["progress"]["percent"] == 100
            assert seen["change"]["progress"]["done"] == PAID + FREE
            assert scan["result"] == "event_cancelled" and shown["status"] == "event_cancelled"

            # Stripe: each paid order's cancellation refund once; each session refunded to the cent.
            assert len(fake.refunds) == refunds_before + PAID
            for session in fake.paid_sessions():
                assert sum(r["amount"] for r in fake.refunds_of(session["payment_intent"])) == session["amount_total"]
            ours = [r for r in store.list_refunds(event["id"]) if r.reason is RefundReason.EVENT_CANCELLED]
            assert all(r.status is RefundStatus.SUCCEEDED for r in store.list_refunds(event["id"]))
            assert len(ours) == PAID + FREE and max(Counter(r.order_id for r in ours).values()) == 1
            orders = store.list_orders(event["id"])
            assert all(t.status is TicketStatus.VOID for o in orders for t in o.tickets)
            assert all(store.get_outbox_message(f"cancel:{o.id}") is not None for o in orders)  # one key each

            # The processor's fee: one debit of the organizer per paid order, the platform at zero.
            payments = [store.get_payment(o.reservation_id) for o in orders if o.total_minor]
            assert all(p.processing_minor > 0 for p in payments) and len(payments) == PAID
            debits = Counter(d["metadata"]["reservation_id"] for d in fake.account_debits)
            assert set(debits) == {p.reservation_id for p in payments} and set(debits.values()) == {1}
            assert sum(d["amount"] for d in fake.account_debits) == sum(p.processing_minor for p in payments)
            assert fake.balances["platform"]["pending"]["eur"] == 0
            assert fake.balances[payments[0].account_id]["pending"]["eur"] == -sum(p.processing_minor for p in payments)
        finally:
            store.close()
