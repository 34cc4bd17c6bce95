"""`POST /reservations/{id}/checkout` before a required answer (issue 17): 422 in the usual `{error, detail}`
whose detail ends with the input's field (`attendees[0].answers.<id>`, as `PUT .../attendees` takes answers),
so a client can point at it."""

from __future__ import annotations

import httpx

from tests.api.test_api import assert_error
from tests.api.test_attendees_api import NAMED, api, event_with_questions, hold

__all__ = ["api"]  # the running app's client fixture


def test_checkout_names_the_unanswered_required_question(api: httpx.Client) -> None:
    event_id, _auth, tier_id = event_with_questions(api, 0)
    reservation = hold(api, event_id, tier_id, 3)
    refused = api.post(f"/reservations/{reservation}/checkout")
    assert_error(refused, 422, "validation_error")
    assert refused.json()["detail"] == "Please answer the required questions first: attendees[0].answers.rules"
    assert api.put(f"/reservations/{reservation}/attendees", json=NAMED).status_code == 200
    assert api.post(f"/reservations/{reservation}/checkout").status_code == 200  # free: paid at once
