"""My tickets on the DynamoDB table: a mixin of `DynamoStore` (`MyTicketsStore`, domain/my_tickets.py).

    OWNER#<email>    / TICKET#<ticket id>   the index entry (one Query per person, never a scan)
    SIGNIN#<nonce>   / SIGNIN               a used one-time link (conditional Put: claimed once)
    EVENT#<id>       / PASS_SETTINGS        the organizer forbade wallet passes
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventflow.domain.my_tickets import TicketOwner, owner_after_transfer
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.dynamodb.client import TableClient, key
from eventflow.store.dynamodb.items import n, s

if TYPE_CHECKING:
    from eventflow.domain.transfers import TicketTransfer

OWNER = "OWNER#"


def owner_entry(table_name: str, record: TicketTransfer) -> dict[str, Any]:
    """The new holder's index entry as one item of the transfer's TransactWriteItems (store/dynamodb/transfers.py).
    An Update that sets each attribute only where missing: an entry already there stays as it is (as
    `add_ticket_owners` keeps it), and unlike a conditional Put it can never cancel the transfer."""
    owner = owner_after_transfer(record)
    return {"Update": {
        "TableName": table_name, "Key": key(f"{OWNER}{owner.email}", f"TICKET#{owner.ticket_id}"),
        "UpdateExpression": "SET #kind = if_not_exists(#kind, :kind), ticket_id = if_not_exists(ticket_id, :ticket),"
                            " event_id = if_not_exists(event_id, :event), order_id = if_not_exists(order_id, :order),"
                            " #role = if_not_exists(#role, :role)",
        "ExpressionAttributeNames": {"#kind": "kind", "#role": "role"},
        "ExpressionAttributeValues": {":kind": s("ticket_owner"), ":ticket": s(owner.ticket_id),
                                      ":event": s(owner.event_id), ":order": s(owner.order_id),
                                      ":role": s(owner.role)}}}


class DynamoMyTicketsMixin(TableClient):
    """`MyTicketsStore` on the items above."""

    def add_ticket_owners(self, owners: Sequence[TicketOwner]) -> None:
        for owner in owners:  # a handful per order: one conditional Put each keeps the first entry as it is
            item = {**key(f"{OWNER}{owner.email}", f"TICKET#{owner.ticket_id}"), "kind": s("ticket_owner"),
                    "ticket_id": s(owner.ticket_id), "event_id": s(owner.event_id), "order_id": s(owner.order_id),
                    "role": s(owner.role)}
            with suppress(self.client.exceptions.ConditionalCheckFailedException):
                self._call(self.client.put_item, TableName=self.table_name, Item=item,
                           ConditionExpression="attribute_not_exists(PK)")

    def tickets_of(self, email: str) -> list[TicketOwner]:
        items = self._partition_items(f"{OWNER}{email}", "TICKET#")
        owners = [TicketOwner(email, i["ticket_id"]["S"], i["event_id"]["S"], i["order_id"]["S"], i["role"]["S"])
                  for i in items]
        return sorted(owners, key=lambda o: o.ticket_id)

    def claim_sign_in(self, nonce: str, expires_at: datetime) -> bool:
        item = {**key(f"SIGNIN#{nonce}", "SIGNIN"), "kind": s("sign_in"), "expires_at": s(t2s(expires_at)),
                "ttl": n(int(expires_at.timestamp()) + 86400)}
        try:
            self._call(self.client.put_item, TableName=self.table_name, Item=item,
                       ConditionExpression="attribute_not_exists(PK)")
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def passes_forbidden(self, event_id: str) -> bool:
        item = self._get(f"EVENT#{event_id}", "PASS_SETTINGS")
        return bool(item and item["forbidden"]["BOOL"])

    def set_passes_forbidden(self, event_id: str, forbidden: bool) -> None:
        self._call(self.client.put_item, TableName=self.table_name,
                   Item={**key(f"EVENT#{event_id}", "PASS_SETTINGS"), "kind": s("pass_settings"),
                         "forbidden": {"BOOL": forbidden}})
