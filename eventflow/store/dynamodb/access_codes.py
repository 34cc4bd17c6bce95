"""Access codes on the DynamoDB table (domain/access_codes.py).

A code is one item in its event's partition, keyed by its text: `EVENT#<e> / CODE#<CODE>` (so a buyer's
code is one GetItem, and a text is unique per event by the key). Its settings are one JSON attribute;
`max_uses`, `version`, `deleted` and the counters are attributes of their own, because the writes that
change them are conditions and increments inside the inventory's transactions: a reserve's one
TransactWriteItems carries the code's Update (`uses += n` on condition `version = :v AND uses <= max - n`),
a release or the reaper's batch gives uses back (`uses >= n`), a confirmation adds the figures. So a
code's limit holds like a tier's capacity, in the same single request per reserve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventflow.domain.access_codes import AccessCode, CodeTaken, CodeUsedUp
from eventflow.domain.errors import StaleCatalog
from eventflow.domain.models import Reservation
from eventflow.store.access_code_codec import COUNTER_NAMES, code_from_parts, settings_to_text
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.dynamodb.client import ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.items import integer, n, put_new, s

NAMES = {"#id": "id", "#uses": "uses"}


def code_sk(code: str) -> str:
    return f"CODE#{code}"


def code_item(code: AccessCode) -> Item:
    item: Item = {
        **key(f"EVENT#{code.event_id}", code_sk(code.code)), "kind": s("access_code"),
        "id": s(code.id), "event_id": s(code.event_id), "code": s(code.code),
        "created_at": s(t2s(code.created_at)), "settings": s(settings_to_text(code)),
        "deleted": {"BOOL": False}, "version": n(1), **{name: n(0) for name in COUNTER_NAMES},
    }
    if code.max_uses is not None:
        item["max_uses"] = n(code.max_uses)
    return item


def code_from(item: Item) -> AccessCode:
    return code_from_parts(
        id=item["id"]["S"], event_id=item["event_id"]["S"], code=item["code"]["S"],
        created_at=item["created_at"]["S"], settings=item["settings"]["S"],
        max_uses=integer(item, "max_uses") if "max_uses" in item else None,
        deleted=bool(item["deleted"]["BOOL"]), version=integer(item, "version"),
        counters={name: integer(item, name) for name in COUNTER_NAMES},
    )


def take_uses_item(table: str, reservation: Reservation) -> dict[str, Any]:
    """The reserve transaction's Update of the code (only for a reservation with a code)."""
    use = reservation.code
    assert use is not None
    condition = "#id = :id AND version = :v"
    values: Item = {":u": n(use.uses), ":id": s(use.code_id), ":v": n(use.version)}
    if use.max_uses is not None:  # the limit at this version; the version condition pins it
        condition += " AND #uses <= :ceiling"
        values[":ceiling"] = n(use.max_uses - use.uses)
    return {"Update": {
        "TableName": table, "Key": key(f"EVENT#{reservation.event_id}", code_sk(use.code)),
        "UpdateExpression": "SET #uses = #uses + :u", "ConditionExpression": condition,
        "ExpressionAttributeNames": NAMES, "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }}


def take_refusal(reservation: Reservation, old: Item | None) -> Exception:
    """Why the code's Update of a reserve failed: an edited (or deleted) code is read again."""
    use = reservation.code
    assert use is not None
    if old is None or old.get("id", {}).get("S") != use.code_id or integer(old, "version") != use.version:
        return StaleCatalog(use.code_id)
    return CodeUsedUp()


def give_back_items(table: str, uses: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """Uses returned per (event id, code text): release and the reaper's batch."""
    return [{"Update": {
        "TableName": table, "Key": key(f"EVENT#{event_id}", code_sk(code)),
        "UpdateExpression": "SET #uses = #uses - :u", "ConditionExpression": "#uses >= :u",
        "ExpressionAttributeNames": {"#uses": "uses"}, "ExpressionAttributeValues": {":u": n(quantity)},
    }} for (event_id, code), quantity in uses.items()]


def code_uses_of(reservations: Sequence[Reservation]) -> dict[tuple[str, str], int]:
    summed: dict[tuple[str, str], int] = {}
    for r in reservations:
        if r.code is not None:
            summed[(r.event_id, r.code.code)] = summed.get((r.event_id, r.code.code), 0) + r.code.uses
    return summed


def sale_item(table: str, reservation: Reservation, current: Item | None) -> dict[str, Any]:
    """The confirmation's Update of the code's figures. A late payment (its hold already gave the uses
    back) takes them again within the limit read in `current` (conditional on its version)."""
    use = reservation.code
    assert use is not None
    update = ("SET confirmed_uses = confirmed_uses + :u, tickets_sold = tickets_sold + :t,"
              " revenue_minor = revenue_minor + :r, discount_given_minor = discount_given_minor + :d")
    values: Item = {":u": n(use.uses), ":t": n(reservation.quantity), ":r": n(reservation.subtotal_minor),
                    ":d": n(reservation.discount_minor), ":id": s(use.code_id)}
    condition = "#id = :id"
    names = {"#id": "id"}
    if current is not None:  # late: the uses again
        update += ", #uses = #uses + :u"
        names["#uses"] = "uses"
        condition += " AND version = :v"
        values[":v"] = n(integer(current, "version"))
        if "max_uses" in current:
            condition += " AND #uses <= :ceiling"
            values[":ceiling"] = n(integer(current, "max_uses") - use.uses)
    return {"Update": {
        "TableName": table, "Key": key(f"EVENT#{reservation.event_id}", code_sk(use.code)),
        "UpdateExpression": update, "ConditionExpression": condition,
        "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
    }}


class DynamoAccessCodesMixin(TableClient):
    """`AccessCodeStore` on the table."""

    def add_access_codes(self, codes: Sequence[AccessCode]) -> None:
        """One transaction (STORE_BATCH codes at most): each a Put on condition its key is new."""
        if not codes:
            return
        if len({(c.event_id, c.code) for c in codes}) != len(codes):
            raise CodeTaken()
        try:
            self._transact([put_new(self.table_name, code_item(code)) for code in codes])
        except ConditionFailed:
            raise CodeTaken() from None

    def _codes_of(self, event_id: str) -> list[AccessCode]:
        return [code_from(item) for item in self._partition_items(f"EVENT#{event_id}", "CODE#")]

    def get_access_code(self, event_id: str, code_id: str) -> AccessCode | None:
        return next((c for c in self._codes_of(event_id) if c.id == code_id), None)

    def find_access_code(self, event_id: str, code: str) -> AccessCode | None:
        item = self._get(f"EVENT#{event_id}", code_sk(code))
        return code_from(item) if item else None

    def list_access_codes(self, event_id: str) -> list[AccessCode]:
        return sorted((c for c in self._codes_of(event_id) if not c.deleted), key=lambda c: (c.created_at, c.id))

    def update_access_code(self, code: AccessCode) -> AccessCode:
        stored = self.get_access_code(code.event_id, code.id)
        if stored is None or stored.deleted or stored.version != code.version:
            raise StaleCatalog(code.id)
        values: Item = {":settings": s(settings_to_text(code)), ":v": n(code.version), ":one": n(1),
                        ":false": {"BOOL": False}, ":id": s(code.id)}
        update = "SET settings = :settings, version = version + :one"
        condition = "#id = :id AND version = :v AND deleted = :false"
        if code.max_uses is None:
            update += " REMOVE max_uses"
        else:
            update = update.replace("SET ", "SET max_uses = :max, ")
            values[":max"] = n(code.max_uses)
            condition += " AND #uses <= :max"
        try:
            response = self._call(
                self.client.update_item, TableName=self.table_name,
                Key=key(f"EVENT#{code.event_id}", code_sk(stored.code)), UpdateExpression=update,
                ConditionExpression=condition, ExpressionAttributeNames=NAMES, ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            old = error.response.get("Item")
            if old is None or integer(old, "version") != code.version or old["deleted"]["BOOL"]:
                raise StaleCatalog(code.id) from None
            raise CodeUsedUp("{uses} uses are taken already: the limit cannot go below that",
                             uses=integer(old, "uses")) from None
        return code_from(response["Attributes"])

    def delete_access_code(self, event_id: str, code_id: str) -> bool:
        """Removed on condition nobody used it; else marked deleted (conditional on its version)."""
        stored = self.get_access_code(event_id, code_id)
        if stored is None or stored.deleted:
            return False
        item_key = key(f"EVENT#{event_id}", code_sk(stored.code))
        try:
            self._call(self.client.delete_item, TableName=self.table_name, Key=item_key,
                       ConditionExpression="#id = :id AND #uses = :zero AND confirmed_uses = :zero",
                       ExpressionAttributeNames=NAMES, ExpressionAttributeValues={":id": s(code_id), ":zero": n(0)})
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            pass
        try:
            self._call(self.client.update_item, TableName=self.table_name, Key=item_key,
                       UpdateExpression="SET deleted = :true, version = version + :one",
                       ConditionExpression="#id = :id AND deleted = :false",
                       ExpressionAttributeNames={"#id": "id"},
                       ExpressionAttributeValues={":id": s(code_id), ":true": {"BOOL": True},
                                                  ":false": {"BOOL": False}, ":one": n(1)})
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True
