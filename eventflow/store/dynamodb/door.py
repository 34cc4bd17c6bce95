"""The DynamoDB store's door: staff access, check-ins, scan outcomes, double admissions."""

from __future__ import annotations

from contextlib import suppress

from eventflow.domain.errors import StaffAccessExists
from eventflow.domain.models import CheckIn, DoubleAdmission, StaffAccess
from eventflow.store.dynamodb.client import ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.items import (
    checkin_from,
    double_from,
    double_item,
    put_new,
    s,
    staff_from,
    staff_item,
    time_value,
)
from eventflow.store.dynamodb.sales_stats import HANDED_ON, admit_counted


class DynamoDoorMixin(TableClient):
    """The `Store` port's door operations on the table."""

    # ---------------------------------------------------------------- door staff
    def add_staff(self, staff: StaffAccess) -> None:
        """The staff item in its event's partition, plus a token item keeping token hashes
        unique and findable (Conflict when either exists)."""
        try:
            self._transact([
                put_new(self.table_name, staff_item(staff)),
                put_new(self.table_name, {
                    **key(f"STAFFTOKEN#{staff.token_hash}", "STAFFTOKEN"), "kind": s("staff_token"),
                    "event_id": s(staff.event_id), "staff_id": s(staff.id),
                }),
            ])
        except ConditionFailed:
            raise StaffAccessExists() from None

    def save_staff(self, staff: StaffAccess) -> None:
        """One UpdateItem of label and revocation, conditional on the item existing."""
        values: Item = {":label": s(staff.label)}
        update = "SET label = :label"
        if staff.revoked_at is None:
            update += " REMOVE revoked_at"
        else:
            update += ", revoked_at = :revoked"
            values[":revoked"] = time_value(staff.revoked_at)
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.update_item, TableName=self.table_name,
                Key=key(f"EVENT#{staff.event_id}", f"STAFF#{staff.id}"), UpdateExpression=update,
                ConditionExpression="attribute_exists(PK)", ExpressionAttributeValues=values,
            )

    def list_staff(self, event_id: str) -> list[StaffAccess]:
        staff = [staff_from(item) for item in self._partition_items(f"EVENT#{event_id}", "STAFF#")]
        return sorted(staff, key=lambda access: (access.created_at, access.id))

    def find_staff(self, token_hash: str) -> StaffAccess | None:
        pointer = self._get(f"STAFFTOKEN#{token_hash}", "STAFFTOKEN", projection="event_id, staff_id")
        if pointer is None:
            return None
        item = self._get(f"EVENT#{pointer['event_id']['S']}", f"STAFF#{pointer['staff_id']['S']}")
        return staff_from(item) if item else None

    # ---------------------------------------------------------------- door check-in
    def admit(self, checkin: CheckIn, transfers: int | None = None) -> tuple[CheckIn, bool]:
        """One transaction, its check-in Put conditional (first write wins); when the ticket was checked
        in already, the existing check-in comes back with the refusal (ALL_OLD), no second read. With
        `transfers`, a ConditionCheck on the ticket's transfer count rides along (store/dynamodb/transfers.py)."""
        old = admit_counted(self, checkin, transfers)  # one transaction with the door counts (sales_stats.py)
        if old is HANDED_ON:
            return checkin, False
        return (checkin, True) if old is None else (checkin_from(old), False)

    def list_checkins(self, event_id: str) -> list[CheckIn]:
        checkins = [checkin_from(item) for item in self._partition_items(f"EVENT#{event_id}", "CHECKIN#")]
        return sorted(checkins, key=lambda c: (c.scanned_at, c.ticket_id))

    def get_checkin(self, event_id: str, ticket_id: str) -> CheckIn | None:
        item = self._get(f"EVENT#{event_id}", f"CHECKIN#{ticket_id}")
        return checkin_from(item) if item is not None else None

    def record_scan_result(self, nonce: str, event_id: str, result: str) -> str:
        try:
            self._call(
                self.client.put_item, TableName=self.table_name,
                Item={**key(f"SCAN#{nonce}", "SCAN"), "kind": s("scan"), "nonce": s(nonce),
                      "event_id": s(event_id), "result": s(result)},
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            old = error.response.get("Item") or self._get(f"SCAN#{nonce}", "SCAN")
            if old is None:
                raise RuntimeError(f"scan result of {nonce} vanished") from None
            return str(old["result"]["S"])
        return result

    def add_double_admission(self, record: DoubleAdmission) -> None:
        with suppress(self.client.exceptions.ConditionalCheckFailedException):  # recorded already
            self._call(
                self.client.put_item, TableName=self.table_name, Item=double_item(record),
                ConditionExpression="attribute_not_exists(PK)",
            )

    def list_double_admissions(self, event_id: str) -> list[DoubleAdmission]:
        records = [double_from(item) for item in self._partition_items(f"EVENT#{event_id}", "DOUBLE#")]
        return sorted(records, key=lambda r: (r.ticket_id, r.second.nonce))
