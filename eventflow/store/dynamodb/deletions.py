"""Deleting a tier without sales and a draft event on DynamoDB (the `Store` port's `delete_tier`,
`delete_event`), each one transaction whose conditions are the rule: every counter item of the
tier (the tier item, or its shards) still has nothing held or sold, the event is still a draft
with an empty TIERLIST. The TIERLIST is rewritten on condition it is as read (read again if a tier
was added meanwhile)."""

from __future__ import annotations

import threading
from typing import Any

from eventflow.domain.errors import Conflict, EventNotDeletable, TierHasSales
from eventflow.store.dynamodb.client import ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.items import n, s
from eventflow.store.dynamodb.shards import tier_sk

NOTHING_HELD_OR_SOLD = "held = :zero AND sold = :zero"


class DynamoDeletionsMixin(TableClient):
    _tier_keys: dict[str, tuple[float, list[tuple[str, str]]]]
    _tier_keys_lock: threading.Lock

    def delete_tier(self, event_id: str, tier_id: str) -> None:
        pk = f"EVENT#{event_id}"
        for _ in range(4):
            if self._get(pk, tier_sk(tier_id), projection="PK") is None:
                return
            listed = self._get(pk, "TIERLIST") or {}
            tier_ids, shard_sks = listed.get("tier_ids", {"L": []}), listed.get("shard_sks", {"L": []})
            mine = [v["S"] for v in shard_sks["L"] if v["S"].startswith(f"{tier_sk(tier_id)}#SHARD#")]
            items = [self._delete_if_unsold(pk, sk) for sk in (tier_sk(tier_id), *mine)]
            items.append({"Update": {
                "TableName": self.table_name, "Key": key(pk, "TIERLIST"),
                "UpdateExpression": "SET tier_ids = :ids, shard_sks = :sks",
                "ConditionExpression": "tier_ids = :old_ids AND shard_sks = :old_sks" if listed
                else "attribute_not_exists(PK)",
                "ExpressionAttributeValues": {
                    ":ids": {"L": [v for v in tier_ids["L"] if v["S"] != tier_id]},
                    ":sks": {"L": [v for v in shard_sks["L"] if v["S"] not in mine]},
                    **({":old_ids": tier_ids, ":old_sks": shard_sks} if listed else {}),
                },
            }})
            try:
                self._transact(items)
            except ConditionFailed as cancelled:
                if any(cancelled.failed(index) for index in range(len(items) - 1)):
                    raise TierHasSales() from None
                continue  # the TIERLIST changed since the read (a tier added): read it again
            with self._tier_keys_lock:
                self._tier_keys.pop(event_id, None)
            return
        raise Conflict("The event's tiers kept changing while deleting the tier; please try again")

    def delete_event(self, event_id: str) -> None:
        pk = f"EVENT#{event_id}"
        event = self._get(pk, "EVENT", projection="slug")
        if event is None:
            return
        items: list[dict[str, Any]] = [
            {"Delete": {"TableName": self.table_name, "Key": key(pk, "EVENT"),
                        "ConditionExpression": "#status = :draft", "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {":draft": s("draft")}}},
            {"Delete": {"TableName": self.table_name, "Key": key(f"SLUG#{event['slug']['S']}", "SLUG"),
                        "ConditionExpression": "event_id = :id", "ExpressionAttributeValues": {":id": s(event_id)}}},
            {"Delete": {"TableName": self.table_name, "Key": key(pk, "TIERLIST"),
                        "ConditionExpression": "attribute_not_exists(PK) OR size(tier_ids) = :zero",
                        "ExpressionAttributeValues": {":zero": n(0)}}},
        ]
        try:
            self._transact(items)
        except ConditionFailed:
            if self._get(pk, "EVENT", projection="PK") is not None:
                raise EventNotDeletable() from None

    def _delete_if_unsold(self, pk: str, sk: str) -> dict[str, Any]:
        values: Item = {":zero": n(0)}
        return {"Delete": {"TableName": self.table_name, "Key": key(pk, sk),
                           "ConditionExpression": NOTHING_HELD_OR_SOLD, "ExpressionAttributeValues": values}}
