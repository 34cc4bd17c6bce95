"""`DisputeStore` on the DynamoDB table (a part of `DynamoStore`).

    DISPUTE#<id>          / DISPUTE        the dispute (record as JSON): read by id
    EVENT#<event>         / DISPUTE#<id>   the same record in the event's partition: its disputes
    ORDERDISPUTE#<order>  / DISPUTE#<id>   the same record by order: what the door asks per ticket
    ORG#<org>             / DISPUTE_DOOR   the organizer's choice: admit disputed tickets (flagged)

The three copies are written in one TransactWriteItems, so they never disagree. Writes to one
dispute come from the use case holding its payment's lease: a plain overwrite is enough.
"""

from __future__ import annotations

from eventflow.domain.payments.records import Dispute
from eventflow.store.dispute_codec import dispute_from_json, dispute_to_json
from eventflow.store.dynamodb.client import Item, TableClient, key
from eventflow.store.dynamodb.items import b, s


def _copies(dispute: Dispute) -> list[Item]:
    body: Item = {"kind": s("dispute"), "record": s(dispute_to_json(dispute))}
    keys = [key(f"DISPUTE#{dispute.id}", "DISPUTE"), key(f"EVENT#{dispute.event_id}", f"DISPUTE#{dispute.id}")]
    if dispute.order_id:
        keys.append(key(f"ORDERDISPUTE#{dispute.order_id}", f"DISPUTE#{dispute.id}"))
    return [{**k, **body} for k in keys]


def _sorted(items: list[Item]) -> list[Dispute]:
    return sorted((dispute_from_json(item["record"]["S"]) for item in items), key=lambda d: (d.opened_at, d.id))


class DynamoDisputesMixin(TableClient):
    def save_dispute(self, dispute: Dispute) -> None:
        self._call(self.client.transact_write_items, TransactItems=[
            {"Put": {"TableName": self.table_name, "Item": item}} for item in _copies(dispute)])

    def get_dispute(self, dispute_id: str) -> Dispute | None:
        item = self._get(f"DISPUTE#{dispute_id}", "DISPUTE")
        return dispute_from_json(item["record"]["S"]) if item else None

    def list_disputes(self, event_id: str) -> list[Dispute]:
        return _sorted(list(self._partition_items(f"EVENT#{event_id}", "DISPUTE#")))

    def order_disputes(self, order_id: str) -> list[Dispute]:
        return _sorted(list(self._partition_items(f"ORDERDISPUTE#{order_id}", "DISPUTE#")))

    def admits_disputed_tickets(self, organizer_id: str) -> bool:
        item = self._get(f"ORG#{organizer_id}", "DISPUTE_DOOR")
        return bool(item and item["admit"]["BOOL"])

    def set_admits_disputed_tickets(self, organizer_id: str, admit: bool) -> None:
        self._call(self.client.put_item, TableName=self.table_name,
                   Item={**key(f"ORG#{organizer_id}", "DISPUTE_DOOR"), "kind": s("dispute_door"), "admit": b(admit)})
