"""Store contract for checkout forms, attendee lists and the tickets' attendee email: the same on every store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from eventflow.domain.attendees import Attendee, AttendeeList, Attendees
from eventflow.domain.models import Buyer
from eventflow.domain.questions import CheckoutForm, Question, QuestionKind
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event

T0 = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
ODD = "Zoë \"Z\" O'Brien — 日本 🎟 <b>; =1+1"


def test_a_checkout_form_round_trips_and_is_overwritten(store: Any) -> None:
    assert store.get_checkout_form("evt_a") is None
    form = CheckoutForm("evt_a", False, (
        Question("q1", ODD, QuestionKind.CHOICE, ("S", "M", "L ✓"), True, True, ("tier_1", "tier_2")),
        Question("q2", "Agree?", QuestionKind.CHECKBOX, required=True),
        Question("q3", "Anything else?"),
    ))
    store.save_checkout_form(form)
    assert store.get_checkout_form("evt_a") == form
    assert store.get_checkout_form("evt_b") is None
    store.save_checkout_form(CheckoutForm("evt_a", True, ()))
    assert store.get_checkout_form("evt_a") == CheckoutForm("evt_a", True, ())


def test_attendee_lists_round_trip_per_reservation_and_are_listed_per_event(store: Any) -> None:
    saved = AttendeeList("res_b", "evt_a", (Attendee(ODD, "zoe@example.com", {"q1": "M", "q3": "line\nline"}),
                                            Attendee("Bo", "", {})),
                         {"q2": "yes"}, T0.astimezone(timezone(timedelta(hours=9))))
    store.save_attendees(saved)
    store.save_attendees(AttendeeList("res_a", "evt_a", (Attendee("Al"),), {}, T0))
    store.save_attendees(AttendeeList("res_c", "evt_b", (Attendee("Cy"),), {}, T0))
    got = store.get_attendees("evt_a", "res_b")
    assert got == saved and got.saved_at.utcoffset() == timedelta(0)
    assert store.get_attendees("evt_b", "res_b") is None  # another event's key finds nothing
    assert store.get_attendees("evt_a", "res_zzz") is None
    assert [a.reservation_id for a in store.list_attendees("evt_a")] == ["res_a", "res_b"]
    assert store.list_attendees("evt_none") == []
    store.save_attendees(AttendeeList("res_b", "evt_a", (Attendee("Changed"),), {}, T0))
    assert [a.name for a in store.get_attendees("evt_a", "res_b").attendees] == ["Changed"]


def test_confirmed_tickets_keep_the_attendees_names_and_emails(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    attendees = Attendees(service.store, service.clock, service, service.catalog)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 2), LineRequest(tiers[1].id, 1)],
                           Buyer("ann@example.com", "Ann Buyer"))
    attendees.put(held.id, [Attendee("Ann Buyer", "ann@example.com"), Attendee(ODD, "zoe@example.com"),
                            Attendee("Cy")])
    order = service.confirm(held.id, payment_ref="demo")
    expected = [("Ann Buyer", "ann@example.com"), (ODD, "zoe@example.com"), ("Cy", "")]
    for read in (service.store.get_order(order.id), service.store.list_orders(event.id)[0]):
        assert [(t.holder_name, t.holder_email) for t in read.tickets] == expected
    one = service.store.get_ticket(order.tickets[1].id)
    assert (one.holder_name, one.holder_email) == (ODD, "zoe@example.com")
