"""The DynamoDB store's dashboard aggregates: sales per (hour, tier), admissions per (5 minutes, tier).

Items live in their own partition per event, `STATS#<event>`, so reading them never touches the
event's orders (docs/dynamodb.md, "Dashboard aggregates"):

    SALE#<hour>#<tier>#<shard>   ADDed by confirm's transaction, lowered by finish_refund's (SUCCEEDED)
    TOTAL#<tier>#<shard>         the same figures over every hour, ADDed by the same transactions
    DOOR#<slot>#<tier>           ADDed by admit's transaction (first check-ins only)
    ADMITTED#<tier>              the same count over every slot
    RECENT#<scanned_at>#<ticket> the check-in with its holder's name, put by the same transaction

A sale's figures go to one of SALE_SHARDS items per (hour, tier) and per tier, chosen by its order
id, so the sales of a hot tier do not all write (and conflict on) one item; readers add the shards
up. Totals are read from the TOTAL items (tiers x shards), the chart's hours from a range of SALE
keys, so a live dashboard reads the hour still filling, not every hour of sales. The transactions'
writers call the module-level functions below with their open item lists.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from datetime import datetime
from typing import Any

from eventflow.domain.models import CheckIn, Order, Ticket
from eventflow.domain.payments.records import Refund, RefundStatus
from eventflow.domain.sales_stats import (
    RECENT_ADMISSIONS,
    Admission,
    DoorSummary,
    SalesSummary,
    TierTotals,
    arrival_slot,
    matches,
    sale_hour,
    summary_from_rows,
)
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb.client import ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.door_pace import pace_updates
from eventflow.store.dynamodb.items import checkin_from, checkin_item, checkin_value, n, order_from, s, ticket_from
from eventflow.store.dynamodb.orders import orders_index
from eventflow.store.dynamodb.transfers import still_transfers

SALE_SHARDS = 4
_SALE_FIGURES = ("orders", "charged_minor", "order_fee_minor", "tickets", "gross_minor", "fee_minor")


def _partition(event_id: str) -> str:
    return f"STATS#{event_id}"


def _add(table_name: str, event_id: str, sort_key: str, figures: dict[str, int]) -> dict[str, Any]:
    """An Update that ADDs figures to a stats item (created at zero by its first ADD)."""
    names = {f"#{i}": name for i, name in enumerate(figures)}
    return {"Update": {
        "TableName": table_name, "Key": key(_partition(event_id), sort_key),
        "UpdateExpression": "SET #kind = :kind ADD " + ", ".join(f"#{i} :{i}" for i in range(len(figures))),
        "ExpressionAttributeNames": {**names, "#kind": "kind"},
        "ExpressionAttributeValues": {":kind": s("stats"), **{f":{i}": n(v) for i, v in enumerate(figures.values())}},
    }}


def _shard(order_id: str) -> int:
    return zlib.crc32(order_id.encode()) % SALE_SHARDS


def _sale_adds(table_name: str, event_id: str, hour: datetime, tier_id: str, order_id: str,
               figures: dict[str, int]) -> list[dict[str, Any]]:
    """The (hour, tier) item and the tier's total item, both of the order's shard."""
    shard = _shard(order_id)
    return [_add(table_name, event_id, f"SALE#{t2s(hour)}#{tier_id}#{shard}", figures),
            _add(table_name, event_id, f"TOTAL#{tier_id}#{shard}", figures)]


# ---------------------------------------------------------------- inside the writers' transactions
def sale_stats_updates(table_name: str, order: Order) -> list[dict[str, Any]]:
    """For `confirm`: two ADDs per tier of the order (<= 20: the order's figures on its first tier's)."""
    per_tier: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_SALE_FIGURES, 0))
    lead = per_tier[order.tickets[0].tier_id if order.tickets else ""]
    lead.update(orders=1, charged_minor=order.total_minor,
                order_fee_minor=order.fee_minor if order.total_minor else 0)
    for ticket in order.tickets:
        figures = per_tier[ticket.tier_id]
        figures["tickets"] += 1
        figures["gross_minor"] += ticket.price_minor
        figures["fee_minor"] += ticket.fee_minor
    hour = sale_hour(order.created_at)
    return [update for tier_id, figures in per_tier.items()
            for update in _sale_adds(table_name, order.event_id, hour, tier_id, order.id, figures)]


def refund_stats_updates(client: TableClient, refund: Refund, status: RefundStatus) -> list[dict[str, Any]]:
    """For `finish_refund`: a SUCCEEDED refund's tickets leave their sale's figures. Reads the tickets and
    the order's time first (both never change once written), so the transaction only ADDs."""
    if status is not RefundStatus.SUCCEEDED or not refund.ticket_ids or refund.order_id is None:
        return []
    order = client._get(f"ORDER#{refund.order_id}", "ORDER", projection="created_at")
    if order is None:
        return []
    hour = sale_hour(s2t(order["created_at"]["S"]))
    per_tier: dict[str, dict[str, int]] = defaultdict(lambda: {"tickets": 0, "gross_minor": 0, "fee_minor": 0})
    for ticket in map(ticket_from, client._batch_get((f"TICKET#{t}", "TICKET") for t in refund.ticket_ids)):
        figures = per_tier[ticket.tier_id]
        figures["tickets"] -= 1
        figures["gross_minor"] -= ticket.price_minor
        figures["fee_minor"] -= ticket.fee_minor
    return [update for tier_id, figures in per_tier.items()
            for update in _sale_adds(client.table_name, refund.event_id, hour, tier_id, refund.order_id, figures)]


HANDED_ON: Item = {}  # `admit_counted`'s answer when the ticket's transfer count moved (domain/transfers.py)


def admit_counted(client: TableClient, checkin: CheckIn, transfers: int | None = None) -> Item | None:
    """`admit` as one transaction: the check-in (first write wins) with its count and its "recent" copy.
    None when this call recorded it; else the check-in stored first, or HANDED_ON when `transfers` is
    given and the ticket's count is no longer that."""
    ticket = client._get(f"TICKET#{checkin.ticket_id}", "TICKET", projection="tier_id, holder_name")
    tier_id = ticket["tier_id"]["S"] if ticket else ""
    holder = ticket["holder_name"]["S"] if ticket else ""
    recent = {**key(_partition(checkin.event_id), f"RECENT#{t2s(checkin.scanned_at)}#{checkin.ticket_id}"),
              "kind": s("recent_admission"), "holder_name": s(holder), **checkin_value(checkin)}
    try:
        client._transact([
            {"Put": {"TableName": client.table_name, "Item": checkin_item(checkin),
                     "ConditionExpression": "attribute_not_exists(PK)",
                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            _add(client.table_name, checkin.event_id, f"DOOR#{t2s(arrival_slot(checkin.scanned_at))}#{tier_id}",
                 {"admitted": 1}),
            _add(client.table_name, checkin.event_id, f"ADMITTED#{tier_id}", {"admitted": 1}),
            {"Put": {"TableName": client.table_name, "Item": recent}},
            *pace_updates(client, checkin),  # the door's pace per minute and device (door_pace.py)
            *([] if transfers is None else [still_transfers(client.table_name, checkin.ticket_id, transfers)]),
        ])
    except ConditionFailed as refused:
        old = refused.item(0) or client._get(f"EVENT#{checkin.event_id}", f"CHECKIN#{checkin.ticket_id}")
        if old is None and transfers is not None:
            return HANDED_ON
        if old is None:
            raise RuntimeError(f"check-in of {checkin.ticket_id} vanished") from None
        return old
    return None


def _figure(item: Item, name: str) -> int:
    return int(item.get(name, {"N": "0"})["N"])


class DynamoSalesStatsMixin(TableClient):
    """The dashboard's reads: a consistent Query of the event's stats partition, and order pages."""

    def _stats(self, event_id: str, prefix: str, since: str | None = None) -> list[Item]:
        """The event's stats items of one kind; with `since`, only keys from `<prefix><since>` on."""
        if since is None:
            return list(self._partition_items(_partition(event_id), prefix))
        return list(self._query(
            KeyConditionExpression="PK = :pk AND SK BETWEEN :low AND :high", ConsistentRead=True,
            ExpressionAttributeValues={":pk": s(_partition(event_id)), ":low": s(prefix + since),
                                       ":high": s(prefix + "~")}))

    def sales_summary(self, event_id: str, since: datetime | None = None) -> SalesSummary:
        totals = self._stats(event_id, "TOTAL#")
        hours = self._stats(event_id, "SALE#", t2s(since) if since else None)
        per_tier: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for item in totals:
            figures = per_tier[item["SK"]["S"].split("#")[1]]
            for index, name in enumerate(("tickets", "gross_minor", "fee_minor")):
                figures[index] += _figure(item, name)
        buckets = summary_from_rows((), (
            (s2t(i["SK"]["S"].split("#")[1]), i["SK"]["S"].split("#")[2], _figure(i, "tickets"),
             _figure(i, "gross_minor"), _figure(i, "fee_minor")) for i in hours)).buckets
        return SalesSummary(
            sum(_figure(i, "orders") for i in totals), sum(_figure(i, "charged_minor") for i in totals),
            sum(_figure(i, "order_fee_minor") for i in totals),
            tuple(TierTotals(tier_id, *figures) for tier_id, figures in sorted(per_tier.items()) if any(figures)),
            buckets, since)

    def door_summary(self, event_id: str, recent: int = RECENT_ADMISSIONS,
                     since: datetime | None = None) -> DoorSummary:
        admitted = {item["SK"]["S"].split("#")[1]: _figure(item, "admitted")
                    for item in self._stats(event_id, "ADMITTED#")}
        arrivals: dict[datetime, int] = defaultdict(int)
        for item in self._stats(event_id, "DOOR#", t2s(since) if since else None):
            arrivals[s2t(item["SK"]["S"].split("#")[1])] += _figure(item, "admitted")
        latest: list[Item] = []
        if recent > 0:
            latest = self._call(
                self.client.query, TableName=self.table_name, ConsistentRead=True, ScanIndexForward=False,
                KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)", Limit=recent,
                ExpressionAttributeValues={":pk": s(_partition(event_id)), ":prefix": s("RECENT#")},
            ).get("Items", [])
        return DoorSummary(
            tuple(sorted((t, c) for t, c in admitted.items() if c)),
            tuple(sorted((t, c) for t, c in arrivals.items() if c)),
            tuple(Admission(checkin_from(item), item["holder_name"]["S"]) for item in latest),
            since,
        )

    def orders_page(
        self, event_id: str, after: tuple[datetime, str] | None, limit: int, search: str = "",
        payment_ref_prefix: str = "",
    ) -> list[Order]:
        """Walks the event's GSI1 partitions backwards from the cursor, merged (orders.orders_index: each
        order's tickets come just before it), stopping once the page is full; a search filters on the way."""
        if limit <= 0:
            return []
        before = f"{t2s(after[0])}#{after[1]}" if after is not None else None
        # one page of every partition first; more only from those the merge drains
        items = orders_index(self, event_id, descending=True, before=before, page=min(limit + 8, 1000))
        page: list[Order] = []
        tickets: dict[str, Ticket] = {}
        for item in items:
            if item["kind"]["S"] != "order":
                ticket = ticket_from(item)
                tickets[ticket.id] = ticket
                continue
            order = self._complete(item, tickets)
            if order.payment_ref.startswith(payment_ref_prefix) and matches(order, search):
                page.append(order)
                if len(page) == limit:
                    break
        return page

    def _complete(self, item: Item, tickets: dict[str, Ticket]) -> Order:
        """The order with its tickets in issue order; any the (eventually consistent) index has not
        shown yet are read from the table."""
        wanted = [value["S"] for value in item.get("ticket_ids", {}).get("L", [])]
        missing = [t for t in wanted if t not in tickets]
        tickets.update((t.id, t) for t in map(ticket_from, self._batch_get((f"TICKET#{t}", "TICKET") for t in missing)))
        return order_from(item, tuple(tickets[t] for t in wanted if t in tickets))
