"""The DynamoDB store's inventory: holds, their release and confirmation, orders and tickets.

A condition expression cannot say `held + sold + :q <= capacity`, so each tier also keeps
`available = capacity - held - sold`, updated in the same write as held/sold; holds are
conditional on `available >= :q AND version = :v`. `reserve`, `release` and `confirm` are the
only writers of held/sold/available here (with `finish_refund` in payments.py), each one
TransactWriteItems, so a cart is held entirely or not at all, and a hold is released or
confirmed exactly once (conditions on the reservation's status).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import Any

from eventflow.domain.errors import Conflict, NotOnSale, SoldOut, StaleCatalog
from eventflow.domain.models import EventStatus, Order, Reservation, ReservationStatus, Ticket
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb import table as dynamodb_table
from eventflow.store.dynamodb.client import MAX_TRANSACTION_ITEMS, ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.items import (
    HOLD_SHARDS,
    integer,
    n,
    order_from,
    order_item,
    put_new,
    reservation_from,
    reservation_item,
    s,
    ticket_from,
    ticket_item,
    tier_quantities,
    time_value,
)


class DynamoInventoryMixin(TableClient):
    """The `Store` port's inventory and order operations on the table."""

    # ---------------------------------------------------------------- holds
    def reserve(self, reservation: Reservation) -> tuple[Reservation, bool]:
        """One TransactWriteItems on the success path: event is published (ConditionCheck),
        each tier has room at the priced version (Update), the reservation is new (Put).

        A cancellation says which condition failed (with the item as it was, via
        ReturnValuesOnConditionCheckFailure=ALL_OLD), checked in the port's order:
        existing reservation, event not on sale, then the lines in order."""
        quantities = tier_quantities(reservation.lines)
        versions = {line.tier_id: line.tier_version for line in reversed(reservation.lines)}
        items: list[dict[str, Any]] = [{"ConditionCheck": {
            "TableName": self.table_name, "Key": key(f"EVENT#{reservation.event_id}", "EVENT"),
            "ConditionExpression": "#status = :published",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":published": s(EventStatus.PUBLISHED.value)},
        }}]
        for tier_id, quantity in quantities.items():
            items.append({"Update": {
                "TableName": self.table_name,
                "Key": key(f"EVENT#{reservation.event_id}", f"TIER#{tier_id}"),
                "UpdateExpression": "SET held = held + :q, available = available - :q",
                "ConditionExpression": "available >= :q AND version = :v",
                "ExpressionAttributeValues": {":q": n(quantity), ":v": n(versions[tier_id])},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }})
        items.append({"Put": {
            "TableName": self.table_name, "Item": reservation_item(reservation),
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }})
        try:
            self._transact(items, token_seed=reservation.id)
        except ConditionFailed as cancelled:
            if cancelled.failed(len(items) - 1):
                old = cancelled.item(len(items) - 1) or self._get(f"RES#{reservation.id}", "RES")
                if old is None:  # deleted in between: cannot happen, reservations stay
                    raise RuntimeError(f"reservation {reservation.id} vanished") from None
                return reservation_from(old), False
            if reservation.idempotency_key is not None:
                # A retry of a reservation that exists must get it back even if its tiers sold
                # out meanwhile. The reasons should already say so (every condition is
                # reported), but an id derived from a key is worth one read before refusing.
                existing = self._get(f"RES#{reservation.id}", "RES")
                if existing is not None:
                    return reservation_from(existing), False
            if cancelled.failed(0):
                raise NotOnSale() from None
            for index, tier_id in enumerate(quantities, start=1):
                if cancelled.failed(index):
                    tier = cancelled.item(index) or self._get(
                        f"EVENT#{reservation.event_id}", f"TIER#{tier_id}", projection="version"
                    )
                    if tier is None or integer(tier, "version") != versions[tier_id]:
                        raise StaleCatalog(tier_id) from None
                    raise SoldOut(tier_ids=(tier_id,)) from None
            raise RuntimeError(f"reserve cancelled for no known reason: {cancelled}") from None
        return reservation, True

    def get_reservation(self, reservation_id: str) -> Reservation | None:
        item = self._get(f"RES#{reservation_id}", "RES")
        return reservation_from(item) if item else None

    def release(
        self, reservation_id: str, status: ReservationStatus, now: datetime
    ) -> Reservation | None:
        """A consistent read for the lines, then one transaction: close the reservation
        (conditional on status = held, and for EXPIRED on expires_at <= now; leaves GSI2) and
        give every line back. A failed reservation condition means someone else closed it."""
        if status not in (ReservationStatus.CANCELLED, ReservationStatus.EXPIRED):
            raise ValueError("release closes a hold as cancelled or expired")
        reservation = self.get_reservation(reservation_id)
        if reservation is None or reservation.status is not ReservationStatus.HELD:
            return None
        closed_at = s2t(t2s(now))
        if status is ReservationStatus.EXPIRED and reservation.expires_at > closed_at:
            return None
        condition = "#status = :held"
        values: Item = {
            ":held": s(ReservationStatus.HELD.value), ":status": s(status.value),
            ":now": time_value(now),
        }
        if status is ReservationStatus.EXPIRED:
            condition += " AND expires_at <= :now"
        items: list[dict[str, Any]] = [{"Update": {
            "TableName": self.table_name, "Key": key(f"RES#{reservation_id}", "RES"),
            "UpdateExpression": "SET #status = :status, closed_at = :now REMOVE GSI2PK, GSI2SK",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }}]
        quantities = tier_quantities(reservation.lines)
        for tier_id, quantity in quantities.items():
            items.append({"Update": {
                "TableName": self.table_name,
                "Key": key(f"EVENT#{reservation.event_id}", f"TIER#{tier_id}"),
                "UpdateExpression": "SET held = held - :q, available = available + :q",
                "ConditionExpression": "held >= :q",
                "ExpressionAttributeValues": {":q": n(quantity)},
            }})
        try:
            self._transact(items)
        except ConditionFailed as cancelled:
            if cancelled.failed(0):
                return None
            bad = [t for i, t in enumerate(quantities, start=1) if cancelled.failed(i)]
            raise RuntimeError(f"held count of tier {', '.join(bad)} is inconsistent") from None
        return replace(reservation, status=status, closed_at=closed_at)

    def confirm(self, reservation_id: str, order: Order, now: datetime) -> tuple[Order, bool]:
        """One transaction: reservation -> confirmed (conditional on the status just read),
        each line moved held -> sold (or, for a hold that already ended, sold += q while
        available allows), the order and its tickets put. If the status changed in between
        (a racing confirm, cancel or expiry), read again and decide again."""
        for _ in range(4):
            reservation = self.get_reservation(reservation_id)
            if reservation is None:
                raise KeyError(reservation_id)
            if reservation.status is ReservationStatus.CONFIRMED:
                existing = self.get_order(reservation.order_id or "")
                if existing is None:
                    raise RuntimeError(f"reservation {reservation_id} confirmed without an order")
                return existing, False
            items = self._confirm_items(reservation, order, now)
            try:
                self._transact(items)
            except ConditionFailed as cancelled:
                if cancelled.failed(0):
                    continue  # status changed under us
                for index, tier_id in enumerate(tier_quantities(reservation.lines), start=1):
                    if cancelled.failed(index):
                        raise SoldOut(tier_ids=(tier_id,)) from None
                raise RuntimeError(f"order {order.id} or one of its tickets exists") from None
            return order, True
        raise Conflict("The reservation kept changing while confirming; please try again")

    def _confirm_items(
        self, reservation: Reservation, order: Order, now: datetime
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = [{"Update": {
            "TableName": self.table_name, "Key": key(f"RES#{reservation.id}", "RES"),
            "UpdateExpression": "SET #status = :confirmed, order_id = :order, closed_at = :now"
                                " REMOVE GSI2PK, GSI2SK",
            "ConditionExpression": "#status = :seen",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":confirmed": s(ReservationStatus.CONFIRMED.value), ":order": s(order.id),
                ":now": time_value(now), ":seen": s(reservation.status.value),
            },
        }}]
        held = reservation.status is ReservationStatus.HELD
        for tier_id, quantity in tier_quantities(reservation.lines).items():
            items.append({"Update": {
                "TableName": self.table_name,
                "Key": key(f"EVENT#{reservation.event_id}", f"TIER#{tier_id}"),
                # a hold that already ended is honoured only while capacity allows
                "UpdateExpression": "SET held = held - :q, sold = sold + :q" if held
                else "SET sold = sold + :q, available = available - :q",
                "ConditionExpression": "held >= :q" if held else "available >= :q",
                "ExpressionAttributeValues": {":q": n(quantity)},
            }})
        items.append(put_new(self.table_name, order_item(order)))
        items.extend(
            put_new(self.table_name, ticket_item(ticket, order, index))
            for index, ticket in enumerate(order.tickets)
        )
        return items

    def expired_reservation_ids(self, now: datetime, limit: int = 500) -> list[str]:
        """One Query per `HOLD#<shard>` partition of the sparse GSI2 (sorted by `expires_at#id`),
        the earliest expiries first across shards.

        The index is eventually consistent; a hold that is not visible yet is found by the
        next reaper run, and every release re-checks status and expiry conditionally."""
        if limit <= 0:
            return []
        due: list[tuple[str, str]] = []  # (GSI2SK, reservation id)
        for shard in range(HOLD_SHARDS):
            items = self._query(
                IndexName=dynamodb_table.GSI2,
                KeyConditionExpression="GSI2PK = :hold AND GSI2SK < :bound",
                # GSI2SK is `<expires_at>#<id>` with fixed-width times: `<now>$` sorts after
                # every hold ending at or before now ('$' follows '#').
                ExpressionAttributeValues={":hold": s(f"HOLD#{shard}"), ":bound": s(f"{t2s(now)}$")},
                Limit=min(limit, 1000),
            )
            for count, item in enumerate(items, start=1):
                due.append((item["GSI2SK"]["S"], item["PK"]["S"].removeprefix("RES#")))
                if count >= limit:
                    break
        return [reservation_id for _, reservation_id in sorted(due)[:limit]]

    def release_expired(self, now: datetime, limit: int = 500) -> list[Reservation]:
        """The due holds from GSI2, their lines by one consistent BatchGetItem per 100, then one
        transaction per group of holds (`_release_group`) instead of one per hold."""
        closed_at = s2t(t2s(now))
        ids = self.expired_reservation_ids(now, limit)
        found = map(reservation_from, self._batch_get((f"RES#{rid}", "RES") for rid in ids))
        due = sorted(
            (r for r in found if r.status is ReservationStatus.HELD and r.expires_at <= closed_at),
            key=lambda r: (r.expires_at, r.id),
        )
        released: list[Reservation] = []
        for group in _release_groups(due):
            released.extend(self._release_group(group, now))
        return [replace(r, status=ReservationStatus.EXPIRED, closed_at=closed_at) for r in released]

    def _release_group(self, group: list[Reservation], now: datetime) -> list[Reservation]:
        """One TransactWriteItems: each hold closed as EXPIRED (conditional on still being held and
        due, as in `release`), each tier of the group given back its summed quantity in one Update
        (a transaction may not touch an item twice). When holds' conditions fail (another reaper,
        a cancel or a payment closed them), the rest is tried again without them."""
        values: Item = {
            ":held": s(ReservationStatus.HELD.value), ":status": s(ReservationStatus.EXPIRED.value),
            ":now": time_value(now),
        }
        while group:
            items: list[dict[str, Any]] = [{"Update": {
                "TableName": self.table_name, "Key": key(f"RES#{reservation.id}", "RES"),
                "UpdateExpression": "SET #status = :status, closed_at = :now REMOVE GSI2PK, GSI2SK",
                "ConditionExpression": "#status = :held AND expires_at <= :now",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": values,
            }} for reservation in group]
            tiers = _summed_lines(group)
            items.extend({"Update": {
                "TableName": self.table_name, "Key": key(f"EVENT#{event_id}", f"TIER#{tier_id}"),
                "UpdateExpression": "SET held = held - :q, available = available + :q",
                "ConditionExpression": "held >= :q",
                "ExpressionAttributeValues": {":q": n(quantity)},
            }} for (event_id, tier_id), quantity in tiers.items())
            try:
                self._transact(items)
            except ConditionFailed as cancelled:
                # A tier's summed condition fails too when it counted holds closed meanwhile.
                taken = {r.id for index, r in enumerate(group) if cancelled.failed(index)}
                if not taken:  # only a tier refused: settle it hold by hold (each reads afresh)
                    singles = (self.release(r.id, ReservationStatus.EXPIRED, now) for r in group)
                    return [r for r in singles if r is not None]
                group = [r for r in group if r.id not in taken]
                continue
            return group
        return []

    # ---------------------------------------------------------------- orders and tickets
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
        """One (paginated) Query of GSI1 `ORDERS#<event>`: every order followed by its tickets.

        The index is eventually consistent: tickets of an order not visible yet are fetched
        with a consistent BatchGetItem, so every listed order is complete."""
        orders: list[Item] = []
        tickets: dict[str, Ticket] = {}
        for item in self._query(
            IndexName=dynamodb_table.GSI1,
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": s(f"ORDERS#{event_id}")},
        ):
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


def _summed_lines(holds: list[Reservation]) -> dict[tuple[str, str], int]:
    """Tickets held per (event, tier) over a group of holds."""
    summed: dict[tuple[str, str], int] = {}
    for reservation in holds:
        for tier_id, quantity in tier_quantities(reservation.lines).items():
            summed[(reservation.event_id, tier_id)] = summed.get((reservation.event_id, tier_id), 0) + quantity
    return summed


def _release_groups(holds: list[Reservation]) -> list[list[Reservation]]:
    """The holds cut into groups of one transaction each: a hold's item plus its group's distinct
    tier items stay within MAX_TRANSACTION_ITEMS."""
    groups: list[list[Reservation]] = []
    group: list[Reservation] = []
    tiers: set[tuple[str, str]] = set()
    for reservation in holds:
        mine = {(reservation.event_id, line.tier_id) for line in reservation.lines}
        if group and len(group) + 1 + len(tiers | mine) > MAX_TRANSACTION_ITEMS:
            groups.append(group)
            group, tiers = [], set()
        group.append(reservation)
        tiers |= mine
    if group:
        groups.append(group)
    return groups
