"""The reservation use cases, on the in-memory store (tests/conftest.py `service`) with a manual clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventflow.domain.access_codes import AccessCodes, CodeRequired, CodeSettings
from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import (
    NotFound,
    NotOnSale,
    ReservationClosed,
    SoldOut,
    Unauthorized,
    ValidationFailed,
)
from eventflow.domain.models import Buyer, EventStatus, ReservationStatus
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import BUYER, publish_event


class RecordingListener:
    def __init__(self) -> None:
        self.changed: list[str] = []

    def availability_changed(self, event_id: str) -> None:
        self.changed.append(event_id)


def test_sign_in_with_right_and_wrong_password(service: Ticketing) -> None:
    organizer = service.sign_up("Kim@Example.com ", "long enough", "Kim")
    assert service.authenticate("kim@example.com", "long enough").id == organizer.id
    with pytest.raises(Unauthorized):
        service.authenticate("kim@example.com", "wrong password")
    with pytest.raises(Unauthorized):
        service.authenticate("nobody@example.com", "long enough")


@pytest.mark.parametrize(
    ("email", "password", "name"),
    [("not-an-email", "long enough", "A"), ("a@b.co", "short", "A"), ("a@b.co", "long enough", "  ")],
)
def test_sign_up_refuses_bad_input(service: Ticketing, email: str, password: str, name: str) -> None:
    with pytest.raises(ValidationFailed):
        service.sign_up(email, password, name)


def test_event_needs_aware_times_in_order_and_a_real_timezone(service: Ticketing, clock) -> None:
    organizer = service.sign_up("o@example.com", "long enough", "O")
    start = clock.now() + timedelta(days=1)
    good = {"title": "Gig", "starts_at": start, "ends_at": start + timedelta(hours=2),
            "timezone": "Europe/Paris", "currency": "EUR"}
    for bad in (
        {"ends_at": start},
        {"timezone": "Mars/Olympus"},
        {"currency": "XYZ"},
        {"starts_at": start.replace(tzinfo=None)},
        {"title": " "},
        {"fee_mode": "nobody_pays"},
    ):
        with pytest.raises(ValidationFailed):
            service.catalog.create_event(organizer.id, **{**good, **bad})
    assert service.catalog.create_event(organizer.id, **good).status is EventStatus.DRAFT


def test_reservation_prices_each_line_with_the_fee(service: Ticketing) -> None:
    event, tiers = publish_event(service, prices=(2500, 0, 9900))
    reservation = service.reserve(
        event.id, [LineRequest(tiers[0].id, 2), LineRequest(tiers[1].id, 1)], BUYER
    )
    assert reservation.subtotal_minor == 5000
    assert reservation.fee_minor == 2 * (63 + 30)  # 2.5 % of 25.00 = 62.5 -> 63 cents
    assert reservation.total_minor == 5000 + 186
    assert reservation.expires_at == reservation.created_at + timedelta(minutes=15)


def test_absorbed_fee_is_not_charged_to_the_buyer(service: Ticketing) -> None:
    event, tiers = publish_event(service, fee_mode="organizer_absorbs")
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    assert reservation.total_minor == reservation.subtotal_minor == 5000
    assert reservation.fee_minor == 186


def test_duplicate_lines_for_one_tier_are_merged(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(
        event.id, [LineRequest(tiers[0].id, 2), LineRequest(tiers[0].id, 3)], BUYER
    )
    assert reservation.quantities() == {tiers[0].id: 5}


@pytest.mark.parametrize("quantity", [0, -1, 51, 10**30])
def test_impossible_quantities_are_refused(service: Ticketing, quantity: int) -> None:
    event, tiers = publish_event(service)
    with pytest.raises(ValidationFailed):
        service.reserve(event.id, [LineRequest(tiers[0].id, quantity)], BUYER)


def test_max_per_order_is_enforced(service: Ticketing) -> None:
    event, tiers = publish_event(service)  # default max per order: 10
    with pytest.raises(ValidationFailed, match="At most 10"):
        service.reserve(event.id, [LineRequest(tiers[0].id, 11)], BUYER)


def test_unknown_tier_or_tier_of_another_event_is_refused(service: Ticketing) -> None:
    event, _ = publish_event(service)
    _, other_tiers = publish_event(service)
    for tier_id in ("tier_nope", other_tiers[0].id):
        with pytest.raises(ValidationFailed):
            service.reserve(event.id, [LineRequest(tier_id, 1)], BUYER)


def test_drafts_do_not_exist_and_cancelled_events_are_not_on_sale(service: Ticketing) -> None:
    organizer = service.sign_up("d@example.com", "long enough", "D")
    start = service.clock.now() + timedelta(days=3)
    draft = service.catalog.create_event(organizer.id, title="Draft", starts_at=start,
                                 ends_at=start + timedelta(hours=1), timezone="UTC", currency="USD")
    tier = service.catalog.add_tier(organizer.id, draft.id, name="GA", price_minor=100, capacity=5)
    with pytest.raises(NotFound):
        service.reserve(draft.id, [LineRequest(tier.id, 1)], BUYER)
    with pytest.raises(NotFound):
        service.catalog.public_event_by_slug(draft.slug)
    service.catalog.publish(organizer.id, draft.id)
    service.store.save_event(draft.with_status(EventStatus.CANCELLED))
    with pytest.raises(NotOnSale):
        service.reserve(draft.id, [LineRequest(tier.id, 1)], BUYER)


def test_sale_window_is_enforced_with_the_clock(service: Ticketing, clock) -> None:
    event, _ = publish_event(service)
    organizer_id = event.organizer_id
    tier = service.catalog.add_tier(
        organizer_id, event.id, name="Late", price_minor=500, capacity=5,
        sales_start=clock.now() + timedelta(hours=1), sales_end=clock.now() + timedelta(hours=2),
    )
    with pytest.raises(NotOnSale):
        service.reserve(event.id, [LineRequest(tier.id, 1)], BUYER)
    clock.advance(hours=1)
    service.reserve(event.id, [LineRequest(tier.id, 1)], BUYER)
    clock.advance(hours=1)
    with pytest.raises(NotOnSale):
        service.reserve(event.id, [LineRequest(tier.id, 1)], BUYER)


def test_hidden_tier_is_reservable_by_link(service: Ticketing) -> None:
    event, _ = publish_event(service)
    tier = service.catalog.add_tier(event.organizer_id, event.id, name="Crew", price_minor=0, capacity=5,
                            hidden=True)
    # Issue 12: "by link" means with the link's access code; a hidden tier's id alone buys nothing.
    with pytest.raises(CodeRequired):
        service.reserve(event.id, [LineRequest(tier.id, 2)], BUYER)
    link = AccessCodes(service.store, service.clock, service.catalog).create(
        event.organizer_id, event.id, CodeSettings(code="CREW", unlocks_tiers=None))
    assert service.reserve(event.id, [LineRequest(tier.id, 2)], BUYER, code=link.code.lower()).quantity == 2


def test_other_organizers_cannot_touch_an_event(service: Ticketing) -> None:
    event, _ = publish_event(service)
    intruder = service.sign_up("intruder@example.com", "long enough", "I")
    with pytest.raises(NotFound):
        service.catalog.add_tier(intruder.id, event.id, name="Free", price_minor=0, capacity=1000)
    with pytest.raises(NotFound):
        service.catalog.publish(intruder.id, event.id)


def test_publishing_needs_a_tier(service: Ticketing) -> None:
    organizer = service.sign_up("p@example.com", "long enough", "P")
    start = service.clock.now() + timedelta(days=3)
    event = service.catalog.create_event(organizer.id, title="Empty", starts_at=start,
                                 ends_at=start + timedelta(hours=1), timezone="UTC", currency="USD")
    with pytest.raises(ValidationFailed):
        service.catalog.publish(organizer.id, event.id)


def test_an_ended_hold_is_released_when_its_buyer_looks(service: Ticketing, clock) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[2].id, 10)], BUYER)
    with pytest.raises(SoldOut):
        service.reserve(event.id, [LineRequest(tiers[2].id, 1)], BUYER)
    clock.advance(minutes=14, seconds=59)
    assert service.get_reservation(reservation.id).status is ReservationStatus.HELD
    clock.advance(seconds=1)
    assert service.get_reservation(reservation.id).status is ReservationStatus.EXPIRED
    service.reserve(event.id, [LineRequest(tiers[2].id, 10)], BUYER)


def test_cancel_is_idempotent_but_a_paid_order_cannot_be_cancelled(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
    assert service.cancel(reservation.id).status is ReservationStatus.CANCELLED
    assert service.cancel(reservation.id).status is ReservationStatus.CANCELLED
    paid = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
    service.confirm(paid.id, payment_ref="demo")
    with pytest.raises(ReservationClosed):
        service.cancel(paid.id)
    with pytest.raises(NotFound):
        service.cancel("res_unknown")


def test_every_inventory_change_tells_the_listener(service: Ticketing, clock) -> None:
    event, tiers = publish_event(service)
    listener = RecordingListener()
    service.listener = listener
    first = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
    second = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
    service.cancel(first.id)
    service.confirm(second.id, payment_ref="demo")
    service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
    clock.advance(minutes=20)
    service.release_expired_holds()
    assert listener.changed == [event.id] * 6  # 3 holds, 1 cancel, 1 sale, 1 expiry


def test_reservation_id_from_a_key_depends_on_the_secret(store: Store, clock: ManualClock) -> None:
    one = Ticketing(store, clock, secret_key="one")
    two = Ticketing(store, clock, secret_key="two")
    assert one.reservation_id_for("evt_1", "key") == one.reservation_id_for("evt_1", "key")
    assert one.reservation_id_for("evt_1", "key") != two.reservation_id_for("evt_1", "key")
    assert one.reservation_id_for("evt_1", "key") != one.reservation_id_for("evt_2", "key")


def test_buyer_needs_an_email_and_a_name(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    for buyer in (Buyer("nope", "Ada"), Buyer("ada@example.com", " ")):
        with pytest.raises(ValidationFailed):
            service.reserve(event.id, [LineRequest(tiers[0].id, 1)], buyer)
