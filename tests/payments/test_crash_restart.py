"""The app process killed (SIGKILL) between payment and confirmation, then started again.

The real app runs as a subprocess with Stripe pointed at the local stand-in, which delivers webhooks
to it over HTTP and keeps redelivering while it gets no 2xx (as Stripe does). `EVENTFLOW_CRASH_POINTS`
makes the process kill itself with SIGKILL at a named point of the webhook's handling: right after
claiming the event id, just before confirming the reservation, just after confirming it (order
written, payment not yet marked paid, tickets not mailed). The restarted app must finish the job:
one order with the right tickets, the payment marked paid, tickets mailed, nothing twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from eventflow.domain.payments.records import PaymentState
from eventflow.store.sqlite.store import SqliteStore
from tests.server import free_port, running_app
from tests.stripe_fake import FakeStripe

pytestmark = pytest.mark.slow
SECRET = "sk_test_crash_restart"


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def app_env(fake: FakeStripe, port: int, **extra: str) -> dict[str, str]:
    return {
        "EVENTFLOW_BASE_URL": f"http://127.0.0.1:{port}", "EVENTFLOW_STRIPE_SECRET_KEY": SECRET,
        "EVENTFLOW_STRIPE_WEBHOOK_SECRET": fake.webhook_secret, "EVENTFLOW_STRIPE_API_BASE": fake.url,
        "EVENTFLOW_PAYMENT_LEASE_SECONDS": "2", "EVENTFLOW_STRIPE_TIMEOUT_SECONDS": "5",
        "EVENTFLOW_PROCESSOR_PRICES": "*=0%", **extra,  # the local Stripe charges no processor fee
    }


def is_down(url: str) -> bool:
    try:
        httpx.get(f"{url}/api/v1/health", timeout=0.5)
    except httpx.HTTPError:
        return True
    return False


@pytest.mark.parametrize("crash_point", ["webhook_claimed:checkout.session.completed", "before_confirm",
                                         "after_confirm"])
def test_killed_between_payment_and_confirmation_and_restarted(tmp_path: Path, crash_point: str) -> None:
    port = free_port()
    with FakeStripe() as fake:
        fake.webhook_target = f"http://127.0.0.1:{port}/api/v1/stripe/webhook"
        fake.auto_deliver = True
        fake.retry_seconds = 0.3
        with running_app(tmp_path, port=port, **app_env(fake, port, EVENTFLOW_CRASH_POINTS=crash_point)) as url:
            api = httpx.Client(base_url=f"{url}/api/v1", timeout=10)
            token = api.post("/auth/signup", json={"email": "kill@example.com", "password": "long enough",
                                                   "name": "Kim"}).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            account_id = api.post("/payments/onboarding", headers=auth).json()["account_id"]
            fake.complete_onboarding(account_id)  # account.updated, delivered by the fake
            wait_for(lambda: api.get("/payments/account", headers=auth).json()["charges_enabled"], 10, "charges")
            event = api.post("/events", headers=auth, json={
                "title": "Power Cut Party", "starts_at": "2027-01-09T20:00:00+00:00",
                "ends_at": "2027-01-09T23:00:00+00:00", "timezone": "UTC", "currency": "EUR"}).json()
            tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                            json={"name": "Entry", "price_minor": 1800, "capacity": 20}).json()
            assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
            reservation = api.post(f"/events/{event['id']}/reservations", json={
                "lines": [{"tier_id": tier["id"], "quantity": 3}],
                "buyer": {"email": "ann@example.com", "name": "Ann"}}).json()
            checkout = api.post(f"/reservations/{reservation['id']}/checkout").json()
            session_id = checkout["payment_url"].rsplit("/", 1)[-1]
            fake.pay(session_id)  # the buyer pays; the webhook kills the app at the crash point
            wait_for(lambda: is_down(url), 15, "the app to die at the crash point")
            api.close()

        store = SqliteStore(tmp_path / "eventflow.db")
        try:
            payment = store.get_payment(reservation["id"])
            assert payment is not None and payment.state is PaymentState.OPEN  # died before finishing
            confirmed = store.get_reservation(reservation["id"]).status.value == "confirmed"
            assert confirmed is (crash_point == "after_confirm")
            assert not list((tmp_path / "mail").glob("ord_*.eml"))

            with running_app(tmp_path, port=port, **app_env(fake, port)) as url:
                # Stripe keeps redelivering; the dead process's claims run out after the lease.
                wait_for(lambda: store.get_payment(reservation["id"]).state is PaymentState.PAID, 30, "payment")
                reservation_now = httpx.get(f"{url}/api/v1/reservations/{reservation['id']}").json()
            assert reservation_now["status"] == "confirmed"
            orders = store.list_orders(event["id"])
            assert len(orders) == 1 and len(orders[0].tickets) == 3
            assert orders[0].payment_ref == fake.sessions[session_id]["payment_intent"]
            assert store.get_tiers(event["id"])[0].sold == 3 and store.get_tiers(event["id"])[0].held == 0
            assert [p.name for p in (tmp_path / "mail").glob("ord_*.eml")] == [f"{orders[0].id}.eml"]
            completed = [d for d in fake.deliveries if d.event_type == "checkout.session.completed"]
            assert completed[0].status == 0 and completed[-1].status == 200  # lost to the kill, then delivered
            assert fake.refunds == {}
        finally:
            store.close()
