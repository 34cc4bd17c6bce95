"""The webhook under attack: signatures dated ahead of the tolerance are refused like old ones, and a
correctly signed but malformed event answers a JSON 400 and changes nothing, never a 500."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.payments.records import PaymentState
from tests.payments.conftest import Shop, make_shop
from tests.stripe_fake import FakeStripe

Event = dict[str, Any]


@pytest.fixture
def paid_shop(tmp_path: Path, clock: ManualClock, fake: FakeStripe) -> Iterator[Shop]:
    """SQLite only: reading a webhook does not depend on the store."""
    shop = make_shop(tmp_path, clock, fake)
    shop.onboard()
    yield shop
    shop.client.close()
    shop.store.close()


def completed_event(shop: Shop) -> tuple[str, Event]:
    """A paid session's `checkout.session.completed`, kept back from delivery; and its reservation id."""
    event, tiers = shop.event()
    reservation, session_id = shop.buy(event, (tiers[0], 1))
    shop.fake.pay(session_id)
    [completed] = shop.fake.take("checkout.session.completed")
    return reservation.id, completed


def post(shop: Shop, body: bytes, timestamp: int | None = None) -> Any:
    return shop.client.post("/api/v1/stripe/webhook", content=body,
                            headers={"Content-Type": "application/json",
                                     "Stripe-Signature": shop.fake.sign(body, timestamp=timestamp)})


def assert_nothing_changed(shop: Shop, reservation_id: str, event_id: str) -> None:
    assert shop.store.get_reservation(reservation_id).status.value == "held"
    assert shop.store.get_payment(reservation_id).state is PaymentState.OPEN
    assert not shop.store.webhook_event_done(event_id)


@pytest.mark.parametrize("ahead", [86_400, 301])
def test_a_signature_dated_ahead_of_the_tolerance_is_refused(paid_shop: Shop, ahead: int) -> None:
    reservation_id, completed = completed_event(paid_shop)
    body = paid_shop.fake.payload(completed)
    answer = post(paid_shop, body, timestamp=int(time.time()) + ahead)
    assert answer.status_code == 400 and answer.json()["error"] == "bad_signature", answer.text
    assert "future" in answer.json()["detail"]
    assert_nothing_changed(paid_shop, reservation_id, completed["id"])


def test_a_signature_a_little_ahead_is_clock_skew_and_accepted(paid_shop: Shop) -> None:
    reservation_id, completed = completed_event(paid_shop)
    answer = post(paid_shop, paid_shop.fake.payload(completed), timestamp=int(time.time()) + 60)
    assert answer.json() == {"status": "processed"}
    assert paid_shop.store.get_payment(reservation_id).state is PaymentState.PAID


def drop(*path: str) -> Callable[[Event], Any]:
    def change(event: Event) -> Event:
        *parents, last = path
        target = event
        for key in parents:
            target = target[key]
        del target[last]
        return event
    return change


def put(value: Any, *path: str) -> Callable[[Event], Any]:
    def change(event: Event) -> Event:
        *parents, last = path
        target = event
        for key in parents:
            target = target[key]
        target[last] = value
        return event
    return change


MALFORMED: dict[str, Callable[[Event], Any]] = {
    "a list": lambda event: [event],
    "a string": lambda event: "checkout.session.completed",
    "null": lambda event: None,
    "no id": drop("id"),
    "id a number": put(42, "id"),
    "no type": drop("type"),
    "type an object": put({"name": "checkout.session.completed"}, "type"),
    "no data": drop("data"),
    "data a list": put([], "data"),
    "no object": drop("data", "object"),
    "object a string": put("cs_123", "data", "object"),
    "unknown object": put("customer", "data", "object", "object"),
    "object of another kind": put("charge", "data", "object", "object"),
    "session without id": drop("data", "object", "id"),
    "session id a number": put(7, "data", "object", "id"),
    "amount as text": put("5186", "data", "object", "amount_total"),
    "amount a fraction": put(51.86, "data", "object", "amount_total"),
    "created beyond the calendar": put(10**20, "data", "object", "created"),
    "created as text": put("yesterday", "data", "object", "created"),
    "metadata a list": put(["res_x"], "data", "object", "metadata"),
    "reservation id a number": put({"reservation_id": 12}, "data", "object", "metadata"),
    "payment intent an object without id": put({"object": "payment_intent"}, "data", "object", "payment_intent"),
    "payment intent a number": put(3, "data", "object", "payment_intent"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_signed_but_malformed_event_is_a_json_400_and_changes_nothing(paid_shop: Shop, name: str) -> None:
    reservation_id, completed = completed_event(paid_shop)
    body = json.dumps(MALFORMED[name](copy.deepcopy(completed))).encode()
    answer = post(paid_shop, body)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"error", "detail"} and answer.json()["error"] == "malformed_event"
    assert_nothing_changed(paid_shop, reservation_id, completed["id"])
    # The untouched event still settles the payment afterwards.
    assert post(paid_shop, paid_shop.fake.payload(completed)).json() == {"status": "processed"}


@pytest.mark.parametrize("body", [b"{", b"", b"\xff\xfe not text"])
def test_a_signed_body_that_is_not_json_is_a_400(paid_shop: Shop, body: bytes) -> None:
    answer = post(paid_shop, body)
    assert answer.status_code == 400 and answer.json()["error"] in {"malformed_event", "bad_signature"}


@pytest.mark.parametrize("kind", ["charge.refunded", "payment_intent.payment_failed", "account.updated"])
def test_other_kinds_with_missing_or_mistyped_fields_are_a_400(paid_shop: Shop, kind: str) -> None:
    objects = {"charge.refunded": {"object": "charge", "id": "ch_1", "amount": "lots"},
               "payment_intent.payment_failed": {"object": "payment_intent", "id": "pi_1",
                                                 "last_payment_error": ["declined"]},
               "account.updated": {"object": "account", "requirements": {"currently_due": [1, 2]}, "id": "acct_1"}}
    body = json.dumps({"id": "evt_odd", "object": "event", "type": kind, "data": {"object": objects[kind]}}).encode()
    answer = post(paid_shop, body)
    assert answer.status_code == 400 and answer.json()["error"] == "malformed_event", answer.text
    assert not paid_shop.store.webhook_event_done("evt_odd")


def test_an_event_type_we_ignore_needs_no_readable_object(paid_shop: Shop) -> None:
    body = json.dumps({"id": "evt_other", "type": "customer.created", "data": {"object": "anything"}}).encode()
    assert post(paid_shop, body).json() == {"status": "ignored"}


def test_a_well_formed_event_about_an_unknown_reservation_is_not_a_500(paid_shop: Shop) -> None:
    _, completed = completed_event(paid_shop)
    stranger = put({"reservation_id": "res_nobody"}, "data", "object", "metadata")(copy.deepcopy(completed))
    stranger["data"]["object"]["client_reference_id"] = "res_nobody"
    stranger["id"] = "evt_stranger"
    answer = post(paid_shop, json.dumps(stranger).encode())
    assert answer.status_code < 500, answer.text
