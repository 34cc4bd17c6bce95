"""Orders and tickets on the DynamoDB table (a part of `DynamoStore`), and the walk over an event's
orders in index order that every listing uses.

An event's orders and tickets are spread over `ORDER_SHARDS` GSI1 partitions by a hash of the order
id (items.py, `order_partition`): one GSI partition takes about 1,000 writes/s, and a sale writes
the order and each ticket into the index. A ticket shares its order's partition and sorts right
after it. `orders_index` merges the partitions (and the one orders were written to before the
spread) back into one stream in `GSI1SK` order, a page of each partition at a time.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from contextlib import suppress
from typing import Any

from eventflow.domain.models import Order, Ticket
from eventflow.store.dynamodb import table as dynamodb_table
from eventflow.store.dynamodb.client import Item, TableClient, key
from eventflow.store.dynamodb.items import order_from, order_partitions, s, ticket_from


class DynamoOrdersMixin(TableClient):
    """The `Store` port's order and ticket reads."""

    def orders_index(
        self, event_id: str, descending: bool = False, before: str | None = None, page: int | None = None,
    ) -> Iterator[Item]:
        """`orders_index` (below) on this table."""
        return orders_index(self, event_id, descending, before, page)

    def get_order(self, order_id: str) -> Order | None:
        """GetItem of the order, then one BatchGetItem of its tickets (<= 50)."""
        item = self._get(f"ORDER#{order_id}", "ORDER")
        if item is None:
            return None
        ticket_ids = [value["S"] for value in item.get("ticket_ids", {}).get("L", [])]
        found = {
            ticket.id: ticket
            for ticket in map(ticket_from, self._batch_get((f"TICKET#{t}", "TICKET") for t in ticket_ids))
        }
        return order_from(item, tuple(found[t] for t in ticket_ids if t in found))

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        item = self._get(f"TICKET#{ticket_id}", "TICKET")
        return ticket_from(item) if item else None

    def list_orders(self, event_id: str) -> list[Order]:
        """The event's GSI1 partitions (`order_partitions`), each a paginated Query: every order
        followed by its tickets.

        The index is eventually consistent: tickets of an order not visible yet are fetched
        with a consistent BatchGetItem, so every listed order is complete."""
        orders: list[Item] = []
        tickets: dict[str, Ticket] = {}
        for item in self.orders_index(event_id):
            if item["kind"]["S"] == "order":
                orders.append(item)
            else:
                ticket = ticket_from(item)
                tickets[ticket.id] = ticket
        wanted = [value["S"] for order in orders for value in order.get("ticket_ids", {}).get("L", [])]
        missing = [ticket_id for ticket_id in wanted if ticket_id not in tickets]
        for item in self._batch_get((f"TICKET#{ticket_id}", "TICKET") for ticket_id in missing):
            ticket = ticket_from(item)
            tickets[ticket.id] = ticket
        result = [
            order_from(item, tuple(tickets[value["S"]] for value in item.get("ticket_ids", {}).get("L", [])
                                   if value["S"] in tickets))
            for item in orders
        ]
        return sorted(result, key=lambda order: (order.created_at, order.id))

    def set_ticket_status(self, ticket_id: str, status: str) -> None:
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.update_item, TableName=self.table_name, Key=key(f"TICKET#{ticket_id}", "TICKET"),
                UpdateExpression="SET #status = :status", ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":status": s(status)},
            )


def orders_index(
    table: TableClient, event_id: str, descending: bool = False, before: str | None = None,
    page: int | None = None,
) -> Iterator[Item]:
    """The event's orders and tickets as GSI1 holds them, merged over its partitions in `GSI1SK`
    order (ascending: each order followed by its tickets; `descending`: each order's tickets just
    before it), from `before` (exclusive, descending only) on. `page`: about how many items the
    caller will consume; each partition's Query reads twice its fair share of that (the spread is a
    hash, so roughly even), and a partition's next page is read only when the merge reaches it."""
    streams: list[Iterable[Item]] = []
    partitions = order_partitions(event_id)
    for partition in partitions:
        condition, values = "GSI1PK = :pk", {":pk": s(partition)}
        if before is not None:
            condition += " AND GSI1SK < :before"
            values[":before"] = s(before)
        kwargs: dict[str, Any] = {
            "IndexName": dynamodb_table.GSI1, "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values, "ScanIndexForward": not descending,
        }
        if page is not None:
            kwargs["Limit"] = min(1_000, max(16, 2 * page // len(partitions)))
        streams.append(table._query(**kwargs))
    return heapq.merge(*streams, key=lambda item: item["GSI1SK"]["S"], reverse=descending)
