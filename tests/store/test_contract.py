"""One contract, every store: the inventory rules hold whatever persists them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from eventflow.domain.errors import CapacityBelowSold, Conflict, EmailTaken, NotOnSale, SoldOut, StaleCatalog
from eventflow.domain.models import Buyer, CheckIn, DoubleAdmission, EventStatus, ReservationStatus, StaffAccess
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest
from tests.conftest import BUYER, make_service, publish_event


@pytest.fixture
def service(store: Store, clock):  # type: ignore[no-untyped-def]
    return make_service(store, clock)


def counts(store: Store, event_id: str) -> dict[str, tuple[int, int, int]]:
    return {t.id: (t.capacity, t.held, t.sold) for t in store.get_tiers(event_id)}


def test_organizer_email_is_unique(service, store: Store) -> None:
    service.sign_up("Sam@Example.com", "correct horse", "Sam")
    with pytest.raises(EmailTaken):
        service.sign_up("sam@example.com", "another pass", "Sam 2")
    assert store.find_organizer_by_email("sam@example.com") is not None


def test_event_round_trips_with_tiers_in_order(service, store: Store) -> None:
    event, tiers = publish_event(service)
    loaded = store.get_event(event.id)
    assert loaded == event
    assert store.find_event_by_slug(event.slug) == event
    assert [t.id for t in store.get_tiers(event.id)] == [t.id for t in tiers]
    assert store.list_events(event.organizer_id) == [event]
    assert event in store.list_published_events()


def test_second_event_with_same_title_gets_its_own_slug(service) -> None:
    first, _ = publish_event(service)
    second, _ = publish_event(service)
    assert first.slug != second.slug


def test_reserve_holds_every_line(service, store: Store) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(
        event.id, [LineRequest(tiers[0].id, 2), LineRequest(tiers[2].id, 3)], BUYER
    )
    assert reservation.status is ReservationStatus.HELD
    assert store.get_reservation(reservation.id) == reservation
    assert counts(store, event.id)[tiers[0].id] == (100, 2, 0)
    assert counts(store, event.id)[tiers[2].id] == (10, 3, 0)


def test_a_cart_that_does_not_fit_holds_nothing(service, store: Store) -> None:
    event, tiers = publish_event(service)
    service.reserve(event.id, [LineRequest(tiers[2].id, 5)], BUYER)
    with pytest.raises(SoldOut):
        service.reserve(
            event.id, [LineRequest(tiers[0].id, 2), LineRequest(tiers[2].id, 6)], BUYER
        )
    assert counts(store, event.id)[tiers[0].id] == (100, 0, 0)
    assert counts(store, event.id)[tiers[2].id] == (10, 5, 0)


def test_last_tickets_go_exactly_once(service, store: Store) -> None:
    event, tiers = publish_event(service, capacities=(100, 50, 10))
    service.reserve(event.id, [LineRequest(tiers[2].id, 7)], BUYER)
    with pytest.raises(SoldOut):
        service.reserve(event.id, [LineRequest(tiers[2].id, 4)], BUYER)
    service.reserve(event.id, [LineRequest(tiers[2].id, 3)], BUYER)
    assert counts(store, event.id)[tiers[2].id] == (10, 10, 0)


def test_same_idempotency_key_gives_same_reservation_once(service, store: Store) -> None:
    event, tiers = publish_event(service)
    first = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, idempotency_key="k1")
    again = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, idempotency_key="k1")
    assert again.id == first.id
    assert counts(store, event.id)[tiers[0].id] == (100, 2, 0)


def test_a_reservation_keeps_its_request_fingerprint(service, store: Store) -> None:
    """The store gives back an existing reservation for its id whatever was asked, so it must keep
    the fingerprint the domain compares a reused key's request with."""
    event, tiers = publish_event(service)
    first = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, idempotency_key="k1")
    assert first.request_fingerprint and store.get_reservation(first.id) == first
    other = replace(first, buyer=Buyer("mallory@example.com", "Mallory"), request_fingerprint="f" * 64)
    existing, created = store.reserve(other)
    assert (existing, created) == (first, False)
    assert counts(store, event.id)[tiers[0].id] == (100, 2, 0)


def test_draft_event_cannot_be_reserved_at_store_level(service, store: Store) -> None:
    event, tiers = publish_event(service)
    store.save_event(event.with_status(EventStatus.CANCELLED))
    reservation = service._price(  # priced from a stale view on purpose
        service.catalog.event_view(event.id).__class__(event, tuple(tiers)),
        {tiers[0].id: 1}, BUYER, "res_stale", None,
    )
    with pytest.raises(NotOnSale):
        store.reserve(reservation)


def test_hold_priced_from_an_old_tier_version_is_refused(service, store: Store) -> None:
    event, tiers = publish_event(service)
    view = service.catalog.event_view(event.id)
    reservation = service._price(view, {tiers[0].id: 1}, BUYER, "res_v", None)
    old = replace(reservation, lines=(replace(reservation.lines[0], tier_version=99),))
    with pytest.raises(StaleCatalog):
        store.reserve(old)
    assert counts(store, event.id)[tiers[0].id] == (100, 0, 0)


def test_cancel_gives_tickets_back_exactly_once(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 4)], BUYER)
    first = store.release(reservation.id, ReservationStatus.CANCELLED, clock.now())
    second = store.release(reservation.id, ReservationStatus.CANCELLED, clock.now())
    assert first is not None and first.status is ReservationStatus.CANCELLED
    assert second is None
    assert counts(store, event.id)[tiers[0].id] == (100, 0, 0)


def test_expiry_releases_only_when_due(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 3)], BUYER)
    assert store.release(reservation.id, ReservationStatus.EXPIRED, clock.now()) is None
    assert store.expired_reservation_ids(clock.now()) == []
    clock.advance(minutes=15)
    assert store.expired_reservation_ids(clock.now()) == [reservation.id]
    assert service.release_expired_holds() == 1
    assert service.release_expired_holds() == 0
    assert store.get_reservation(reservation.id).status is ReservationStatus.EXPIRED
    assert counts(store, event.id)[tiers[0].id] == (100, 0, 0)


def test_confirm_moves_held_to_sold_and_issues_tickets(service, store: Store) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(
        event.id, [LineRequest(tiers[0].id, 2), LineRequest(tiers[1].id, 1)], BUYER
    )
    order = service.confirm(reservation.id, payment_ref="demo_1")
    assert len(order.tickets) == 3
    assert {t.tier_id for t in order.tickets} == {tiers[0].id, tiers[1].id}
    assert len({t.secret for t in order.tickets}) == 3
    assert store.get_order(order.id) == order
    assert store.get_ticket(order.tickets[0].id) == order.tickets[0]
    assert counts(store, event.id)[tiers[0].id] == (100, 0, 2)
    stored = store.get_reservation(reservation.id)
    assert stored.status is ReservationStatus.CONFIRMED and stored.order_id == order.id


def test_confirm_twice_issues_one_order(service, store: Store) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    first = service.confirm(reservation.id, payment_ref="demo_1")
    second = service.confirm(reservation.id, payment_ref="demo_1")
    assert second.id == first.id
    assert counts(store, event.id)[tiers[0].id] == (100, 0, 2)


def test_confirmed_hold_is_never_released(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    service.confirm(reservation.id, payment_ref="demo_1")
    clock.advance(hours=1)
    assert store.release(reservation.id, ReservationStatus.EXPIRED, clock.now()) is None
    assert store.release(reservation.id, ReservationStatus.CANCELLED, clock.now()) is None
    assert counts(store, event.id)[tiers[0].id] == (100, 0, 2)


def test_late_payment_is_honoured_while_capacity_allows(service, store: Store, clock) -> None:
    event, tiers = publish_event(service, capacities=(100, 50, 3))
    late = service.reserve(event.id, [LineRequest(tiers[2].id, 2)], BUYER)
    clock.advance(minutes=16)
    service.release_expired_holds()
    order = service.confirm(late.id, payment_ref="late")
    assert len(order.tickets) == 2
    assert counts(store, event.id)[tiers[2].id] == (3, 0, 2)


def test_late_payment_without_capacity_is_sold_out(service, store: Store, clock) -> None:
    event, tiers = publish_event(service, capacities=(100, 50, 3))
    late = service.reserve(event.id, [LineRequest(tiers[2].id, 2)], BUYER)
    clock.advance(minutes=16)
    service.release_expired_holds()
    service.reserve(event.id, [LineRequest(tiers[2].id, 3)], BUYER)
    with pytest.raises(SoldOut):
        service.confirm(late.id, payment_ref="late")
    assert counts(store, event.id)[tiers[2].id] == (3, 3, 0)
    assert store.get_reservation(late.id).status is ReservationStatus.EXPIRED


def test_tier_counts_reads_many_events_at_once(service, store: Store) -> None:
    first, first_tiers = publish_event(service)
    second, _ = publish_event(service, capacities=(5,), prices=(0,))
    service.reserve(first.id, [LineRequest(first_tiers[1].id, 4)], BUYER)
    result = store.tier_counts([first.id, second.id, "evt_missing"])
    assert [c.available for c in result[first.id]] == [100, 46, 10]
    assert [c.capacity for c in result[second.id]] == [5]
    assert result["evt_missing"] == []


def test_expiry_is_ordered_and_limited(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    ids = []
    for _ in range(3):
        ids.append(service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER).id)
        clock.advance(minutes=1)
    clock.advance(timedelta(minutes=20))
    assert store.expired_reservation_ids(clock.now(), limit=2) == ids[:2]


def test_organizer_changes_are_saved(service, store: Store) -> None:
    organizer = service.sign_up("two@example.com", "correct horse", "Two")
    changed = replace(organizer, name="Two Factor", totp_secret="JBSWY3DPEHPK3PXP",
                      recovery_code_hashes=("a" * 64, "b" * 64), session_epoch=3, totp_last_step=59_200_000)
    store.save_organizer(changed)
    assert store.get_organizer(organizer.id) == changed
    assert store.find_organizer_by_email("two@example.com") == changed


def test_external_identity_links_to_one_organizer(service, store: Store) -> None:
    organizer = service.sign_up("oidc@example.com", "correct horse", "O")
    assert store.find_organizer_by_identity("https://idp.example|123") is None
    store.add_identity("https://idp.example|123", organizer.id)
    assert store.find_organizer_by_identity("https://idp.example|123") == organizer
    other = service.sign_up("other@example.com", "correct horse", "X")
    with pytest.raises(Conflict):
        store.add_identity("https://idp.example|123", other.id)


def test_tier_edit_bumps_version_and_keeps_inventory(service, store: Store) -> None:
    event, tiers = publish_event(service)
    service.reserve(event.id, [LineRequest(tiers[0].id, 3)], BUYER)
    current = next(t for t in store.get_tiers(event.id) if t.id == tiers[0].id)
    saved = store.update_tier(replace(current, name="Early", price_minor=3000, capacity=3, held=0, sold=0))
    assert (saved.name, saved.price_minor, saved.capacity, saved.held, saved.version) == (
        "Early", 3000, 3, 3, current.version + 1)
    with pytest.raises(StaleCatalog):  # edited from an old read
        store.update_tier(replace(current, capacity=50))


def test_capacity_never_goes_below_held_plus_sold(service, store: Store) -> None:
    event, tiers = publish_event(service)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 4)], BUYER)
    service.confirm(reservation.id, payment_ref="demo")
    service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER)
    current = next(t for t in store.get_tiers(event.id) if t.id == tiers[0].id)
    with pytest.raises(CapacityBelowSold):
        store.update_tier(replace(current, capacity=5))
    assert store.update_tier(replace(current, capacity=6)).available == 0
    with pytest.raises(SoldOut):
        service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)


def test_orders_of_an_event_in_order_with_tickets(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    orders = []
    for quantity in (1, 3):
        reservation = service.reserve(event.id, [LineRequest(tiers[0].id, quantity)], BUYER)
        clock.advance(seconds=5)
        orders.append(service.confirm(reservation.id, payment_ref="demo"))
    other, other_tiers = publish_event(service)
    service.confirm(service.reserve(other.id, [LineRequest(other_tiers[0].id, 1)], BUYER).id, "demo")
    listed = store.list_orders(event.id)
    assert [o.id for o in listed] == [o.id for o in orders]
    assert [len(o.tickets) for o in listed] == [1, 3]
    assert listed == orders


def test_staff_access_is_stored_found_and_revoked(service, store: Store, clock) -> None:
    event, _ = publish_event(service)
    staff = StaffAccess(id="stf_1", event_id=event.id, label="Main door", token_hash="h" * 64,
                        created_at=clock.now())
    store.add_staff(staff)
    assert store.find_staff("h" * 64) == staff
    assert store.list_staff(event.id) == [staff]
    revoked = replace(staff, revoked_at=clock.now())
    store.save_staff(revoked)
    assert store.find_staff("h" * 64) == revoked
    assert store.find_staff("x" * 64) is None


def _checkin(ticket_id: str, event_id: str, device: str, at, nonce: str, offline: bool = False) -> CheckIn:  # type: ignore[no-untyped-def]
    return CheckIn(ticket_id, event_id, device, at, nonce, offline)


def test_first_admission_wins(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    order = service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER).id, "demo")
    ticket = order.tickets[0]
    first, created = store.admit(_checkin(ticket.id, event.id, "door-1", clock.now(), "n1"))
    assert created and first.device_id == "door-1"
    clock.advance(seconds=5)
    again, created_again = store.admit(_checkin(ticket.id, event.id, "door-2", clock.now(), "n2", True))
    assert not created_again and again == first
    assert store.list_checkins(event.id) == [first]
    assert store.get_checkin(event.id, ticket.id) == first
    assert store.get_checkin(event.id, order.tickets[1].id) is None  # not admitted
    assert store.get_checkin("evt_other", ticket.id) is None  # another event's ticket


def test_a_checkin_keeps_when_the_server_received_it(service, store: Store, clock) -> None:
    event, tiers = publish_event(service)
    order = service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER).id, "demo")
    device_claim = clock.now() - timedelta(minutes=3)  # an offline device's clock, uploaded later
    offline = replace(_checkin(order.tickets[0].id, event.id, "door-1", device_claim, "n1", True),
                      received_at=clock.now())
    older = _checkin(order.tickets[1].id, event.id, "door-1", clock.now(), "n2")  # recorded before it was kept
    assert store.admit(offline) == (offline, True) and store.admit(older) == (older, True)
    assert store.list_checkins(event.id) == [offline, older]


def test_scan_results_are_remembered_per_nonce(service, store: Store) -> None:
    event, _ = publish_event(service)
    assert store.record_scan_result("nonce-1", event.id, "admitted") == "admitted"
    assert store.record_scan_result("nonce-1", event.id, "already_checked_in") == "admitted"


def test_double_admissions_are_kept_once(service, store: Store, clock) -> None:
    event, _ = publish_event(service)
    first = _checkin("tkt_1", event.id, "door-a", clock.now(), "a", True)
    second = _checkin("tkt_1", event.id, "door-b", clock.now() + timedelta(seconds=3), "b", True)
    record = DoubleAdmission("tkt_1", event.id, first, second)
    store.add_double_admission(record)
    store.add_double_admission(record)
    assert store.list_double_admissions(event.id) == [record]


def test_ticket_status_changes(service, store: Store) -> None:
    event, tiers = publish_event(service)
    order = service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER).id, "demo")
    store.set_ticket_status(order.tickets[0].id, "void")
    assert store.get_ticket(order.tickets[0].id).status == "void"
    assert store.list_orders(event.id)[0].tickets[0].status == "void"
