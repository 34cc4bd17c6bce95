"""The DynamoDB store's inventory: releasing and confirming holds (`reserve` is in holds.py,
orders and tickets in orders.py).

A condition expression cannot say `held + sold + :q <= capacity`, so each counter item (a tier, or
a shard of one: shards.py) also keeps `available`, updated in the same write as held/sold; holds are
conditional on `available >= :q`. `reserve`, `release` and `confirm` are the only writers of
held/sold/available here (with `update_tier` in tiers.py and `finish_refund` in payments.py), each
one TransactWriteItems, so a cart is held entirely or not at all, and a hold is released or
confirmed exactly once (conditions on the reservation's status). Release and confirmation touch
exactly the counters the hold took from (the reservation's `takes`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from eventflow.domain.errors import Conflict, SoldOut
from eventflow.domain.models import Order, Reservation, ReservationStatus
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb import table as dynamodb_table
from eventflow.store.dynamodb.access_codes import code_sk, code_uses_of, give_back_items, sale_item
from eventflow.store.dynamodb.client import MAX_TRANSACTION_ITEMS, ConditionFailed, Item, key
from eventflow.store.dynamodb.holds import DynamoHoldsMixin
from eventflow.store.dynamodb.items import (
    HOLD_SHARDS,
    n,
    order_item,
    put_new,
    reservation_from,
    s,
    ticket_item,
    tier_quantities,
    time_value,
)
from eventflow.store.dynamodb.orders import DynamoOrdersMixin
from eventflow.store.dynamodb.sales_stats import sale_stats_updates
from eventflow.store.dynamodb.shards import Takes, plan_take, summed_takes, takes_of, tier_sk
from eventflow.store.dynamodb.waitlist import owe_to_waitlists


class DynamoInventoryMixin(DynamoHoldsMixin, DynamoOrdersMixin):
    """The `Store` port's inventory and order operations on the table."""

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
        stored = self._get(f"RES#{reservation_id}", "RES")
        reservation = reservation_from(stored) if stored else None
        if stored is None or reservation is None or reservation.status is not ReservationStatus.HELD:
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
        counters = summed_takes([(reservation.event_id, takes_of(stored, reservation))])
        counters, owed = owe_to_waitlists(self, counters)  # a tier with a waitlist keeps them (waitlist.py)
        items.extend(self._give_back(counters))
        items.extend(owed)
        items.extend(give_back_items(self.table_name, code_uses_of([reservation])))  # its code's uses
        try:
            self._transact(items)
        except ConditionFailed as cancelled:
            if cancelled.failed(0):
                return None
            bad = [sk for i, (_, sk) in enumerate(counters, start=1) if cancelled.failed(i)]
            raise RuntimeError(f"held count of {', '.join(bad) or 'its access code'} is inconsistent") from None
        return replace(reservation, status=status, closed_at=closed_at)

    def confirm(self, reservation_id: str, order: Order, now: datetime) -> tuple[Order, bool]:
        """One transaction: reservation -> confirmed (conditional on the status just read),
        each line moved held -> sold (or, for a hold that already ended, sold += q while
        available allows), the order and its tickets put. If the status changed in between
        (a racing confirm, cancel or expiry), read again and decide again."""
        for _ in range(4):
            stored = self._get(f"RES#{reservation_id}", "RES")
            if stored is None:
                raise KeyError(reservation_id)
            reservation = reservation_from(stored)
            if reservation.status is ReservationStatus.CONFIRMED:
                existing = self.get_order(reservation.order_id or "")
                if existing is None:
                    raise RuntimeError(f"reservation {reservation_id} confirmed without an order")
                return existing, False
            counters = self._confirm_counters(reservation, stored)
            items = self._confirm_items(reservation, counters, order, now)
            if reservation.code is not None:  # last: the code's figures (a late payment: its uses again)
                late = None if reservation.status is ReservationStatus.HELD else self._get(
                    f"EVENT#{reservation.event_id}", code_sk(reservation.code.code))
                items.append(sale_item(self.table_name, reservation, late))
            try:
                self._transact(items)
            except ConditionFailed as cancelled:
                if cancelled.failed(0):
                    continue  # status changed under us
                if reservation.code is not None and cancelled.failed(len(items) - 1):
                    raise SoldOut("The access code was used up meanwhile") from None
                for index, (tier_id, _, _, sharded) in enumerate(counters, start=1):
                    if cancelled.failed(index):
                        if sharded and reservation.status is not ReservationStatus.HELD:
                            break  # a hold took from the planned shards meanwhile: plan again
                        raise SoldOut(tier_ids=(tier_id,)) from None
                else:
                    raise RuntimeError(f"order {order.id} or one of its tickets exists") from None
                continue
            return order, True
        raise Conflict("The reservation kept changing while confirming; please try again")

    def _confirm_counters(self, reservation: Reservation, stored: Item) -> list[tuple[str, str, int, bool]]:
        """(tier, counter SK, quantity, sharded) per counter a confirmation writes: the counters
        the hold took from; for a hold that already ended, counters with that much available
        (planned over the shards of a sharded tier; SoldOut when they are short)."""
        if reservation.status is ReservationStatus.HELD:
            return [(tier, sk, q, sk != tier_sk(tier))
                    for tier, parts in takes_of(stored, reservation).items() for sk, q in parts.items()]
        counters: list[tuple[str, str, int, bool]] = []
        for tier_id, quantity in tier_quantities(reservation.lines).items():
            if self._shards_of(reservation.event_id, tier_id) <= 1:
                counters.append((tier_id, tier_sk(tier_id), quantity, False))
                continue
            plan = plan_take(self._counter_amounts(reservation.event_id, tier_id, "available"), quantity)
            if plan is None:
                raise SoldOut(tier_ids=(tier_id,))
            counters.extend((tier_id, sk, q, True) for sk, q in plan.items())
        return counters

    def _give_back(self, counters: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
        """Updates returning held quantities to their counters (release and expiry)."""
        return [{"Update": {
            "TableName": self.table_name, "Key": key(f"EVENT#{event_id}", sk),
            "UpdateExpression": "SET held = held - :q, available = available + :q",
            "ConditionExpression": "held >= :q",
            "ExpressionAttributeValues": {":q": n(quantity)},
        }} for (event_id, sk), quantity in counters.items()]

    def _confirm_items(
        self, reservation: Reservation, counters: list[tuple[str, str, int, bool]], order: Order, now: datetime
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
        for _, sk, quantity, _ in counters:
            items.append({"Update": {
                "TableName": self.table_name, "Key": key(f"EVENT#{reservation.event_id}", sk),
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
        items.extend(sale_stats_updates(self.table_name, order))  # the dashboard's aggregates
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
        takes: dict[str, Takes] = {}
        found: list[Reservation] = []
        for item in self._batch_get((f"RES#{rid}", "RES") for rid in ids):
            reservation = reservation_from(item)
            found.append(reservation)
            takes[reservation.id] = takes_of(item, reservation)
        due = sorted(
            (r for r in found if r.status is ReservationStatus.HELD and r.expires_at <= closed_at),
            key=lambda r: (r.expires_at, r.id),
        )
        released: list[Reservation] = []
        for group in _release_groups(due, takes):
            released.extend(self._release_group(group, takes, now))
        return [replace(r, status=ReservationStatus.EXPIRED, closed_at=closed_at) for r in released]

    def _release_group(
        self, group: list[Reservation], takes: dict[str, Takes], now: datetime
    ) -> list[Reservation]:
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
            public, owed = owe_to_waitlists(self, summed_takes((r.event_id, takes[r.id]) for r in group))
            items.extend(self._give_back(public))
            items.extend(owed)  # released tickets of tiers with a waitlist stay held for it (waitlist.py)
            items.extend(give_back_items(self.table_name, code_uses_of(group)))
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


def _release_groups(holds: list[Reservation], takes: dict[str, Takes]) -> list[list[Reservation]]:
    """The holds cut into groups of one transaction each: a hold's item plus its group's distinct
    tier items stay within MAX_TRANSACTION_ITEMS."""
    groups: list[list[Reservation]] = []
    group: list[Reservation] = []
    tiers: set[tuple[str, str]] = set()
    for reservation in holds:
        mine = set(summed_takes([(reservation.event_id, takes[reservation.id])])) | set(code_uses_of([reservation]))
        if group and len(group) + 1 + len(tiers | mine) > MAX_TRANSACTION_ITEMS:
            groups.append(group)
            group, tiers = [], set()
        group.append(reservation)
        tiers |= mine
    if group:
        groups.append(group)
    return groups
