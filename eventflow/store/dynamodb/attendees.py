"""Checkout forms and attendee lists on the DynamoDB table: a mixin of `DynamoStore`.

    EVENT#<id> / CHECKOUT_FORM                      the event's form as JSON (store/attendee_codec.py)
    EVENT#<id> / ATTENDEES#<reservation id>         a reservation's attendees and answers as JSON

In the event's partition, so the exports read every list of an event with one Query; the confirm
reads one list with one strongly consistent GetItem.
"""

from __future__ import annotations

from eventflow.domain.attendees import AttendeeList
from eventflow.domain.questions import CheckoutForm
from eventflow.store.attendee_codec import attendees_from_text, attendees_to_text, form_from_text, form_to_text
from eventflow.store.dynamodb.client import TableClient, key
from eventflow.store.dynamodb.items import s


class DynamoAttendeesMixin(TableClient):
    """`AttendeeStore` (domain/attendees.py)."""

    def get_checkout_form(self, event_id: str) -> CheckoutForm | None:
        item = self._get(f"EVENT#{event_id}", "CHECKOUT_FORM")
        return form_from_text(item["body"]["S"]) if item else None

    def save_checkout_form(self, form: CheckoutForm) -> None:
        item = {**key(f"EVENT#{form.event_id}", "CHECKOUT_FORM"), "kind": s("checkout_form"),
                "body": s(form_to_text(form))}
        self._call(self.client.put_item, TableName=self.table_name, Item=item)

    def get_attendees(self, event_id: str, reservation_id: str) -> AttendeeList | None:
        item = self._get(f"EVENT#{event_id}", f"ATTENDEES#{reservation_id}")
        return attendees_from_text(item["body"]["S"]) if item else None

    def save_attendees(self, attendees: AttendeeList) -> None:
        item = {**key(f"EVENT#{attendees.event_id}", f"ATTENDEES#{attendees.reservation_id}"),
                "kind": s("attendees"), "body": s(attendees_to_text(attendees))}
        self._call(self.client.put_item, TableName=self.table_name, Item=item)

    def list_attendees(self, event_id: str) -> list[AttendeeList]:
        items = self._query(KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
                            ExpressionAttributeValues={":pk": s(f"EVENT#{event_id}"), ":prefix": s("ATTENDEES#")},
                            ConsistentRead=True)
        return [attendees_from_text(item["body"]["S"]) for item in items]
