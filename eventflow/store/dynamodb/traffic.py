"""Counts per (event, source) and the sources of tracked holds on the DynamoDB table: a mixin of `DynamoStore`
(domain/traffic.py `TrafficStore`). Nothing here identifies a visitor: counts and source names only.

    EVENT#<id> / SOURCE#<source>        the counts, each added with UpdateItem ADD (no read first)
    HOLDSOURCE#<reservation> / SOURCE   a tracked hold's first and last source
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from eventflow.domain.traffic import COUNTS, HoldSource, SourceFigures
from eventflow.store.dynamodb.client import TableClient, key
from eventflow.store.dynamodb.items import n, s

# Every name through a placeholder: several (source, views, orders ...) are DynamoDB reserved words.
ADD_COUNTS = "SET #kind = :kind, #event_id = :event, #source_name = :source ADD " + ", ".join(
    f"#{c} :{c}" for c in COUNTS)
NAMES = {f"#{name}": name for name in ("kind", "event_id", "source_name", *COUNTS)}


class DynamoTrafficMixin(TableClient):
    """`TrafficStore`: one UpdateItem per (event, source) row of a batch."""

    def add_source_figures(self, figures: Iterable[SourceFigures]) -> None:
        for row in figures:
            values = {":kind": s("source"), ":event": s(row.event_id), ":source": s(row.source),
                      **{f":{c}": n(getattr(row, c)) for c in COUNTS}}
            self._call(self.client.update_item, TableName=self.table_name,
                       Key=key(f"EVENT#{row.event_id}", f"SOURCE#{row.source}"),
                       UpdateExpression=ADD_COUNTS, ExpressionAttributeNames=NAMES,
                       ExpressionAttributeValues=values)

    def source_figures(self, event_id: str) -> list[SourceFigures]:
        items = self._query(KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
                            ExpressionAttributeValues={":pk": s(f"EVENT#{event_id}"), ":prefix": s("SOURCE#")},
                            ConsistentRead=True)
        return [SourceFigures(event_id, item["source_name"]["S"],
                              *(int(item[c]["N"]) if c in item else 0 for c in COUNTS)) for item in items]

    def save_hold_source(self, source: HoldSource) -> None:
        item = {**key(f"HOLDSOURCE#{source.reservation_id}", "SOURCE"), "kind": s("hold_source"),
                "event_id": s(source.event_id), "first": s(source.first), "last": s(source.last)}
        self._call(self.client.put_item, TableName=self.table_name, Item=item)

    def hold_source(self, reservation_id: str) -> HoldSource | None:
        item = self._get(f"HOLDSOURCE#{reservation_id}", "SOURCE")
        if item is None:
            return None
        return HoldSource(reservation_id, item["event_id"]["S"], item["first"]["S"], item["last"]["S"])

    def succeeded_refund_ids(self, event_id: str) -> list[str]:
        items = self._query(KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
                            ExpressionAttributeValues={":pk": s(f"EVENT#{event_id}"), ":prefix": s("REFUND#")},
                            ProjectionExpression="#id, #status, order_id",
                            ExpressionAttributeNames={"#id": "id", "#status": "status"}, ConsistentRead=True)
        return sorted(item["id"]["S"] for item in items
                      if item["status"]["S"] == "succeeded" and "S" in item.get("order_id", {}))

    def hold_sources(self, reservation_ids: Sequence[str]) -> dict[str, HoldSource]:
        items = self._batch_get((f"HOLDSOURCE#{rid}", "SOURCE") for rid in reservation_ids)
        found = (HoldSource(item["PK"]["S"].removeprefix("HOLDSOURCE#"), item["event_id"]["S"], item["first"]["S"],
                            item["last"]["S"]) for item in items)
        return {source.reservation_id: source for source in found}
