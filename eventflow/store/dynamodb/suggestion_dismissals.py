"""Dismissed pricing suggestions on the DynamoDB table (domain/pricing_suggestions.py `SuggestionDismissals`):
a mixin of `DynamoStore`.

    EVENT#<id> / DISMISSED#<suggestion key>   dismissed_at
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.dynamodb.client import TableClient, key
from eventflow.store.dynamodb.items import s


class DynamoSuggestionDismissalsMixin(TableClient):
    """`SuggestionDismissals.dismiss_suggestion` / `dismissed_suggestions`."""

    def dismiss_suggestion(self, event_id: str, key_name: str, at: datetime) -> None:
        item = {**key(f"EVENT#{event_id}", f"DISMISSED#{key_name}"), "kind": s("suggestion_dismissal"),
                "dismissed_at": s(t2s(at))}
        with suppress(self.client.exceptions.ConditionalCheckFailedException):  # a second keeps the first's time
            self._call(self.client.put_item, TableName=self.table_name, Item=item,
                       ConditionExpression="attribute_not_exists(PK)")

    def dismissed_suggestions(self, event_id: str) -> set[str]:
        items = self._query(KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
                            ExpressionAttributeValues={":pk": s(f"EVENT#{event_id}"), ":prefix": s("DISMISSED#")},
                            ConsistentRead=True)
        return {item["SK"]["S"].removeprefix("DISMISSED#") for item in items}
