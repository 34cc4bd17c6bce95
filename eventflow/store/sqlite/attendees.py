"""Checkout forms and attendee lists on the SQLite file: a mixin of `SqliteStore` (one row per event's
form and per reservation's list, each record as JSON: store/attendee_codec.py)."""

from __future__ import annotations

from eventflow.domain.attendees import AttendeeList
from eventflow.domain.questions import CheckoutForm
from eventflow.store.attendee_codec import attendees_from_text, attendees_to_text, form_from_text, form_to_text
from eventflow.store.sqlite.database import SqliteDatabase

ATTENDEES_SCHEMA = """
CREATE TABLE IF NOT EXISTS checkout_forms (event_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reservation_attendees (
    reservation_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reservation_attendees_by_event ON reservation_attendees (event_id, reservation_id);
"""


class SqliteAttendeesMixin(SqliteDatabase):
    """`AttendeeStore` (domain/attendees.py)."""

    def get_checkout_form(self, event_id: str) -> CheckoutForm | None:
        row = self._db().execute("SELECT body FROM checkout_forms WHERE event_id = ?", (event_id,)).fetchone()
        return form_from_text(row[0]) if row else None

    def save_checkout_form(self, form: CheckoutForm) -> None:
        with self._write() as db:
            db.execute("INSERT INTO checkout_forms VALUES (?, ?) ON CONFLICT (event_id) "
                       "DO UPDATE SET body = excluded.body", (form.event_id, form_to_text(form)))

    def get_attendees(self, event_id: str, reservation_id: str) -> AttendeeList | None:
        row = self._db().execute("SELECT body FROM reservation_attendees WHERE reservation_id = ? AND event_id = ?",
                                 (reservation_id, event_id)).fetchone()
        return attendees_from_text(row[0]) if row else None

    def save_attendees(self, attendees: AttendeeList) -> None:
        with self._write() as db:
            db.execute("INSERT INTO reservation_attendees VALUES (?, ?, ?) ON CONFLICT (reservation_id) "
                       "DO UPDATE SET body = excluded.body",
                       (attendees.reservation_id, attendees.event_id, attendees_to_text(attendees)))

    def list_attendees(self, event_id: str) -> list[AttendeeList]:
        rows = self._db().execute("SELECT body FROM reservation_attendees WHERE event_id = ? ORDER BY reservation_id",
                                  (event_id,)).fetchall()
        return [attendees_from_text(row[0]) for row in rows]
