"""Event changes (cancellations, postponements) on the DynamoDB table: a mixin of `DynamoStore`.

    EVENT#<id> / CHANGE   the event's change, the whole record as JSON (store/event_change_codec.py);
                          GSI2 `CHANGES_OPEN` by creation while its batch is unfinished (sparse)
"""

from __future__ import annotations

from eventflow.domain.event_changes import EventChange
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.dynamodb import table as dynamodb_table
from eventflow.store.dynamodb.client import Item, TableClient, key
from eventflow.store.dynamodb.items import s
from eventflow.store.event_change_codec import change_from_text, change_to_text

OPEN_PARTITION = "CHANGES_OPEN"


class DynamoCancellationsMixin(TableClient):
    """`Store.save_event_change` / `get_event_change` / `unfinished_event_changes`."""

    def save_event_change(self, change: EventChange) -> None:
        item: Item = {**key(f"EVENT#{change.event_id}", "CHANGE"), "kind": s("event_change"),
                      "body": s(change_to_text(change))}
        if change.running:  # listed for the batch job only while there is work left
            item["GSI2PK"] = s(OPEN_PARTITION)
            item["GSI2SK"] = s(f"{t2s(change.created_at)}#{change.event_id}")
        self._call(self.client.put_item, TableName=self.table_name, Item=item)

    def get_event_change(self, event_id: str) -> EventChange | None:
        item = self._get(f"EVENT#{event_id}", "CHANGE")
        return change_from_text(item["body"]["S"]) if item else None

    def unfinished_event_changes(self, limit: int = 100) -> list[EventChange]:
        keys = []
        for item in self._query(IndexName=dynamodb_table.GSI2, KeyConditionExpression="GSI2PK = :pk",
                                ExpressionAttributeValues={":pk": s(OPEN_PARTITION)}, Limit=min(limit, 1000)):
            keys.append((item["PK"]["S"], item["SK"]["S"]))
            if len(keys) >= limit:
                break
        # The index is eventually consistent: the records themselves decide (a consistent read).
        changes = [change_from_text(item["body"]["S"]) for item in self._batch_get(keys)]
        return sorted((c for c in changes if c.running), key=lambda c: (c.created_at, c.event_id))
