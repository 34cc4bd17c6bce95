"""Per-ticket attendees and checkout questions (domain/attendees.py, domain/questions.py): names reach the
tickets at confirmation, answers are validated (required, choice, per ticket, per tier) and read back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventflow.domain.attendees import Attendee, Attendees
from eventflow.domain.checkin import DoorCheckIn, ScanResult
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.errors import ReservationClosed, ValidationFailed
from eventflow.domain.models import Buyer
from eventflow.domain.questions import Question, QuestionKind
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event
from tests.domain.test_checkin import qr_payload

BUYER = Buyer("ann@example.com", "Ann Buyer")


def setup(service: Ticketing, *questions: Question) -> tuple[Attendees, str, list[str]]:
    event, tiers = publish_event(service)
    attendees = Attendees(service.store, service.clock, service, service.catalog)
    if questions:
        attendees.save_form(event.organizer_id, event.id, True, questions)
    return attendees, event.id, [t.id for t in tiers]


def test_each_ticket_carries_its_attendee_after_confirmation(service: Ticketing) -> None:
    attendees, event_id, tiers = setup(service)
    held = service.reserve(event_id, [LineRequest(tiers[0], 2), LineRequest(tiers[1], 1)], BUYER)
    attendees.put(held.id, [Attendee("Ann Buyer", "ann@example.com"), Attendee(" Bo Friend ", "BO@Example.com"),
                            Attendee("Çelik Ünal 🎟")])
    order = service.confirm(held.id, payment_ref="demo")
    assert [(t.holder_name, t.holder_email) for t in order.tickets] == [
        ("Ann Buyer", "ann@example.com"), ("Bo Friend", "bo@example.com"), ("Çelik Ünal 🎟", "")]
    assert [t.tier_id for t in order.tickets] == [tiers[0], tiers[0], tiers[1]]
    stored = service.store.get_order(order.id)
    assert stored is not None and [t.holder_name for t in stored.tickets] == ["Ann Buyer", "Bo Friend", "Çelik Ünal 🎟"]


def test_without_attendees_every_ticket_keeps_the_buyers_name(service: Ticketing) -> None:
    _, event_id, tiers = setup(service)
    order = service.confirm(service.reserve(event_id, [LineRequest(tiers[0], 2)], BUYER).id, payment_ref="demo")
    assert [(t.holder_name, t.holder_email) for t in order.tickets] == [("Ann Buyer", ""), ("Ann Buyer", "")]


def test_the_first_list_is_prefilled_from_the_buyer(service: Ticketing) -> None:
    attendees, event_id, tiers = setup(service)
    held = service.reserve(event_id, [LineRequest(tiers[0], 2)], BUYER)
    _, prefilled = attendees.current(held.id)
    assert [(a.name, a.email) for a in prefilled.attendees] == [("Ann Buyer", "ann@example.com"), ("Ann Buyer", "")]


@pytest.mark.parametrize(("given", "field"), [
    ([Attendee("A")], "attendees"),  # one ticket short
    ([Attendee("A"), Attendee("B"), Attendee("C")], "attendees"),
    ([Attendee("A"), Attendee("   ")], "attendees[1].name"),
    ([Attendee("A"), Attendee("B\nC")], "attendees[1].name"),
    ([Attendee("A"), Attendee("x" * 121)], "attendees[1].name"),
    ([Attendee("A", "not-an-email"), Attendee("B")], "attendees[0].email"),
    ([Attendee("A"), Attendee("B", answers={"nope": "x"})], "attendees[1].answers.nope"),
])
def test_bad_attendees_are_refused_naming_the_field(service: Ticketing, given: list[Attendee], field: str) -> None:
    attendees, event_id, tiers = setup(service)
    held = service.reserve(event_id, [LineRequest(tiers[0], 2)], BUYER)
    with pytest.raises(ValidationFailed) as refused:
        attendees.put(held.id, given)
    assert refused.value.field == field
    assert service.store.get_attendees(event_id, held.id) is None


def test_answers_are_checked_per_question_kind_and_kept(service: Ticketing) -> None:
    size = Question("size", "T-shirt size", QuestionKind.CHOICE, ("S", "M", "L"), required=True, per_ticket=True)
    heard = Question("heard", "How did you hear about us?")
    rules = Question("rules", "I accept the house rules", QuestionKind.CHECKBOX, required=True)
    attendees, event_id, tiers = setup(service, size, heard, rules)
    held = service.reserve(event_id, [LineRequest(tiers[0], 2)], BUYER)

    def refused(given: list[Attendee]) -> str | None:
        with pytest.raises(ValidationFailed) as error:
            attendees.put(held.id, given)
        return error.value.field

    ok = {"size": "M", "rules": "yes"}
    assert refused([Attendee("A", answers=ok), Attendee("B")]) == "attendees[1].answers.size"  # required per ticket
    assert refused([Attendee("A", answers=ok), Attendee("B", answers={"size": "XL"})]) == "attendees[1].answers.size"
    assert refused([Attendee("A", answers={"size": "M"}), Attendee("B", answers={"size": "S"})]) == "answers.rules"
    assert refused([Attendee("A", answers={**ok, "rules": "maybe"}), Attendee("B", answers={"size": "S"})]) \
        == "answers.rules"
    assert refused([Attendee("A", answers={**ok, "heard": "x" * 1001}), Attendee("B", answers={"size": "S"})]) \
        == "answers.heard"
    odd = "a friend's \"zine\" — <b>ünïcödé</b> 🎉\nsecond line"
    kept = attendees.put(held.id, [Attendee("A", answers={**ok, "heard": odd, "rules": "true"}),
                                   Attendee("B", answers={"size": "S"})])
    assert kept.order_answers == {"heard": odd, "rules": "yes"}
    assert [dict(a.answers) for a in kept.attendees] == [{"size": "M"}, {"size": "S"}]

    order = service.confirm(held.id, payment_ref="demo")
    sheet = attendees.answer_sheet(event_id)
    assert sheet.columns() == ["T-shirt size", "How did you hear about us?", "I accept the house rules"]
    assert [sheet.cells(order, t) for t in order.tickets] == [["M", odd, "yes"], ["S", odd, "yes"]]
    assert "#2 T-shirt size: S" in sheet.summary(order)


def test_a_tier_question_is_asked_only_for_that_tiers_tickets(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    attendees = Attendees(service.store, service.clock, service, service.catalog)
    diet = Question("diet", "Dietary needs", required=True, per_ticket=True, tier_ids=(tiers[1].id,))
    attendees.save_form(event.organizer_id, event.id, True, [diet])
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 1), LineRequest(tiers[1].id, 1)], BUYER)
    asked = attendees.slots(held.id)
    assert [[q.id for q in slot.questions] for slot in asked.slots] == [[], ["diet"]]
    with pytest.raises(ValidationFailed) as error:  # not asked of the first tier's ticket
        attendees.put(held.id, [Attendee("A", answers={"diet": "vegan"}), Attendee("B", answers={"diet": "none"})])
    assert error.value.field == "attendees[0].answers.diet"
    assert attendees.missing_answers(held) == "Dietary needs"
    attendees.put(held.id, [Attendee("A"), Attendee("B", answers={"diet": "vegan"})])
    assert attendees.missing_answers(held) is None


def test_attendees_cannot_change_after_confirmation(service: Ticketing) -> None:
    attendees, event_id, tiers = setup(service)
    held = service.reserve(event_id, [LineRequest(tiers[0], 1)], BUYER)
    service.confirm(held.id, payment_ref="demo")
    with pytest.raises(ReservationClosed):
        attendees.put(held.id, [Attendee("Late Change")])


@pytest.mark.parametrize(("question", "field"), [
    (Question("", "  "), "questions[0].label"),
    (Question("", "Size", QuestionKind.CHOICE, ("S",)), "questions[0].options"),
    (Question("", "Size", QuestionKind.CHOICE, ("S", "S")), "questions[0].options"),
    (Question("", "Agree", QuestionKind.CHECKBOX, ("yes", "no")), "questions[0].options"),
    (Question("", "Diet", tier_ids=("tier_of_someone_else",)), "questions[0].tier_ids"),
])
def test_the_organizers_questions_are_checked(service: Ticketing, question: Question, field: str) -> None:
    attendees, event_id, _ = setup(service)
    organizer_id = service.store.get_event(event_id).organizer_id  # type: ignore[union-attr]
    with pytest.raises(ValidationFailed) as refused:
        attendees.save_form(organizer_id, event_id, True, [question])
    assert refused.value.field == field


def test_another_organizer_cannot_read_or_set_the_form(service: Ticketing) -> None:
    attendees, event_id, _ = setup(service)
    other = service.sign_up("other@example.com", "correct horse", "Other")
    with pytest.raises(Exception, match="No such event"):
        attendees.save_form(other.id, event_id, False, [])
    with pytest.raises(Exception, match="No such event"):
        attendees.own_form(other.id, event_id)


def test_the_door_and_its_manifest_name_the_attendee(service: Ticketing) -> None:
    attendees, event_id, tiers = setup(service)
    held = service.reserve(event_id, [LineRequest(tiers[0], 2)], BUYER)
    attendees.put(held.id, [Attendee("Ann Buyer"), Attendee("Bo Friend", "bo@example.com")])
    order = service.confirm(held.id, payment_ref="demo")
    event = service.store.get_event(event_id)
    assert event is not None
    service.clock.set(event.starts_at - timedelta(hours=1))
    door = DoorCheckIn(service.store, service.clock, DoorKeys("test secret"))
    outcome = door.scan(event, qr_payload(order.tickets[1], service.clock.now()), "door-1")
    assert outcome.result is ScanResult.ADMITTED and outcome.ticket is not None
    assert outcome.ticket.holder_name == "Bo Friend"
    assert [t.holder for t in door.manifest(event).tickets] == ["Ann Buyer", "Bo Friend"]
