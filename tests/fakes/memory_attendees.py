"""`InMemoryStore`'s checkout forms and attendee lists: dicts by event id and by reservation id."""

from __future__ import annotations

import threading

from eventflow.domain.attendees import AttendeeList
from eventflow.domain.questions import CheckoutForm
from tests.fakes.round_trip import as_stored


class InMemoryAttendeesMixin:
    def __init__(self) -> None:
        self._checkout_forms: dict[str, CheckoutForm] = {}
        self._attendee_lists: dict[str, AttendeeList] = {}
        self._attendees_lock = threading.Lock()

    def get_checkout_form(self, event_id: str) -> CheckoutForm | None:
        with self._attendees_lock:
            return self._checkout_forms.get(event_id)

    def save_checkout_form(self, form: CheckoutForm) -> None:
        with self._attendees_lock:
            self._checkout_forms[form.event_id] = as_stored(form)

    def get_attendees(self, event_id: str, reservation_id: str) -> AttendeeList | None:
        with self._attendees_lock:
            found = self._attendee_lists.get(reservation_id)
        return found if found is not None and found.event_id == event_id else None

    def save_attendees(self, attendees: AttendeeList) -> None:
        with self._attendees_lock:
            self._attendee_lists[attendees.reservation_id] = as_stored(attendees)

    def list_attendees(self, event_id: str) -> list[AttendeeList]:
        with self._attendees_lock:
            mine = [a for a in self._attendee_lists.values() if a.event_id == event_id]
        return sorted(mine, key=lambda a: a.reservation_id)
