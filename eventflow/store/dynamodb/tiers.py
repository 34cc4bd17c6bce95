"""Tiers on the DynamoDB table: adding, editing and reading them with their counters (the tier
item, or its shard items: store/dynamodb/shards.py), and keeping their copy of the event's status
in step with the event (`sync_on_sale`), which is what lets a hold skip the event item.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from eventflow.domain.errors import CapacityBelowSold, Conflict, EventNotFound, StaleCatalog, TierExists
from eventflow.domain.models import EventStatus, Tier, TierCount
from eventflow.store.dynamodb.client import ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.items import b, integer, n, put_new, s, tier_from, tier_item, time_value
from eventflow.store.dynamodb.shards import (
    ShardHints,
    plan_take,
    shard_count,
    shard_item,
    shard_sk,
    spread,
    tier_sk,
)

TIER_KEYS_TTL_SECONDS = 30.0
# Counter items updated per transaction when an event's status is copied to them (+1 condition).
SYNC_CHUNK = 99


class DynamoTiersMixin(TableClient):
    """The `Store` port's tier operations; state set up by `DynamoStore.__init__`."""

    _hints: ShardHints
    _tier_keys: dict[str, tuple[float, list[tuple[str, str]]]]
    _tier_keys_lock: threading.Lock
    shard_capacity: int
    max_shards: int

    def add_tier(self, tier: Tier) -> None:
        """Put the tier (held = sold = 0; sharded above the capacity threshold, its shards too)
        with its event's current status, append it to the event's TIERLIST, on condition that the
        event still has that status (read just before; read again if it changed meanwhile)."""
        shards = shard_count(tier.capacity, self.shard_capacity, self.max_shards)
        for _ in range(4):
            event = self._get(f"EVENT#{tier.event_id}", "EVENT")
            if event is None:
                raise EventNotFound()
            status = event["status"]["S"]
            items = [put_new(self.table_name, tier_item(tier, status, shards))]
            shard_sks: list[dict[str, str]] = []
            if shards > 1:
                items.extend(
                    put_new(self.table_name, shard_item(tier.event_id, tier.id, index, share, tier.version, status))
                    for index, share in enumerate(spread(tier.capacity, shards))
                )
                shard_sks = [s(shard_sk(tier.id, index)) for index in range(shards)]
            items.append({"Update": {
                "TableName": self.table_name, "Key": key(f"EVENT#{tier.event_id}", "TIERLIST"),
                "UpdateExpression": "SET tier_ids = list_append(if_not_exists(tier_ids, :empty), :one),"
                                    " shard_sks = list_append(if_not_exists(shard_sks, :empty), :shards)",
                "ExpressionAttributeValues": {
                    ":empty": {"L": []}, ":one": {"L": [s(tier.id)]}, ":shards": {"L": shard_sks},
                },
            }})
            items.append(self._event_is(tier.event_id, status))
            try:
                self._transact(items)
            except ConditionFailed as cancelled:
                if cancelled.failed(len(items) - 1):
                    continue  # the event changed (or went) since the read: read it again
                raise TierExists() from None
            break
        else:
            raise Conflict("The event kept changing while adding the tier; please try again")
        self._hints.saw(tier.id, shards)
        with self._tier_keys_lock:
            self._tier_keys.pop(tier.event_id, None)

    def update_tier(self, tier: Tier) -> Tier:
        """A consistent read of the stored tier (for its capacity), then one conditional write:
        version unchanged, and the new capacity covering held + sold at the moment of the write
        (`available >= old capacity - new capacity` on the tier item, or, sharded, the shrink
        planned over the shards, each shard `available >= its share`). Returns the stored tier."""
        tier_key = key(f"EVENT#{tier.event_id}", tier_sk(tier.id))
        current = self._get(tier_key["PK"]["S"], tier_key["SK"]["S"])
        if current is None or integer(current, "version") != tier.version:
            raise StaleCatalog(tier.id)
        growth = tier.capacity - integer(current, "capacity")
        if "shards" in current:
            return self._update_sharded(tier, growth)
        update, names, values = _tier_update(tier, growth)
        try:
            response = self._call(
                self.client.update_item, TableName=self.table_name, Key=tier_key, UpdateExpression=update,
                ConditionExpression="version = :version AND available >= :shrink",
                ExpressionAttributeNames=names, ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            old = error.response.get("Item") or self._get(tier_key["PK"]["S"], tier_key["SK"]["S"])
            if old is None or integer(old, "version") != tier.version:
                raise StaleCatalog(tier.id) from None
            held, sold = integer(old, "held"), integer(old, "sold")
            raise CapacityBelowSold.of_tier(tier.name, held, sold) from None
        return tier_from(response["Attributes"])

    def _update_sharded(self, tier: Tier, growth: int) -> Tier:
        """The tier item and every shard in one transaction: growth spread over the shards, a
        shrink taken from shards that have it; all versions bumped together."""
        update, names, values = _tier_update(tier, 0)
        del values[":shrink"]  # DynamoDB refuses unused values; the shards carry the shrink
        for _ in range(4):
            counters = self._shard_items(tier.event_id, tier.id)
            available = {sk: integer(item, "available") for sk, item in counters.items()}
            if growth >= 0:
                deltas = dict(zip(sorted(counters), spread(growth, len(counters)), strict=True))
            else:
                plan = plan_take(available, -growth)
                if plan is None:
                    held = sum(integer(item, "held") for item in counters.values())
                    sold = sum(integer(item, "sold") for item in counters.values())
                    raise CapacityBelowSold.of_tier(tier.name, held, sold)
                deltas = {sk: -plan.get(sk, 0) for sk in counters}
            items: list[dict[str, Any]] = [{"Update": {
                "TableName": self.table_name, "Key": key(f"EVENT#{tier.event_id}", tier_sk(tier.id)),
                "UpdateExpression": update, "ConditionExpression": "version = :version",
                "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
            }}]
            items.extend({"Update": {
                "TableName": self.table_name, "Key": key(f"EVENT#{tier.event_id}", sk),
                "UpdateExpression": "SET available = available + :d, version = version + :one",
                "ConditionExpression": "version = :version AND available >= :take",
                "ExpressionAttributeValues": {":d": n(delta), ":take": n(max(0, -delta)), ":one": n(1),
                                              ":version": n(tier.version)},
            }} for sk, delta in sorted(deltas.items()))
            try:
                self._transact(items)
            except ConditionFailed as cancelled:
                if cancelled.failed(0) or any(
                    integer(item, "version") != tier.version for item in counters.values()
                ):
                    raise StaleCatalog(tier.id) from None
                continue  # a hold took from a shrinking shard meanwhile: plan again
            return next(t for t in self.get_tiers(tier.event_id) if t.id == tier.id)
        raise Conflict("The tier kept selling while saving; please try again")

    def get_tiers(self, event_id: str) -> list[Tier]:
        """One consistent Query of the event's `TIER#` items: tiers and shards, the shards'
        counts summed into their tier (and kept as hints for choosing a shard)."""
        tiers: dict[str, Tier] = {}
        shards: dict[str, list[Item]] = {}
        for item in self._partition_items(f"EVENT#{event_id}", "TIER#"):
            if item["kind"]["S"] == "tier_shard":
                shards.setdefault(item["tier_id"]["S"], []).append(item)
            else:
                tiers[item["id"]["S"]] = tier_from(item)
        for tier_id, tier in tiers.items():
            mine = shards.get(tier_id, [])
            self._hints.saw(tier_id, max(1, len(mine)), {i["SK"]["S"]: integer(i, "available") for i in mine})
            if mine:
                tiers[tier_id] = replace(
                    tier, held=tier.held + sum(integer(i, "held") for i in mine),
                    sold=tier.sold + sum(integer(i, "sold") for i in mine),
                )
        return sorted(tiers.values(), key=lambda t: (t.position, t.id))

    def _shard_items(self, event_id: str, tier_id: str) -> dict[str, Item]:
        """A sharded tier's shard items by sort key (consistent Query)."""
        items = self._partition_items(f"EVENT#{event_id}", f"{tier_sk(tier_id)}#SHARD#")
        return {item["SK"]["S"]: item for item in items}

    def _counter_amounts(self, event_id: str, tier_id: str, attribute: str) -> dict[str, int]:
        """`attribute` (available, held or sold) of each of a tier's counters, read consistently."""
        shards = self._shards_of(event_id, tier_id)
        if shards <= 1:
            item = self._get(f"EVENT#{event_id}", tier_sk(tier_id))
            return {tier_sk(tier_id): integer(item, attribute)} if item else {}
        amounts = {sk: integer(item, attribute) for sk, item in self._shard_items(event_id, tier_id).items()}
        if attribute == "available":
            self._hints.saw(tier_id, shards, amounts)
        return amounts

    def restock_counters(self, event_id: str, quantities: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
        """(counter SK, quantity) giving refunded tickets back: the tier item, or, for a sharded
        tier, shards whose `sold` covers it (planned from a consistent read; any shard will do,
        the invariant is over the sum)."""
        counters: list[tuple[str, int]] = []
        for tier_id, quantity in quantities:
            if self._shards_of(event_id, tier_id) <= 1:
                counters.append((tier_sk(tier_id), quantity))
                continue
            plan = plan_take(self._counter_amounts(event_id, tier_id, "sold"), quantity)
            if plan is None:
                raise RuntimeError(f"sold counts of tier {tier_id} are inconsistent")
            counters.extend(plan.items())
        return counters

    def _shards_of(self, event_id: str, tier_id: str) -> int:
        """A tier's shard count (fixed when it is created): hinted, else one read of its item."""
        known = self._hints.shards(tier_id)
        if known is not None:
            return known
        item = self._get(f"EVENT#{event_id}", tier_sk(tier_id), projection="shards, version")
        shards = integer(item, "shards") if item and "shards" in item else 1
        if item is not None:
            self._hints.saw(tier_id, shards)
        return shards

    def tier_counts(self, event_ids: Sequence[str]) -> dict[str, list[TierCount]]:
        """One consistent BatchGetItem of the tiers' counters (tier items and shards; one request
        per 100 keys) once the events' tier lists are known; events seen for the first time cost
        one more round."""
        counts: dict[str, list[TierCount]] = {event_id: [] for event_id in event_ids}
        if not event_ids:
            return counts
        items = self._batch_get(
            self._tier_keys_of(list(counts)),
            projection="event_id, id, tier_id, kind, #capacity, held, sold, #position",
            names={"#capacity": "capacity", "#position": "position"},
        )
        tiers = [item for item in items if item["kind"]["S"] == "tier"]
        extra: dict[str, tuple[int, int]] = {}
        for item in items:
            if item["kind"]["S"] == "tier_shard":
                held, sold = extra.get(item["tier_id"]["S"], (0, 0))
                extra[item["tier_id"]["S"]] = (held + integer(item, "held"), sold + integer(item, "sold"))
        for item in sorted(tiers, key=lambda item: (integer(item, "position"), item["id"]["S"])):
            event_id, tier_id = item["event_id"]["S"], item["id"]["S"]
            held, sold = extra.get(tier_id, (0, 0))
            if event_id in counts:
                counts[event_id].append(TierCount(
                    tier_id, integer(item, "capacity"), integer(item, "held") + held, integer(item, "sold") + sold,
                ))
        return counts

    def _tier_keys_of(self, event_ids: list[str]) -> list[tuple[str, str]]:
        """Keys of the events' tiers and shards: cached, or read from their TIERLIST items in one
        batch."""
        tier_keys: list[tuple[str, str]] = []
        unknown: list[str] = []
        now = time.monotonic()
        with self._tier_keys_lock:
            for event_id in event_ids:
                cached = self._tier_keys.get(event_id)
                if cached is not None and now - cached[0] < TIER_KEYS_TTL_SECONDS:
                    tier_keys.extend(cached[1])
                else:
                    unknown.append(event_id)
        if not unknown:
            return tier_keys
        lists = self._batch_get(
            ((f"EVENT#{event_id}", "TIERLIST") for event_id in unknown), projection="PK, tier_ids, shard_sks"
        )
        found: dict[str, list[tuple[str, str]]] = {event_id: [] for event_id in unknown}
        for item in lists:
            pk = item["PK"]["S"]
            found[pk.removeprefix("EVENT#")] = [
                (pk, tier_sk(t["S"])) for t in item.get("tier_ids", {}).get("L", [])
            ] + [(pk, sk["S"]) for sk in item.get("shard_sks", {}).get("L", [])]
        with self._tier_keys_lock:
            for event_id, keys in found.items():
                self._tier_keys[event_id] = (now, keys)
                tier_keys.extend(keys)
        return tier_keys

    # ---------------------------------------------------------------- the event's status on its tiers
    def sync_on_sale(self, event_id: str, status: EventStatus, checked: bool) -> None:
        """Copy the event's status to every counter item of its tiers that differs (one
        consistent Query, then transactions of up to 99 updates). `checked`: each transaction
        also checks that the event still has this status, so a save that lost a race to another
        save cannot leave its stale status on the tiers (docs/dynamodb.md, "On sale")."""
        stale = [
            item["SK"]["S"]
            for item in self._partition_items(f"EVENT#{event_id}", "TIER#")
            if item.get("event_status", {}).get("S") != status.value
        ]
        for start in range(0, len(stale), SYNC_CHUNK):
            items: list[dict[str, Any]] = [{"Update": {
                "TableName": self.table_name, "Key": key(f"EVENT#{event_id}", sk),
                "UpdateExpression": "SET event_status = :status",
                "ExpressionAttributeValues": {":status": s(status.value)},
            }} for sk in stale[start:start + SYNC_CHUNK]]
            if checked:
                items.insert(0, self._event_is(event_id, status.value))
            try:
                self._transact(items)
            except ConditionFailed:
                return  # the event changed meanwhile: the save that changed it syncs its tiers

    def open_legacy_counters(self, event_id: str) -> bool:
        """Counters written before tiers carried their event's status: give them the status of
        their published event, once (conditional on the event being published and the counter
        still having no status). False when the event is not published."""
        event = self._get(f"EVENT#{event_id}", "EVENT")
        if event is None or event["status"]["S"] != EventStatus.PUBLISHED.value:
            return False
        legacy = [
            item["SK"]["S"] for item in self._partition_items(f"EVENT#{event_id}", "TIER#")
            if "event_status" not in item
        ]
        for sk in legacy:
            try:
                self._transact([
                    self._event_is(event_id, EventStatus.PUBLISHED.value),
                    {"Update": {
                        "TableName": self.table_name, "Key": key(f"EVENT#{event_id}", sk),
                        "UpdateExpression": "SET event_status = :published",
                        "ConditionExpression": "attribute_not_exists(event_status)",
                        "ExpressionAttributeValues": {":published": s(EventStatus.PUBLISHED.value)},
                    }},
                ])
            except ConditionFailed as cancelled:
                if cancelled.failed(0):
                    return False
        return True

    def _event_is(self, event_id: str, status: str) -> dict[str, Any]:
        """A transaction item that checks the event's status (organizer writes only: a hold
        never names the event item)."""
        return {"ConditionCheck": {
            "TableName": self.table_name, "Key": key(f"EVENT#{event_id}", "EVENT"),
            "ConditionExpression": "#status = :status", "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":status": s(status)},
        }}


def _tier_update(tier: Tier, growth: int) -> tuple[str, dict[str, str], Item]:
    """The UpdateExpression of a tier edit (fields, `available += growth`, version + 1)."""
    names = {"#name": "name", "#capacity": "capacity", "#position": "position", "#hidden": "hidden"}
    values: Item = {
        ":name": s(tier.name), ":price": n(tier.price_minor), ":capacity": n(tier.capacity),
        ":max": n(tier.max_per_order), ":hidden": b(tier.hidden),
        ":position": n(tier.position), ":growth": n(growth), ":shrink": n(-growth),
        ":version": n(tier.version), ":one": n(1),
    }
    sets = [
        "#name = :name", "price_minor = :price", "#capacity = :capacity", "max_per_order = :max",
        "#hidden = :hidden", "#position = :position", "available = available + :growth",
        "version = version + :one",
    ]
    removes = []
    for name, instant in (("sales_start", tier.sales_start), ("sales_end", tier.sales_end)):
        if instant is None:
            removes.append(name)
        else:
            sets.append(f"{name} = :{name}")
            values[f":{name}"] = time_value(instant)
    return "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""), names, values
