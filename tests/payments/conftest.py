"""A shop wired exactly like the app (`build_services`) with Stripe configured, talking through the
real stripe SDK to the local Stripe stand-in (tests/stripe_fake.py), its JSON API served in-process
(webhooks arrive over HTTP at POST /api/v1/stripe/webhook), a manual clock shared with the fake.

`assert_ledger` is the end-of-test check of every fault test: each paid session has exactly one
order with the right tickets, or a full refund; no order without a payment; inventory counts match
the tickets and holds that exist.
"""

from __future__ import annotations

import secrets
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():  # starlette prefers `httpx2` now; the plain httpx transport is fine here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from eventflow import api
from eventflow.app.wiring import build_services
from eventflow.config import Settings
from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer, Event, Organizer, Reservation, ReservationStatus, Tier
from eventflow.domain.payments.records import PaymentState, RefundStatus
from eventflow.domain.payments.settle import StripePayments
from eventflow.domain.reservations import LineRequest
from eventflow.services import Services
from tests.store.moto_server import REGION, in_process_table
from tests.stripe_fake import FakeStripe

SECRET_KEY = "sk_test_local_eventflow"


@dataclass
class Shop:
    fake: FakeStripe
    services: Services
    clock: ManualClock
    client: TestClient
    data_dir: Path
    organizer: Organizer | None = None
    token: str = ""
    kind: str = "sqlite"  # which store

    @property
    def payments(self) -> StripePayments:
        assert self.services.payments is not None
        return self.services.payments

    @property
    def store(self) -> Any:
        return self.services.ticketing.store

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post_webhook(self, payload: bytes, headers: dict[str, str]) -> int:
        return self.client.post("/api/v1/stripe/webhook", content=payload, headers=headers).status_code

    def onboard(self) -> str:
        """Sign an organizer up, create the Express account, finish onboarding at Stripe (account.updated)."""
        ticketing = self.services.ticketing
        self.organizer = ticketing.sign_up(f"org-{secrets.token_hex(3)}@example.com", "correct horse", "Org")
        self.token = self.services.tokens.organizer_token(self.organizer)
        response = self.client.post("/api/v1/payments/onboarding", headers=self.auth)
        assert response.status_code == 200, response.text
        account_id = response.json()["account_id"]
        self.fake.complete_onboarding(account_id)
        assert self.fake.deliver_all() == [200]
        return account_id

    def event(self, prices: tuple[int, ...] = (2500, 1000), capacities: tuple[int, ...] = (100, 10),
              fee_mode: str = "buyer_pays", currency: str = "EUR") -> tuple[Event, list[Tier]]:
        assert self.organizer is not None
        ticketing = self.services.ticketing
        starts = self.clock.now() + timedelta(days=30)
        event = ticketing.catalog.create_event(
            self.organizer.id, title="Harbour Lights", starts_at=starts, ends_at=starts + timedelta(hours=4),
            timezone="Europe/Berlin", venue="Pier 3", currency=currency, fee_mode=fee_mode,
        )
        tiers = [ticketing.catalog.add_tier(self.organizer.id, event.id, name=f"Tier {n}", price_minor=price,
                                    capacity=capacity)
                 for n, (price, capacity) in enumerate(zip(prices, capacities, strict=True))]
        return ticketing.catalog.publish(self.organizer.id, event.id), tiers

    def reserve(self, event: Event, *lines: tuple[Tier, int], email: str = "buyer@example.com") -> Reservation:
        return self.services.ticketing.reserve(
            event.id, [LineRequest(tier.id, quantity) for tier, quantity in lines], Buyer(email, "Bea Buyer"))

    def checkout(self, reservation: Reservation) -> str:
        """POST /reservations/{id}/checkout; returns the Checkout Session id."""
        response = self.client.post(f"/api/v1/reservations/{reservation.id}/checkout")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "payment_required" and body["provider"] == "stripe"
        return str(body["payment_url"]).rsplit("/", 1)[-1]

    def buy(self, event: Event, *lines: tuple[Tier, int]) -> tuple[Reservation, str]:
        reservation = self.reserve(event, *lines)
        return reservation, self.checkout(reservation)

    def mails(self) -> list[Path]:
        return sorted((self.data_dir / "mail").glob("*.eml"))


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeStripe]:
    with FakeStripe(clock=clock.now) as stripe_fake:
        yield stripe_fake


def make_shop(tmp_path: Path, clock: ManualClock, fake: FakeStripe, **overrides: Any) -> Shop:
    options: dict[str, Any] = {
        "data_dir": tmp_path, "demo_data": False, "base_url": "http://shop.test", "stripe_secret_key": SECRET_KEY,
        "stripe_webhook_secret": fake.webhook_secret, "stripe_api_base": fake.url, "stripe_timeout_seconds": 2,
        "stripe_max_retries": 3,
        # The local Stripe charges no processor fee unless told to (`fake.processor_prices`), so the
        # shop estimates none either; tests/payments/test_processing_fees.py sets both.
        "processor_prices": "*=0%", **overrides,
    }
    settings = Settings(_env_file=None, **options)
    services = build_services(settings, clock=clock)
    app = FastAPI()
    api.install_error_handlers(app)
    app.include_router(api.router)
    app.state.eventflow = services
    shop = Shop(fake, services, clock, TestClient(app), tmp_path)
    fake.webhook_target = shop.post_webhook
    return shop


@pytest.fixture(params=["sqlite", "dynamodb"])
def shop(request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock, fake: FakeStripe) -> Iterator[Shop]:
    """The shop on each store: SQLite, and DynamoDB on moto (in this process, like the contract tests)."""
    if request.param == "sqlite":
        shop = make_shop(tmp_path, clock, fake)
        yield shop
        shop.client.close()
        shop.store.close()
        return
    with in_process_table("eventflow-payments"):
        shop = make_shop(tmp_path, clock, fake, store=f"dynamodb://eventflow-payments?region={REGION}")
        shop.kind = "dynamodb"
        yield shop
        shop.client.close()


@pytest.fixture
def ready_shop(shop: Shop) -> Shop:
    shop.onboard()
    return shop


def assert_ledger(shop: Shop) -> None:
    """Nothing stranded, nothing leaked: the end of every fault test."""
    store, fake = shop.store, shop.fake
    events = store.list_events(shop.organizer.id) if shop.organizer else []
    orders = [order for event in events for order in store.list_orders(event.id)]
    by_intent: dict[str, list[Any]] = {}
    for order in orders:
        by_intent.setdefault(order.payment_ref, []).append(order)
    for session in fake.paid_sessions():
        intent = session["payment_intent"]
        refunded = sum(r["amount"] for r in fake.refunds_of(intent))
        paid_orders = by_intent.get(intent, [])
        reservation = store.get_reservation(session["metadata"]["reservation_id"])
        if paid_orders:
            assert len(paid_orders) == 1, f"session {session['id']} has {len(paid_orders)} orders"
            order = paid_orders[0]
            assert order.reservation_id == reservation.id and order.total_minor == session["amount_total"]
            issued = Counter(ticket.tier_id for ticket in order.tickets)
            assert issued == Counter({line.tier_id: line.quantity for line in reservation.lines})
            payment = store.get_payment(reservation.id)
            assert payment.state is PaymentState.PAID and payment.payment_intent_id == intent
        else:
            assert refunded == session["amount_total"], f"paid session {session['id']}: no order and no refund"
            for refund in fake.refunds_of(intent):
                assert refund["_refund_application_fee"] and refund["_reverse_transfer"]
    paid_intents = {s["payment_intent"] for s in fake.paid_sessions()}
    for order in orders:
        if order.total_minor:
            assert order.payment_ref in paid_intents, f"order {order.id} was never paid"
    for refund in [r for event in events for r in store.list_refunds(event.id)]:
        assert refund.status is RefundStatus.SUCCEEDED, f"refund {refund.id} is {refund.status}"
    held_reservations = [store.get_reservation(rid) for rid in store.expired_reservation_ids(
        shop.clock.now() + timedelta(days=3650), limit=100_000)]
    for event in events:
        restocked = Counter()
        for refund in store.list_refunds(event.id):
            if refund.restock and refund.status is RefundStatus.SUCCEEDED:
                restocked.update(dict(refund.tier_quantities))
        for tier in store.get_tiers(event.id):
            tickets = [t for o in store.list_orders(event.id) for t in o.tickets if t.tier_id == tier.id]
            assert tier.sold == len(tickets) - restocked[tier.id], f"tier {tier.name}: sold {tier.sold}"
            held = sum(line.quantity for r in held_reservations if r.event_id == event.id
                       and r.status is ReservationStatus.HELD for line in r.lines if line.tier_id == tier.id)
            assert tier.held == held, f"tier {tier.name}: held {tier.held}, holds add up to {held}"
            assert tier.held + tier.sold <= tier.capacity
