"""Where a tier's counters live on the DynamoDB table, and how a hold, sale or refund is spread
over them.

A tier's `held` / `sold` / `available` are kept on *counter items*. A small tier has one: the tier
item itself (`EVENT#<e> / TIER#<t>`). A tier created with a capacity of at least
`2 * shard_capacity` is *sharded*: its counters are `N = min(max_shards, capacity // shard_capacity)`
shard items `EVENT#<e> / TIER#<t>#SHARD#<kk>`, the capacity spread over them as `available`, and
the tier item keeps the metadata (`shards = N`, held = sold = available = 0). DynamoDB serializes
the writes to one item (about 1,000 WCU/s, 500 transactional writes/s); N shards take N times that.

Every counter item also carries the tier's `version` and its event's status (`event_status`), so a
hold is one conditional Update per counter (`available >= :q AND version = :v AND event_status =
:published`) plus the reservation's Put: no item is shared by holds of different tiers, nor by two
holds of one tier on different shards.

The never-oversell invariant, over the sum: for every tier, `sum over its counters of (held + sold
+ available) = capacity` and every `available >= 0`. Each write keeps both: a hold moves q from
`available` to `held` on a counter whose condition says `available >= q`; release, confirm and
refund move quantities between the three on one counter (`held >= q` / `sold >= q` conditions);
a capacity edit changes `capacity` and the counters' `available` by the same total in one
transaction, each shrinking counter conditional on `available >= its share`. Hence `held + sold =
capacity - sum(available) <= capacity`. A hold that finds its shard dry takes from other shards:
the store reads every shard (one consistent Query) and plans the quantity over the ones that have
it (`plan_take`), in the same single transaction: shards are rebalanced by the holds themselves,
never by a separate write that could race them. A reservation records which counter each of its
tiers took from (`takes`), so its release and its confirmation touch exactly those.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from typing import Any

from eventflow.domain.models import Reservation
from eventflow.store.dynamodb.client import Item, key
from eventflow.store.dynamodb.items import n, s, tier_quantities

# Automatic sharding: tickets per shard, and the most shards a tier gets (a capacity edit writes the
# tier item and every shard in one transaction, so N stays far below its 100 items).
SHARD_CAPACITY = 1_000
MAX_SHARDS = 16

Takes = dict[str, dict[str, int]]  # tier id -> {counter SK: quantity}


def shard_count(capacity: int, shard_capacity: int = SHARD_CAPACITY, max_shards: int = MAX_SHARDS) -> int:
    """Shards of a new tier: 1 (the tier item is the counter) below 2 * shard_capacity."""
    if shard_capacity <= 0 or capacity < 2 * shard_capacity:
        return 1
    return max(1, min(max_shards, capacity // shard_capacity))


def tier_sk(tier_id: str) -> str:
    return f"TIER#{tier_id}"


def shard_sk(tier_id: str, index: int) -> str:
    return f"TIER#{tier_id}#SHARD#{index:02d}"


def counter_sks(tier_id: str, shards: int) -> list[str]:
    """Sort keys of a tier's counter items."""
    return [tier_sk(tier_id)] if shards <= 1 else [shard_sk(tier_id, k) for k in range(shards)]


def spread(total: int, parts: int) -> list[int]:
    """`total` cut into `parts` near-equal shares (the first ones one larger)."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def plan_take(amounts: dict[str, int], quantity: int) -> dict[str, int] | None:
    """Take `quantity` out of counters holding `amounts`: from one counter when one has enough
    (chosen at random, weighted by what it has, so planners do not all pick the same one), else
    largest first over as few counters as possible. None when the sum is short."""
    if quantity <= 0:
        return {}
    usable = {sk: amount for sk, amount in amounts.items() if amount > 0}
    if sum(usable.values()) < quantity:
        return None
    whole = [sk for sk, amount in usable.items() if amount >= quantity]
    if whole:
        chosen = random.choices(whole, weights=[usable[sk] for sk in whole])[0]
        return {chosen: quantity}
    plan: dict[str, int] = {}
    for sk, amount in sorted(usable.items(), key=lambda pair: (-pair[1], pair[0])):
        part = min(amount, quantity - sum(plan.values()))
        if part <= 0:
            break
        plan[sk] = part
    return plan


def takes_value(takes: Takes) -> dict[str, Any]:
    return {"M": {tier: {"M": {sk: n(q) for sk, q in parts.items()}} for tier, parts in takes.items()}}


def takes_of(item: Item, reservation: Reservation) -> Takes:
    """Which counters a stored reservation took from; a reservation written before sharding (no
    `takes`) took everything from its tier items."""
    stored = item.get("takes", {}).get("M")
    if stored:
        return {tier: {sk: int(q["N"]) for sk, q in parts["M"].items()} for tier, parts in stored.items()}
    return {tier: {tier_sk(tier): q} for tier, q in tier_quantities(reservation.lines).items()}


def summed_takes(takes: Iterable[tuple[str, Takes]]) -> dict[tuple[str, str], int]:
    """Quantity per (event id, counter SK) over many reservations' takes."""
    summed: dict[tuple[str, str], int] = {}
    for event_id, parts in takes:
        for counters in parts.values():
            for sk, quantity in counters.items():
                summed[(event_id, sk)] = summed.get((event_id, sk), 0) + quantity
    return summed


class ShardHints:
    """What this process last saw of sharded tiers: their shard count (fixed at creation) and each
    shard's `available`, refreshed by every read of the tiers (the catalog reads them every second)
    and by refused holds. Only a hint for choosing a shard: every hold is conditional anyway."""

    def __init__(self) -> None:
        self._shards: dict[str, int] = {}
        self._available: dict[str, dict[str, int]] = {}
        self._avoid: dict[str, str] = {}  # tier -> the shard whose write conflicted last
        self._lock = threading.Lock()

    def shards(self, tier_id: str) -> int | None:
        with self._lock:
            return self._shards.get(tier_id)

    def saw(self, tier_id: str, shards: int, available: dict[str, int] | None = None) -> None:
        with self._lock:
            self._shards[tier_id] = shards
            if available is not None and shards > 1:
                self._available[tier_id] = dict(available)

    def pick(self, tier_id: str, shards: int, quantity: int) -> str:
        """A shard for a hold of `quantity`: random, weighted by the hinted `available`, among the
        shards believed to have enough; uniform when nothing is known."""
        with self._lock:
            known = dict(self._available.get(tier_id, {}))
            avoid = self._avoid.pop(tier_id, None)
        sks = [sk for sk in counter_sks(tier_id, shards) if sk != avoid] or counter_sks(tier_id, shards)
        fits = [sk for sk in sks if known.get(sk, quantity) >= quantity]
        if not fits:
            return random.choice(sks)
        return random.choices(fits, weights=[max(1, known.get(sk, 1)) for sk in fits])[0]

    def avoid(self, tier_id: str, sk: str) -> None:
        """Steer the next pick away from a shard another hold is writing right now."""
        with self._lock:
            self._avoid[tier_id] = sk

    def took(self, tier_id: str, plan: dict[str, int]) -> None:
        with self._lock:
            known = self._available.get(tier_id)
            if known is not None:
                for sk, quantity in plan.items():
                    if sk in known:
                        known[sk] -= quantity


def shard_item(event_id: str, tier_id: str, index: int, available: int, version: int, event_status: str) -> Item:
    """A new shard of a tier: its share of the capacity, nothing held or sold."""
    return {
        **key(f"EVENT#{event_id}", shard_sk(tier_id, index)), "kind": s("tier_shard"),
        "event_id": s(event_id), "tier_id": s(tier_id), "shard": n(index),
        "held": n(0), "sold": n(0), "available": n(available), "version": n(version),
        "event_status": s(event_status),
    }
