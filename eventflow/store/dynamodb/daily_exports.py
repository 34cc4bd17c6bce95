"""The daily export switch per event on the DynamoDB table: a mixin of `DynamoStore` (`DailyExportStore`,
domain/daily_exports.py). Every event's switch is an item of one partition, so the outbox job lists the
ones that are on with one Query (a few items per organizer who ever turned it on):

    DAILYEXPORTS / EVENT#<id>   organizer_id, enabled, changed_at
"""

from __future__ import annotations

from eventflow.domain.daily_exports import DailyExportSetting
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb.client import Item, TableClient, key
from eventflow.store.dynamodb.items import b, s

PARTITION = "DAILYEXPORTS"


def setting_from(item: Item) -> DailyExportSetting:
    return DailyExportSetting(item["SK"]["S"].removeprefix("EVENT#"), item["organizer_id"]["S"],
                              bool(item["enabled"]["BOOL"]), s2t(item["changed_at"]["S"]))


class DynamoDailyExportsMixin(TableClient):
    """`DailyExportStore`: one PutItem per switch, one consistent Query for the pass."""

    def save_daily_export(self, setting: DailyExportSetting) -> None:
        item = {**key(PARTITION, f"EVENT#{setting.event_id}"), "kind": s("daily_export"),
                "organizer_id": s(setting.organizer_id), "enabled": b(setting.enabled),
                "changed_at": s(t2s(setting.changed_at))}
        self._call(self.client.put_item, TableName=self.table_name, Item=item)

    def get_daily_export(self, event_id: str) -> DailyExportSetting | None:
        item = self._get(PARTITION, f"EVENT#{event_id}")
        return setting_from(item) if item else None

    def daily_exports_on(self) -> list[DailyExportSetting]:
        items = self._query(KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": s(PARTITION)},
                            ConsistentRead=True)
        return sorted((setting for setting in map(setting_from, items) if setting.enabled),
                      key=lambda setting: setting.event_id)
