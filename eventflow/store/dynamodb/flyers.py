"""Flyer records on the DynamoDB table: a mixin of `DynamoStore`.

    EVENT#<id> / FLYER#<created_at>#<flyer id>   the record as JSON (store/flyer_codec.py)
"""

from __future__ import annotations

from eventflow.domain.flyers import Flyer
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.dynamodb.client import TableClient, key
from eventflow.store.dynamodb.items import s
from eventflow.store.flyer_codec import flyer_from_text, flyer_to_text


class DynamoFlyersMixin(TableClient):
    """`FlyerStore.save_flyer` / `list_flyers`."""

    def save_flyer(self, flyer: Flyer) -> None:
        item = {**key(f"EVENT#{flyer.event_id}", f"FLYER#{t2s(flyer.created_at)}#{flyer.id}"),
                "kind": s("flyer"), "body": s(flyer_to_text(flyer))}
        self._call(self.client.put_item, TableName=self.table_name, Item=item)

    def list_flyers(self, event_id: str) -> list[Flyer]:
        items = self._query(KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
                            ExpressionAttributeValues={":pk": s(f"EVENT#{event_id}"), ":prefix": s("FLYER#")},
                            ScanIndexForward=False, ConsistentRead=True)
        return [flyer_from_text(item["body"]["S"]) for item in items]
