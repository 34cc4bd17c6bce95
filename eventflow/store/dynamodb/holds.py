"""Holds on the DynamoDB table: `reserve`, the one write on a buyer's hot path.

A hold is one TransactWriteItems: per tier, one conditional Update of a counter item (the tier item,
or one shard of a sharded tier: store/dynamodb/shards.py) and the reservation's Put. The counter's
condition checks everything a hold depends on, `available >= :q AND version = :v AND event_status =
:published`, so the transaction names no item that holds of another tier (or another shard) also
name: it cannot conflict with them. A reservation with an access code adds the code's Update to the
same transaction (store/dynamodb/access_codes.py): still one request per reserve.
"""

from __future__ import annotations

import time
from typing import Any

from eventflow.domain.errors import NotOnSale, SoldOut, StaleCatalog, StoreBusy
from eventflow.domain.models import EventStatus, Reservation
from eventflow.store.dynamodb.access_codes import take_refusal, take_uses_item
from eventflow.store.dynamodb.client import BUSY, ConditionFailed, Contended, Item, key
from eventflow.store.dynamodb.items import integer, n, reservation_from, reservation_item, s, tier_quantities
from eventflow.store.dynamodb.shards import Takes, plan_take, takes_value, tier_sk
from eventflow.store.dynamodb.tiers import DynamoTiersMixin

# Plans tried per reserve: a shard found dry (or taken from meanwhile) is planned again from a
# fresh read of every shard, a shard another hold is writing (TransactionConflict) is swapped for
# another at once, and the new plan can itself lose a race.
RESERVE_ROUNDS = 8


class DynamoHoldsMixin(DynamoTiersMixin):
    """`Store.reserve` on the table."""

    def reserve(self, reservation: Reservation) -> tuple[Reservation, bool]:
        """One TransactWriteItems on the success path: each tier's counter has room, the priced
        version and a published event (Update), the reservation is new (Put).

        A cancellation says which condition failed, with the item as it was (ALL_OLD), checked in
        the port's order: existing reservation, event not on sale, then the lines in order. A
        sharded tier whose chosen shard was short is planned again over all its shards (one
        consistent Query) and the hold retried; SoldOut only when their sum is short. A shard in
        another hold's transaction (TransactionConflict) is swapped for another one at once."""
        quantities = tier_quantities(reservation.lines)
        takes: Takes = {tier: self._first_take(reservation.event_id, tier, q) for tier, q in quantities.items()}
        legacy_opened = False
        deadline = self._deadline()  # the retry budget bounds the whole hold, not each round
        for attempt in range(RESERVE_ROUNDS):
            if attempt and time.monotonic() > deadline:
                break
            items, counters = self._hold_items(reservation, takes)
            shards = frozenset(i for i, (tier, sk) in enumerate(counters) if sk != tier_sk(tier))
            try:
                # each round is a new request (a new token); a resend within a round is not
                self._transact(items, token_seed=f"{reservation.id}#{attempt}", reroutable=shards)
            except Contended as contended:  # another hold is writing that shard: take another one
                for index in contended.items:
                    tier_id, sk = counters[index]
                    self._hints.avoid(tier_id, sk)
                    takes[tier_id] = self._first_take(reservation.event_id, tier_id, sum(takes[tier_id].values()))
                continue
            except ConditionFailed as cancelled:
                existing = self._existing(reservation, cancelled, len(items) - 1)
                if existing is not None:
                    return existing, False
                code_refusal = None
                if reservation.code is not None and cancelled.failed(len(counters)):
                    code_refusal = take_refusal(reservation, cancelled.item(len(counters)))
                olds = {index: self._old_counter(reservation.event_id, sk, cancelled, index)
                        for index, (_, sk) in enumerate(counters) if cancelled.failed(index)}
                if any(old is not None and "event_status" not in old for old in olds.values()) and not legacy_opened:
                    legacy_opened = self.open_legacy_counters(reservation.event_id)
                    if legacy_opened:
                        continue  # tiers from before this layout, now carrying the status: again
                self._refuse_or_replan(reservation, counters, olds, takes)
                if code_refusal is not None:
                    raise code_refusal from None  # the lines' refusals first, as the port orders them
                continue
            for tier, plan in takes.items():
                self._hints.took(tier, plan)
            return reservation, True
        raise StoreBusy(BUSY)  # every plan lost its race: rare, and the buyer may simply retry

    def exchange_buyer_hold(self, event_id: str, buyer_key: str, reservation_id: str) -> str | None:
        """One unconditional PutItem returning the item it overwrote: an atomic exchange."""
        old = self._call(self.client.put_item, TableName=self.table_name,
                         Item={**key(f"BUYER#{event_id}#{buyer_key}", "BUYER"), "kind": s("buyer_hold"),
                               "reservation_id": s(reservation_id)},
                         ReturnValues="ALL_OLD").get("Attributes")
        return str(old["reservation_id"]["S"]) if old else None

    def buyer_hold(self, event_id: str, buyer_key: str) -> str | None:
        item = self._get(f"BUYER#{event_id}#{buyer_key}", "BUYER")
        return str(item["reservation_id"]["S"]) if item else None

    def _first_take(self, event_id: str, tier_id: str, quantity: int) -> dict[str, int]:
        shards = self._shards_of(event_id, tier_id)
        if shards <= 1:
            return {tier_sk(tier_id): quantity}
        return {self._hints.pick(tier_id, shards, quantity): quantity}

    def _hold_items(
        self, reservation: Reservation, takes: Takes
    ) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """The transaction items (counters, then the reservation) and the (tier, counter SK) of
        each counter item, in order."""
        versions = {line.tier_id: line.tier_version for line in reversed(reservation.lines)}
        items: list[dict[str, Any]] = []
        counters: list[tuple[str, str]] = []
        for tier_id, plan in takes.items():
            for sk, quantity in plan.items():
                counters.append((tier_id, sk))
                items.append({"Update": {
                    "TableName": self.table_name, "Key": key(f"EVENT#{reservation.event_id}", sk),
                    "UpdateExpression": "SET held = held + :q, available = available - :q",
                    "ConditionExpression": "available >= :q AND version = :v AND event_status = :published",
                    "ExpressionAttributeValues": {
                        ":q": n(quantity), ":v": n(versions[tier_id]),
                        ":published": s(EventStatus.PUBLISHED.value),
                    },
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }})
        if reservation.code is not None:  # right after the counters (its index: len(counters))
            items.append(take_uses_item(self.table_name, reservation))
        item = reservation_item(reservation)
        if any(sk != tier_sk(tier) for tier, sk in counters):
            item["takes"] = takes_value(takes)
        items.append({"Put": {
            "TableName": self.table_name, "Item": item,
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }})
        return items, counters

    def _existing(self, reservation: Reservation, cancelled: ConditionFailed, index: int) -> Reservation | None:
        """The stored reservation when the refusal is "it exists" (an idempotent retry)."""
        if cancelled.failed(index):
            old = cancelled.item(index) or self._get(f"RES#{reservation.id}", "RES")
            if old is None:  # deleted in between: cannot happen, reservations stay
                raise RuntimeError(f"reservation {reservation.id} vanished")
            return reservation_from(old)
        if reservation.idempotency_key is not None:
            # A retry of a reservation that exists must get it back even if its tiers sold
            # out meanwhile. The reasons should already say so (every condition is
            # reported), but an id derived from a key is worth one read before refusing.
            existing = self._get(f"RES#{reservation.id}", "RES")
            if existing is not None:
                return reservation_from(existing)
        return None

    def _old_counter(self, event_id: str, sk: str, cancelled: ConditionFailed, index: int) -> Item | None:
        return cancelled.item(index) or self._get(f"EVENT#{event_id}", sk)

    def _refuse_or_replan(
        self, reservation: Reservation, counters: list[tuple[str, str]], olds: dict[int, Item | None],
        takes: Takes,
    ) -> None:
        """Raise the port's refusal for a cancelled hold, or plan the short sharded tiers again
        (changing `takes`) when their shards still have enough between them."""
        published = EventStatus.PUBLISHED.value
        if any(old is not None and old.get("event_status", {}).get("S") != published for old in olds.values()):
            raise NotOnSale()
        if any(old is None for old in olds.values()):  # a tier is gone, or the event too
            event = self._get(f"EVENT#{reservation.event_id}", "EVENT")
            if event is None or event["status"]["S"] != published:
                raise NotOnSale()
        versions = {line.tier_id: line.tier_version for line in reversed(reservation.lines)}
        for tier_id, quantity in tier_quantities(reservation.lines).items():
            mine = [old for index, old in olds.items() if counters[index][0] == tier_id]
            if not mine:
                continue
            if any(old is None or integer(old, "version") != versions[tier_id] for old in mine):
                raise StaleCatalog(tier_id)
            if self._shards_of(reservation.event_id, tier_id) <= 1:
                raise SoldOut(tier_ids=(tier_id,))
            plan = plan_take(self._counter_amounts(reservation.event_id, tier_id, "available"), quantity)
            if plan is None:
                raise SoldOut(tier_ids=(tier_id,))
            takes[tier_id] = plan
