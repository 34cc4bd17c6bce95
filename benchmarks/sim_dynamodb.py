"""A model of DynamoDB holds under load: how many holds per second one tier takes with 1, 4 and 16
counter shards, and how often holds of different tiers of one event conflict, before (every hold
names the event item) and after (a hold names its tier counter and its reservation only).

Not a measurement: moto serves one request at a time and has no limits, so the store's
throughput on the real service can only be modelled. The model uses DynamoDB's documented rules:

* an item (a partition, for a hot key) takes at most 1,000 WCU/s, and a write inside a transaction
  costs 2 WCU per KB (a ConditionCheck is counted like one), so a counter item takes at most 500
  transactional updates/s; over that, the transaction is cancelled for throttling;
* a transaction that names an item that another transaction names while still in flight is
  cancelled with TransactionConflict, whatever the other did with it;
* the store (eventflow/store/dynamodb): a conflicting hold on a sharded tier is sent again at once
  on another shard (`Contended`), on an unsharded tier the same request again, up to 8 attempts; a
  throttled one is sent once more, then the buyer gets 503 + Retry-After (StoreBusy); no sleeps.

Assumed (change with the options): a transaction keeps its items in flight for `--hold-ms` (5 ms)
and a retry follows a cancellation after one round trip, `--rtt-ms` (3 ms). Capacity is unlimited
(no sold-out), buyers arrive as a Poisson stream.

    .venv/bin/python benchmarks/sim_dynamodb.py            # the tables
    .venv/bin/python benchmarks/sim_dynamodb.py --hold-ms 10 --seconds 4
"""

from __future__ import annotations

import argparse
import heapq
import random
from collections import Counter
from dataclasses import dataclass, field

ITEM_WCU = 1_000.0  # per second, per item / partition
TX_WRITE_WCU = 2.0  # a transactional write (or condition check) of an item up to 1 KB
MAX_ATTEMPTS = 8  # the store's attempt bound (client.py); throttling: 2 attempts
THROTTLED_ATTEMPTS = 2


@dataclass
class Item:
    busy_until: float = 0.0
    tokens: float = ITEM_WCU
    refilled_at: float = 0.0

    def can_pay(self, now: float) -> bool:
        self.tokens = min(ITEM_WCU, self.tokens + (now - self.refilled_at) * ITEM_WCU)
        self.refilled_at = now
        return self.tokens >= TX_WRITE_WCU


@dataclass
class Run:
    committed: Counter[str] = field(default_factory=Counter)
    busy: Counter[str] = field(default_factory=Counter)
    attempts: int = 0
    conflicts_same: int = 0  # cancelled by an item of its own tier
    conflicts_cross: int = 0  # cancelled by the event item or another tier's item


def simulate(rates: dict[str, float], shards: int, event_item: bool, seconds: float, hold: float,
             rtt: float, seed: int = 1) -> Run:
    """Holds on tiers `rates` (tier -> offered holds/s) of one event, each tier over `shards`."""
    rng = random.Random(seed)
    items: dict[str, Item] = {}
    run = Run()
    queue: list[tuple[float, int, str, int, int, str | None]] = []  # time, seq, tier, attempt, throttles, avoid
    seq = 0
    for tier, rate in rates.items():
        t = rng.expovariate(rate)
        while t < seconds:
            queue.append((t, seq, tier, 0, 0, None))
            seq += 1
            t += rng.expovariate(rate)
    heapq.heapify(queue)
    while queue:
        now, _, tier, attempt, throttles, avoid = heapq.heappop(queue)
        run.attempts += 1
        choices = [k for k in range(shards) if f"{tier}#{k}" != avoid] or list(range(shards))
        counter = f"{tier}#{rng.choice(choices)}"
        names = [counter] + (["EVENT"] if event_item else [])  # the reservation item is new: no clash
        touched = [items.setdefault(name, Item()) for name in names]
        clash = [name for name, item in zip(names, touched, strict=True) if item.busy_until > now]
        if clash:
            if clash == [counter]:
                run.conflicts_same += 1
            else:
                run.conflicts_cross += 1
            if attempt + 1 < MAX_ATTEMPTS:
                seq += 1
                heapq.heappush(queue, (now + rtt, seq, tier, attempt + 1, throttles,
                                       counter if shards > 1 and counter in clash else None))
            else:
                run.busy[tier] += 1
            continue
        if not all(item.can_pay(now) for item in touched):
            if throttles + 1 < THROTTLED_ATTEMPTS:
                seq += 1
                heapq.heappush(queue, (now + rtt, seq, tier, attempt + 1, throttles + 1, None))
            else:
                run.busy[tier] += 1
            continue
        for item in touched:
            item.tokens -= TX_WRITE_WCU
            item.busy_until = now + hold
        run.committed[tier] += 1
    return run


def throughput_table(seconds: float, hold: float, rtt: float) -> list[str]:
    lines = ["| offered holds/s on one tier | 1 shard: holds/s (503s) | 4 shards | 16 shards |",
             "|---:|---:|---:|---:|"]
    for offered in (250, 500, 1_000, 2_000, 4_000, 8_000, 16_000):
        cells = []
        for shards in (1, 4, 16):
            run = simulate({"A": offered}, shards, event_item=False, seconds=seconds, hold=hold, rtt=rtt)
            total = run.committed["A"] + run.busy["A"]
            cells.append(f"{run.committed['A'] / seconds:,.0f} ({100 * run.busy['A'] / max(total, 1):.1f}%)")
        lines.append(f"| {offered:,} | " + " | ".join(cells) + " |")
    return lines


def cross_tier_table(seconds: float, hold: float, rtt: float) -> list[str]:
    lines = ["| tiers x offered holds/s each | shape | conflicts per 100 attempts: other tier / event item"
             " | own tier | 503s | holds/s |", "|---|---|---:|---:|---:|---:|"]
    for tiers, rate in ((2, 100), (4, 100), (4, 200), (8, 100)):
        rates = {f"T{n}": float(rate) for n in range(tiers)}
        for event_item, shape in ((True, "before: event item + tier"), (False, "after: tier counter only")):
            run = simulate(rates, 1, event_item=event_item, seconds=seconds, hold=hold, rtt=rtt)
            busy, done = sum(run.busy.values()), sum(run.committed.values())
            lines.append(
                f"| {tiers} x {rate} | {shape} | {100 * run.conflicts_cross / run.attempts:.1f}"
                f" | {100 * run.conflicts_same / run.attempts:.1f}"
                f" | {100 * busy / max(busy + done, 1):.1f}% | {done / seconds:,.0f} |"
            )
    return lines


def index_lines() -> list[str]:
    per_partition = ITEM_WCU  # an index write of a small item: 1 WCU
    return [
        "| index partitions of an event's orders | index writes/s | orders/s at 1 order + 2 tickets |",
        "|---:|---:|---:|",
        f"| 1 (before) | {per_partition:,.0f} | {per_partition / 3:,.0f} |",
        f"| 8 (`ORDER_SHARDS`) | {8 * per_partition:,.0f} | {8 * per_partition / 3:,.0f} |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0, help="simulated seconds per cell")
    parser.add_argument("--hold-ms", type=float, default=5.0, help="time a transaction keeps its items in flight")
    parser.add_argument("--rtt-ms", type=float, default=3.0, help="round trip before a retry")
    args = parser.parse_args()
    hold, rtt = args.hold_ms / 1000, args.rtt_ms / 1000
    print(f"model: {ITEM_WCU:,.0f} WCU/s per item, {TX_WRITE_WCU:.0f} WCU per transactional write,"
          f" items in flight {args.hold_ms} ms, retry after {args.rtt_ms} ms, {args.seconds} s per cell\n")
    print("Holds per second one tier takes (committed), and the share answered 503:")
    print("\n".join(throughput_table(args.seconds, hold, rtt)))
    print("\nHolds on several tiers of ONE event (unsharded tiers):")
    print("\n".join(cross_tier_table(args.seconds, hold, rtt)))
    print("\nOrders and tickets in the index (GSI partition limit, 1 WCU per small index write):")
    print("\n".join(index_lines()))


if __name__ == "__main__":
    main()
