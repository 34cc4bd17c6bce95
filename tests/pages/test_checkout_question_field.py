"""The checkout page shows a refusal on the input it is about (issue 17): an unanswered required question is
marked on its own field (Quasar's error state with the words) as well as under the form; answered, the mark
goes and the order is paid."""

from __future__ import annotations

import pytest

from eventflow.domain.models import Buyer
from eventflow.domain.questions import Question
from eventflow.domain.reservations import LineRequest
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, path_now, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


async def test_an_unanswered_required_question_is_marked_on_its_input(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 50}])
    site.services.attendees.save_form(organizer.id, event.id, True, [
        Question("diet", "Dietary needs", per_ticket=True, required=True),
        Question("heard", "How did you hear about us?", required=True)])
    reservation = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 2)], Buyer("ann@example.com", "Ann"))
    user = site.user
    await user.open(f"/checkout/{reservation.id}")
    by_testid(user, "question-diet-0").type("vegan")
    by_testid(user, "pay").click()
    await until(lambda: element(user, "question-diet-1").props.get("error"))  # ticket 2's, on its own input
    assert element(user, "question-diet-1").error == "Please answer this question"
    assert "Ticket 2" in element(user, "attendee-error").text
    assert not element(user, "question-diet-0").props.get("error")
    by_testid(user, "question-diet-1").type("none")
    by_testid(user, "pay").click()
    await until(lambda: element(user, "question-heard-order").props.get("error"))  # the per-order one next
    assert not element(user, "question-diet-1").props.get("error")  # the earlier mark is gone
    by_testid(user, "question-heard-order").type("a poster")
    by_testid(user, "pay").click()
    await until(lambda: path_now(user).startswith("/r/"))
