"""The authorization walk again on an app WITH Stripe configured, where the refund and money routes are live.

test_authorization.py walks an app with demo payments, where the refund routes answer 404 to
everyone, so a refund route without its ownership check would pass there. Here organizer A has a
card-paid order on a Stripe-connected account (the local Stripe stand-in, tests/stripe_fake.py) and
organizer B, onboarded with an account of their own, tries every organizer route and every payment
route against A's ids; then the attack itself: B refunds A's order. Each refusal is a JSON 403/404,
A's order, tickets and money stay as they were, Stripe is asked for nothing, and A can still refund
the very same order (the route was live all along).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Event, TicketStatus
from tests.api.test_authorization import NOT_ABOUT_AN_EVENT, ORGANIZER_ROUTES, filled
from tests.payments.conftest import Shop, make_shop
from tests.stripe_fake import FakeStripe

A_BUYER = "harriet.vane@example.org"
A_STAFF_LABEL = "Gate keeper Gwen"
# Payment routes that are about the signed-in organizer's own account: B gets B's, never A's.
OWN_ACCOUNT_ROUTES = sorted(route for route in NOT_ABOUT_AN_EVENT if route[1].startswith("/payments/"))


@dataclass
class StripeWorld:
    shop: Shop
    a_auth: dict[str, str]
    a_account: str
    a_event: Event
    a_order_id: str
    a_payment_intent: str
    a_staff_id: str
    b_auth: dict[str, str]
    b_account: str
    b_event: Event
    a_tier_id: str  # a tier of A's event (DELETE …/tiers/{tier_id} is in the walk)

    @property
    def http(self) -> Any:  # the in-process TestClient, an httpx.Client
        return self.shop.client

    @property
    def secrets_of_a(self) -> list[str]:
        return [A_BUYER, A_STAFF_LABEL, self.a_staff_id, self.a_account, self.a_payment_intent]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[StripeWorld]:
    clock = ManualClock()
    with FakeStripe(clock=clock.now) as fake:
        shop = make_shop(tmp_path, clock, fake)
        a_account = shop.onboard()
        a_auth = shop.auth
        a_event, a_tiers = shop.event()
        reservation = shop.reserve(a_event, (a_tiers[0], 2), email=A_BUYER)
        fake.pay(shop.checkout(reservation))
        assert fake.deliver_all() == [200]
        order_id = shop.store.get_reservation(reservation.id).order_id
        payment_intent = shop.store.get_order(order_id).payment_ref
        staff = shop.client.post(f"/api/v1/events/{a_event.id}/staff", json={"label": A_STAFF_LABEL}, headers=a_auth)
        assert staff.status_code == 201, staff.text
        b_account = shop.onboard()  # B: a legitimate organizer with a Stripe account of their own
        b_event, _ = shop.event()
        yield StripeWorld(shop, a_auth, a_account, a_event, order_id, payment_intent, staff.json()["staff_id"],
                          shop.auth, b_account, b_event, a_tiers[0].id)
        shop.client.close()
        shop.store.close()


def api(world: StripeWorld, method: str, path: str, auth: dict[str, str], body: dict | None = None) -> httpx.Response:
    response: httpx.Response = world.http.request(method, f"/api/v1{path}", json=body, headers=auth)
    return response


def assert_refused(response: httpx.Response, world: StripeWorld, statuses: tuple[int, ...] = (403, 404)) -> None:
    assert response.status_code in statuses, (response.request.method, response.request.url, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    assert set(response.json()) == {"error", "detail"}, response.text
    for secret in world.secrets_of_a:
        assert secret not in response.text, (secret, response.text)


def money_of_a(world: StripeWorld) -> dict[str, Any]:
    """A's order and money as A sees them, and what Stripe was asked to refund for it."""
    def read(path: str) -> Any:
        response = api(world, "GET", path, world.a_auth)
        assert response.status_code == 200, response.text
        return response.json()

    order = world.shop.store.get_order(world.a_order_id)
    return {
        "tickets": [ticket.status for ticket in order.tickets],
        "refunds": read(f"/events/{world.a_event.id}/refunds"),
        "ledger": read(f"/events/{world.a_event.id}/ledger"),
        "staff": read(f"/events/{world.a_event.id}/staff"),
        "at_stripe": world.shop.fake.refunds_of(world.a_payment_intent),
    }


def test_as_money_routes_are_live_on_this_app(world: StripeWorld) -> None:
    """The refusals below mean something only if the same routes answer A with A's data."""
    money = money_of_a(world)
    assert money["tickets"] == [TicketStatus.VALID, TicketStatus.VALID]
    assert money["refunds"] == [] and money["at_stripe"] == []
    assert money["ledger"]["orders"] == 1 and money["ledger"]["charged_minor"] > 0
    assert api(world, "GET", "/payments/account", world.a_auth).json()["account_id"] == world.a_account


def test_organizer_b_is_refused_on_every_organizer_and_payment_route_of_a(world: StripeWorld) -> None:
    before = money_of_a(world)
    ids = {"event_id": world.a_event.id, "staff_id": world.a_staff_id, "order_id": world.a_order_id,
           "flyer_id": "fly_of_a", "file_name": "square.png", "code_id": "acc_of_a",
           "tier_id": world.a_tier_id, "key": "raise_price_or_capacity:tier_of_a"}  # the forecast's dismiss route
    for method, path, body in ORGANIZER_ROUTES:
        assert_refused(api(world, method, path.format(**ids), world.b_auth, filled(body, ids)), world)
    assert money_of_a(world) == before


@pytest.mark.parametrize("route", OWN_ACCOUNT_ROUTES, ids=lambda route: f"{route[0]} {route[1]}")
def test_account_routes_answer_b_about_bs_own_account(world: StripeWorld, route: tuple[str, str]) -> None:
    method, path = route
    response = api(world, method, path, world.b_auth)
    assert response.status_code == 200, response.text
    for secret in world.secrets_of_a:
        assert secret not in response.text
    if "account_id" in response.json():
        assert response.json()["account_id"] == world.b_account


@pytest.mark.parametrize("token", ["", "nonsense", "eyJhbGciOiJub25lIn0.e30."])
def test_broken_or_missing_tokens_are_401_on_every_organizer_and_payment_route(
    world: StripeWorld, token: str
) -> None:
    ids = {"event_id": world.a_event.id, "staff_id": world.a_staff_id, "order_id": world.a_order_id,
           "flyer_id": "fly_of_a", "file_name": "square.png", "code_id": "acc_of_a",
           "tier_id": world.a_tier_id, "key": "raise_price_or_capacity:tier_of_a"}  # the forecast's dismiss route
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    routes = [*ORGANIZER_ROUTES, *[(method, path, None) for method, path in OWN_ACCOUNT_ROUTES]]
    for method, path, body in routes:
        assert_refused(api(world, method, path.format(**ids), auth, filled(body, ids)), world, (401,))


def test_organizer_b_cannot_refund_as_order(world: StripeWorld) -> None:
    """The attack: B, signed in and Stripe-connected, refunds A's card-paid order, through A's event
    and through B's own event. Both are 404; nothing is voided, recorded or asked of Stripe."""
    before = money_of_a(world)
    body = {"order_id": world.a_order_id}
    assert_refused(api(world, "POST", f"/events/{world.a_event.id}/refunds", world.b_auth, body), world, (404,))
    assert_refused(api(world, "POST", f"/events/{world.b_event.id}/refunds", world.b_auth, body), world, (404,))
    assert money_of_a(world) == before
    assert world.shop.fake.calls("POST", "/v1/refunds") == []

    # The same request from A goes through: the refusals were about B, not a dead route.
    own = api(world, "POST", f"/events/{world.a_event.id}/refunds", world.a_auth, body)
    assert own.status_code == 201, own.text
    assert [ticket.status for ticket in world.shop.store.get_order(world.a_order_id).tickets] == [
        TicketStatus.VOID, TicketStatus.VOID]
