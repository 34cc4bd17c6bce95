"""Ticket transfers on the DynamoDB table: a mixin of `DynamoStore` (`TransferStore`, domain/transfers.py).

    TICKET#<id>   / TICKET                              the ticket: secret, access_key, holder_*, transfers
    EVENT#<id>    / TRANSFER#<ticket>#<at>#<transfer>   one record per transfer
    EVENT#<id>    / TRANSFER_POLICY                      the organizer's rule

A transfer is one TransactWriteItems: the ticket's Update conditional on its secret, its transfer
count and status valid; a ConditionCheck that the event has no CHECKIN#<ticket>; the record's Put; the new
holder's My-tickets entry (OWNER#<email> / TICKET#<id>, store/dynamodb/my_tickets.py) and mail (the outbox
item's Put, store/dynamodb/outbox.py), so a transfer that happened is never answered with an error from a
second write.
Of two racing transfers one condition fails; a check-in written first fails the ConditionCheck.
"""

from __future__ import annotations

from typing import Any

from eventflow.domain.models import Ticket
from eventflow.domain.outbox import OutboxMessage
from eventflow.domain.transfers import TicketTransfer, TransferPolicy
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb.client import ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.items import n, s
from eventflow.store.dynamodb.my_tickets import owner_entry
from eventflow.store.dynamodb.outbox import _item as outbox_item

PREFIX = "TRANSFER#"


def _record_item(record: TicketTransfer) -> Item:
    return {**key(f"EVENT#{record.event_id}", f"{PREFIX}{record.ticket_id}#{t2s(record.at)}#{record.id}"),
            "kind": s("transfer"), "id": s(record.id), "ticket_id": s(record.ticket_id),
            "event_id": s(record.event_id), "order_id": s(record.order_id), "at": s(t2s(record.at)),
            "from_name": s(record.from_name), "from_email": s(record.from_email), "to_name": s(record.to_name),
            "to_email": s(record.to_email), "old_key_digest": s(record.old_key_digest)}


def _record_from(item: Item) -> TicketTransfer:
    def text(name: str) -> str:
        return str(item[name]["S"])
    return TicketTransfer(id=text("id"), ticket_id=text("ticket_id"), event_id=text("event_id"),
                          order_id=text("order_id"), at=s2t(text("at")), from_name=text("from_name"),
                          from_email=text("from_email"), to_name=text("to_name"), to_email=text("to_email"),
                          old_key_digest=text("old_key_digest"))


def still_transfers(table_name: str, ticket_id: str, transfers: int) -> dict[str, Any]:
    """A ConditionCheck for `admit`: the ticket's transfer count is still what its code was judged with."""
    counted = "transfers = :was" if transfers else "(attribute_not_exists(transfers) OR transfers = :was)"
    return {"ConditionCheck": {"TableName": table_name, "Key": key(f"TICKET#{ticket_id}", "TICKET"),
                               "ConditionExpression": f"attribute_exists(PK) AND {counted}",
                               "ExpressionAttributeValues": {":was": n(transfers)}}}


def _oldest_first(records: list[TicketTransfer]) -> list[TicketTransfer]:
    return sorted(records, key=lambda t: (t.at, t.id))


class DynamoTransfersMixin(TableClient):
    """`TransferStore` on the items above."""

    def transfer_ticket(self, before: Ticket, after: Ticket, record: TicketTransfer,
                        mail: OutboxMessage | None = None) -> bool:
        counted = "transfers = :was" if before.transfers else "(attribute_not_exists(transfers) OR transfers = :was)"
        ticket_update: dict[str, Any] = {"Update": {
            "TableName": self.table_name, "Key": key(f"TICKET#{before.id}", "TICKET"),
            "UpdateExpression": "SET secret = :secret, access_key = :key, holder_name = :name,"
                                " holder_email = :email, transfers = :now",
            "ConditionExpression": f"secret = :old AND #status = :valid AND {counted}",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":secret": s(after.secret), ":key": s(after.access_key), ":name": s(after.holder_name),
                ":email": s(after.holder_email), ":now": n(after.transfers), ":old": s(before.secret),
                ":valid": s("valid"), ":was": n(before.transfers)}}}
        not_checked_in = {"ConditionCheck": {
            "TableName": self.table_name, "Key": key(f"EVENT#{before.event_id}", f"CHECKIN#{before.id}"),
            "ConditionExpression": "attribute_not_exists(PK)"}}
        put_record = {"Put": {"TableName": self.table_name, "Item": _record_item(record),
                              "ConditionExpression": "attribute_not_exists(PK)"}}
        writes = [ticket_update, not_checked_in, put_record, owner_entry(self.table_name, record)]
        if mail is not None:  # the new holder's mail: its key is this transfer's, never taken before
            writes.append({"Put": {"TableName": self.table_name, "Item": outbox_item(mail),
                                   "ConditionExpression": "attribute_not_exists(PK)"}})
        try:
            self._transact(writes)
        except ConditionFailed:
            return False
        return True

    def list_transfers(self, ticket_id: str) -> list[TicketTransfer]:
        ticket = self._get(f"TICKET#{ticket_id}", "TICKET", projection="event_id")
        if ticket is None:
            return []
        items = self._partition_items(f"EVENT#{ticket['event_id']['S']}", f"{PREFIX}{ticket_id}#")
        return _oldest_first([_record_from(item) for item in items])

    def event_transfers(self, event_id: str) -> list[TicketTransfer]:
        items = self._partition_items(f"EVENT#{event_id}", PREFIX)
        return _oldest_first([_record_from(item) for item in items if item["kind"]["S"] == "transfer"])

    def get_transfer_policy(self, event_id: str) -> TransferPolicy | None:
        item = self._get(f"EVENT#{event_id}", "TRANSFER_POLICY")
        if item is None:
            return None
        deadline = item.get("deadline", {}).get("S")
        return TransferPolicy(event_id, item["rule"]["S"], s2t(deadline) if deadline else None)

    def save_transfer_policy(self, policy: TransferPolicy) -> None:
        item: Item = {**key(f"EVENT#{policy.event_id}", "TRANSFER_POLICY"), "kind": s("transfer_policy"),
                      "rule": s(policy.rule.value)}
        if policy.deadline is not None:
            item["deadline"] = s(t2s(policy.deadline))
        self._call(self.client.put_item, TableName=self.table_name, Item=item)
