"""The store contract at its edges, every store: listings whose sort keys tie, ids nobody stored, and
writes to records that do not exist, each as the `Store` / `PaymentStore` docstrings specify.

Records are written straight to the store (no domain service), so the times and ids that tie are
the test's own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from eventflow.domain.errors import (
    EventNotFound,
    LoginTaken,
    OrganizerNotFound,
    SlugTaken,
    StaffAccessExists,
    StaleCatalog,
    TicketsBeingRefunded,
    TierExists,
)
from eventflow.domain.models import (
    Buyer,
    CheckIn,
    DoubleAdmission,
    Event,
    EventStatus,
    Order,
    Organizer,
    Reservation,
    ReservationLine,
    ReservationStatus,
    StaffAccess,
    Ticket,
    TicketStatus,
    Tier,
)
from eventflow.domain.money import FeeMode
from eventflow.domain.payments.records import Payment, PaymentState, Refund, RefundReason, RefundStatus

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STARTS = NOW + timedelta(days=30)
BUYER = Buyer("ada@example.com", "Ada Lovelace")


# ------------------------------------------------------------------ records, built by hand
def an_organizer(organizer_id: str = "org_1") -> Organizer:
    return Organizer(organizer_id, f"{organizer_id}@example.com", "Org", "hash", NOW)


def an_event(event_id: str, starts_at: datetime = STARTS, organizer_id: str = "org_1",
             status: EventStatus = EventStatus.PUBLISHED) -> Event:
    return Event(event_id, organizer_id, f"slug-{event_id}", "Night Market", starts_at, starts_at + timedelta(hours=4),
                 "Europe/Berlin", "Hall 1", "EUR", "", FeeMode.BUYER_PAYS, status, NOW)


def a_tier(tier_id: str, event_id: str = "evt_1", position: int = 0, capacity: int = 100) -> Tier:
    return Tier(tier_id, event_id, f"Tier {tier_id}", price_minor=1000, capacity=capacity, position=position)


def a_hold(reservation_id: str, tier_id: str = "tier_1", event_id: str = "evt_1", quantity: int = 1) -> Reservation:
    line = ReservationLine(tier_id, quantity, 1000, 0, 1000)
    return Reservation(reservation_id, event_id, (line,), BUYER, "EUR", FeeMode.BUYER_PAYS, ReservationStatus.HELD,
                       NOW, NOW + timedelta(minutes=15))


def an_order(order_id: str, reservation: Reservation) -> Order:
    line = reservation.lines[0]
    tickets = tuple(
        Ticket(f"tkt_{order_id}_{n}", order_id, reservation.event_id, line.tier_id, BUYER.name, f"key{n}", f"secret{n}")
        for n in range(line.quantity)
    )
    return Order(order_id, reservation.id, reservation.event_id, BUYER, "EUR", line.subtotal_minor, 0,
                 line.total_minor, NOW, "pay", tickets)


def a_payment(reservation_id: str, hold_expires_at: datetime = NOW) -> Payment:
    return Payment(
        reservation_id=reservation_id, event_id="evt_1", organizer_id="org_1", account_id="acct_1",
        session_id=f"cs_{reservation_id}", url=f"https://checkout.example/{reservation_id}", amount_minor=1000,
        fee_minor=0, currency="EUR", state=PaymentState.OPEN, created_at=NOW, hold_expires_at=hold_expires_at,
        updated_at=NOW,
    )


def a_refund(refund_id: str, ticket_id: str) -> Refund:
    return Refund(
        id=refund_id, event_id="evt_1", reservation_id="res_1", order_id="ord_1", payment_intent_id="pi_1",
        ticket_ids=(ticket_id,), tier_quantities=(("tier_1", 1),), amount_minor=1000, fee_minor=0, currency="EUR",
        reason=RefundReason.ORGANIZER, restock=False, status=RefundStatus.PENDING, created_at=NOW,
    )


def published(store: Any) -> Event:
    """A published event `evt_1` of organizer `org_1`, with one tier `tier_1` of 100."""
    store.add_organizer(an_organizer())
    event = an_event("evt_1")
    store.add_event(event)
    store.add_tier(a_tier("tier_1"))
    return event


# ------------------------------------------------------------------ ties: every listing, a defined order
def test_events_with_the_same_start_are_listed_by_id(store: Any) -> None:
    store.add_organizer(an_organizer())
    for event_id in ("evt_c", "evt_a", "evt_b"):
        store.add_event(an_event(event_id))
    store.add_event(an_event("evt_0", starts_at=STARTS + timedelta(minutes=1)))  # later, though first by id
    expected = ["evt_a", "evt_b", "evt_c", "evt_0"]
    assert [e.id for e in store.list_events("org_1")] == expected
    assert [e.id for e in store.list_published_events()] == expected


def test_tiers_in_the_same_position_are_listed_by_id(store: Any) -> None:
    event = published(store)
    for tier_id in ("tier_c", "tier_b"):
        store.add_tier(a_tier(tier_id, position=0))
    store.add_tier(a_tier("tier_0", position=1))
    expected = ["tier_1", "tier_b", "tier_c", "tier_0"]
    assert [t.id for t in store.get_tiers(event.id)] == expected
    assert [c.tier_id for c in store.tier_counts([event.id])[event.id]] == expected


def test_holds_ending_at_the_same_time_expire_by_id(store: Any) -> None:
    published(store)
    for reservation_id in ("res_c", "res_a", "res_d", "res_b"):
        store.reserve(a_hold(reservation_id))
    due = NOW + timedelta(minutes=15)
    assert store.expired_reservation_ids(due) == ["res_a", "res_b", "res_c", "res_d"]
    assert store.expired_reservation_ids(due, limit=2) == ["res_a", "res_b"]


def test_orders_created_at_the_same_time_are_listed_by_id_with_tickets_in_issue_order(store: Any) -> None:
    event = published(store)
    orders = {}
    for order_id in ("ord_c", "ord_a", "ord_b"):
        hold = a_hold(f"res_{order_id}", quantity=3)
        store.reserve(hold)
        orders[order_id], _ = store.confirm(hold.id, an_order(order_id, hold), NOW)
    listed = store.list_orders(event.id)
    assert [o.id for o in listed] == ["ord_a", "ord_b", "ord_c"]
    assert listed == [orders["ord_a"], orders["ord_b"], orders["ord_c"]]
    assert [t.id for t in store.get_order("ord_c").tickets] == ["tkt_ord_c_0", "tkt_ord_c_1", "tkt_ord_c_2"]


def test_check_ins_at_the_same_time_are_listed_by_ticket(store: Any) -> None:
    event = published(store)
    for ticket_id in ("tkt_c", "tkt_a", "tkt_b"):
        store.admit(CheckIn(ticket_id, event.id, "door-1", NOW, f"nonce-{ticket_id}"))
    store.admit(CheckIn("tkt_0", event.id, "door-1", NOW + timedelta(seconds=1), "nonce-0"))
    assert [c.ticket_id for c in store.list_checkins(event.id)] == ["tkt_a", "tkt_b", "tkt_c", "tkt_0"]


def test_double_admissions_are_listed_by_ticket_then_nonce(store: Any) -> None:
    event = published(store)
    first = CheckIn("tkt_b", event.id, "door-1", NOW, "n0")
    for ticket_id, nonce in (("tkt_b", "n2"), ("tkt_a", "n9"), ("tkt_b", "n1")):
        second = CheckIn(ticket_id, event.id, "door-2", NOW, nonce, offline=True)
        store.add_double_admission(DoubleAdmission(ticket_id, event.id, replace(first, ticket_id=ticket_id), second))
    listed = store.list_double_admissions(event.id)
    assert [(r.ticket_id, r.second.nonce) for r in listed] == [("tkt_a", "n9"), ("tkt_b", "n1"), ("tkt_b", "n2")]


def test_staff_created_at_the_same_time_are_listed_by_id(store: Any) -> None:
    event = published(store)
    for staff_id in ("stf_c", "stf_a", "stf_b"):
        store.add_staff(StaffAccess(staff_id, event.id, "Door", staff_id * 10, NOW))
    assert [s.id for s in store.list_staff(event.id)] == ["stf_a", "stf_b", "stf_c"]


def test_refunds_created_at_the_same_time_are_listed_by_id(store: Any) -> None:
    for refund_id in ("rf_c", "rf_a", "rf_b"):
        store.start_refund(a_refund(refund_id, f"tkt_{refund_id}"))
    assert [r.id for r in store.list_refunds("evt_1")] == ["rf_a", "rf_b", "rf_c"]
    assert [r.id for r in store.pending_refunds()] == ["rf_a", "rf_b", "rf_c"]
    assert [r.id for r in store.pending_refunds(limit=2)] == ["rf_a", "rf_b"]


def test_payments_whose_holds_end_together_are_listed_by_reservation(store: Any) -> None:
    for reservation_id in ("res_c", "res_a", "res_b"):
        store.add_payment(a_payment(reservation_id))
    assert [p.reservation_id for p in store.open_payments()] == ["res_a", "res_b", "res_c"]
    first_two = store.open_payments(limit=2)
    assert [p.reservation_id for p in store.open_payments(after=first_two[-1])] == ["res_c"]


# ------------------------------------------------------------------ unknown ids
def test_unknown_ids_read_as_nothing(store: Any) -> None:
    for read in (store.get_organizer, store.find_organizer_by_email, store.find_organizer_by_identity,
                 store.get_event, store.find_event_by_slug, store.get_reservation, store.get_order,
                 store.get_ticket, store.find_staff):
        assert read("nope") is None, read.__name__
    for listing in (store.list_events, store.get_tiers, store.list_orders, store.list_staff, store.list_checkins,
                    store.list_double_admissions):
        assert listing("nope") == [], listing.__name__
    assert store.list_published_events() == []
    assert store.expired_reservation_ids(NOW + timedelta(days=365)) == []
    assert store.tier_counts(["nope", "nada"]) == {"nope": [], "nada": []}


def test_unknown_payment_ids_read_as_nothing(store: Any) -> None:
    for read in (store.get_connected_account, store.find_connected_account, store.get_payment,
                 store.find_payment_by_intent, store.get_refund):
        assert read("nope") is None, read.__name__
    assert store.list_refunds("nope") == []
    assert store.pending_refunds() == [] and store.open_payments() == []
    assert store.webhook_event_done("evt_nope") is False


# ------------------------------------------------------------------ writes to records that do not exist
def test_saving_what_does_not_exist_stores_nothing(store: Any) -> None:
    store.save_organizer(an_organizer("org_ghost"))
    assert store.get_organizer("org_ghost") is None
    assert store.find_organizer_by_email("org_ghost@example.com") is None
    store.save_event(an_event("evt_ghost", organizer_id="org_ghost"))
    assert store.get_event("evt_ghost") is None and store.find_event_by_slug("slug-evt_ghost") is None
    assert store.list_published_events() == []
    store.save_staff(StaffAccess("stf_ghost", "evt_ghost", "Door", "h" * 64, NOW))
    assert store.find_staff("h" * 64) is None and store.list_staff("evt_ghost") == []
    store.set_ticket_status("tkt_ghost", TicketStatus.VOID)
    assert store.get_ticket("tkt_ghost") is None


def test_children_of_what_does_not_exist_are_refused(store: Any) -> None:
    with pytest.raises(EventNotFound):
        store.add_tier(a_tier("tier_ghost", event_id="evt_ghost"))
    assert store.get_tiers("evt_ghost") == []
    with pytest.raises(OrganizerNotFound):
        store.add_identity("https://idp.example|ghost", "org_ghost")
    assert store.find_organizer_by_identity("https://idp.example|ghost") is None


def test_editing_a_tier_that_does_not_exist_is_stale(store: Any) -> None:
    event = published(store)
    with pytest.raises(StaleCatalog):
        store.update_tier(a_tier("tier_ghost"))
    assert [t.id for t in store.get_tiers(event.id)] == ["tier_1"]


def test_releasing_or_confirming_a_reservation_that_does_not_exist(store: Any) -> None:
    event = published(store)
    for status in (ReservationStatus.CANCELLED, ReservationStatus.EXPIRED):
        assert store.release("res_ghost", status, NOW + timedelta(days=1)) is None
    with pytest.raises(KeyError):
        store.confirm("res_ghost", an_order("ord_ghost", a_hold("res_ghost")), NOW)
    assert store.get_order("ord_ghost") is None
    assert store.get_tiers(event.id)[0].sold == 0


def test_payment_writes_to_what_does_not_exist(store: Any) -> None:
    assert store.update_payment(a_payment("res_ghost")) is None
    assert store.get_payment("res_ghost") is None
    later = NOW + timedelta(minutes=5)
    assert store.claim_payment("res_ghost", "worker-1", NOW, later) is False
    store.release_payment_claim("res_ghost", "worker-1")
    assert store.get_payment("res_ghost") is None
    assert store.finish_refund("rf_ghost", RefundStatus.SUCCEEDED, NOW) is None
    store.finish_webhook_event("evt_ghost", NOW)  # never begun: nothing to finish
    assert store.webhook_event_done("evt_ghost") is False
    store.abandon_webhook_event("evt_ghost")
    assert store.begin_webhook_event("evt_ghost", "checkout.session.completed", NOW, later) is True


# ------------------------------------------------------------------ one message per error, whichever store
def test_refusals_carry_the_domain_message(store: Any) -> None:
    event = published(store)
    def refused(error: type[Exception], write: Any, *args: Any) -> None:
        with pytest.raises(error) as raised:
            write(*args)
        assert str(raised.value) == str(error()), f"{error.__name__}: {raised.value}"

    refused(SlugTaken, store.add_event, replace(an_event("evt_2"), slug=event.slug))
    refused(TierExists, store.add_tier, a_tier("tier_1"))
    store.add_identity("https://idp.example|1", "org_1")
    refused(LoginTaken, store.add_identity, "https://idp.example|1", "org_1")
    staff = StaffAccess("stf_1", event.id, "Door", "h" * 64, NOW)
    store.add_staff(staff)
    refused(StaffAccessExists, store.add_staff, staff)
    store.start_refund(a_refund("rf_1", "tkt_1"))
    refused(TicketsBeingRefunded, store.start_refund, a_refund("rf_2", "tkt_1"))
