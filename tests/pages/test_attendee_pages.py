"""Names per ticket and checkout questions on the pages (issue 17), through NiceGUI's simulated user: the
checkout asks a name per ticket and the organizer's questions, refuses a bad entry naming the ticket, and
issues the tickets with those names; the editor's questions panel saves a question; the dashboard's
attendee list shows who holds each ticket and the answers."""

from __future__ import annotations

import pytest

from eventflow.domain.attendees import Attendee
from eventflow.domain.models import Buyer
from eventflow.domain.questions import Question, QuestionKind
from eventflow.domain.reservations import LineRequest
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, log_in, path_now, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


async def test_the_checkout_names_each_ticket_and_asks_the_questions(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 50}])
    site.services.attendees.save_form(organizer.id, event.id, True, [
        Question("diet", "Dietary needs", per_ticket=True),
        Question("heard", "How did you hear about us?", required=True)])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 3)], Buyer("ann@example.com", "Ann"))
    user = site.user
    await user.open(f"/checkout/{reservation.id}")
    await user.should_see("Who are the tickets for?")
    assert element(user, "attendee-name-0").value == "Ann" and element(user, "attendee-email-0").value == \
        "ann@example.com"
    assert element(user, "attendee-name-1").value == ""
    by_testid(user, "attendee-name-1").type("Bo Friend")
    by_testid(user, "attendee-email-1").type("bo@")
    by_testid(user, "question-diet-1").type("vegan")
    by_testid(user, "pay").click()
    await until(lambda: "Ticket 2" in element(user, "attendee-error").text)  # the email, named by its ticket
    assert site.store.get_reservation(reservation.id).order_id is None
    by_testid(user, "attendee-email-1").clear().type("bo@example.com")
    by_testid(user, "pay").click()
    await until(lambda: element(user, "attendee-error").text)  # the required question
    by_testid(user, "question-heard-order").type("a poster")
    by_testid(user, "pay").click()
    await until(lambda: path_now(user).startswith("/r/"))
    order = site.store.get_order(site.store.get_reservation(reservation.id).order_id)
    assert [(t.holder_name, t.holder_email) for t in order.tickets] == [
        ("Ann", "ann@example.com"), ("Bo Friend", "bo@example.com"), ("Ann", "")]  # ticket 3 left empty
    sheet = site.services.attendees.answer_sheet(event.id)
    assert [sheet.cells(order, t) for t in order.tickets] == [["", "a poster"], ["vegan", "a poster"],
                                                             ["", "a poster"]]


async def test_a_single_ticket_without_questions_asks_nothing_more(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 50}])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 1)], Buyer("ann@example.com", "Ann"))
    await site.user.open(f"/checkout/{reservation.id}")
    await site.user.should_not_see("Who are the tickets for?")
    by_testid(site.user, "pay").click()
    await until(lambda: path_now(site.user).startswith("/r/"))


async def test_the_editor_saves_a_question_and_the_dashboard_shows_attendees_and_answers(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 50}])
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    await user.should_see("Checkout questions")
    by_testid(user, "question-new-label").type("T-shirt size")
    element(user, "question-new-kind").value = "choice"
    by_testid(user, "question-new-options").type("S, M, L")
    element(user, "question-new-per-ticket").value = True
    by_testid(user, "question-add").click()
    await until(lambda: site.services.attendees.form(event.id).questions)
    (question,) = site.services.attendees.form(event.id).questions
    assert (question.label, question.kind, question.options, question.per_ticket) == \
        ("T-shirt size", QuestionKind.CHOICE, ("S", "M", "L"), True)

    held = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 2)], Buyer("cy@example.com", "Cy"))
    site.services.attendees.put(held.id, [Attendee("Cy", answers={question.id: "M"}),
                                          Attendee("Dee Guest", answers={question.id: "L"})])
    site.services.checkout.start(held.id)
    await user.open(f"/dashboard/events/{event.id}")
    await until(lambda: element(user, "attendees").rows[0]["answers"])  # the answers are read after the page
    (row,) = element(user, "attendees").rows
    assert row["holders"] == "Cy, Dee Guest"
    assert "T-shirt size: M" in row["answers"] and "#2 T-shirt size: L" in row["answers"]
