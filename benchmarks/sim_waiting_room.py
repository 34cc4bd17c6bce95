"""A model (not a measurement, not a test) of a waiting-room on-sale on DynamoDB (issue 13): 1,000,000
waiting buyers, 100,000 tickets. How long until sold out, which partitions run hot, and how the design
(eventflow/store/dynamodb/waiting_room.py, docs/dynamodb.md "Waiting room") spreads them.

    .venv/bin/python benchmarks/sim_waiting_room.py [--visitors 1000000] [--tickets 100000] [--rate 0]

DynamoDB's documented limits, as assumed here:
* one partition key value takes at most 1,000 WCU/s and 3,000 RCU/s (a hot key is not split further);
* a write of an item up to 1 KB costs 1 WCU, inside TransactWriteItems 2 WCU (a ConditionCheck too);
  a strongly consistent read up to 4 KB costs 1 RCU (Query: per 4 KB read);
* a table in on-demand mode starts with an account quota of 40,000 RCU/s and 40,000 WCU/s per table
  (raisable on request): the ceiling for work spread over many keys.
Workload assumptions (options): 90% of the visitors arrive in the 10 minutes before the opening (40% of
those in its last minute), 10% in the 10 minutes after; an admitted buyer buys with probability 0.85,
1.6 tickets on average; one hold (2 WCU on a tier counter shard) and one confirmation (2 WCU on the same
shard, 2 on one of the 4 sales aggregate items) per purchase; the tier has 16 counter shards
(shards.py: capacity >= 2,000), which `sim_dynamodb.py` puts at ~1,950 holds/s sustained with conflicts.
The page polls every clamp(wait / 10, 3 s, 60 s) (waiting_room_panel.py); a poll reads the visitor's entry
(1 RCU, its own key); the room's state item is read once per app instance after the draw (cached).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

KEY_WCU, KEY_RCU, TABLE_WCU, TABLE_RCU = 1_000.0, 3_000.0, 40_000.0, 40_000.0
TX = 2.0  # WCU per item inside a transaction
TIER_HOLDS_PER_S = 1_950.0  # 16 counter shards, with conflicts (sim_dynamodb.py, 2,000 offered)
SALE_SHARDS = 4  # the dashboard's aggregate items per tier a confirmation ADDs to (transactional)
ENTRY_BYTES, INDEX_BYTES = 200, 120


@dataclass
class Design:
    name: str
    room_shards: int  # draw-index partitions (early joins) with their own `closing` flag
    late_shards: int  # late-arrival counters
    draw_workers: int  # parallel BatchWriteItem writers of positions (0: one UpdateItem at a time, 5 ms each)


DESIGNS = [
    Design("one room item (naive)", 1, 1, 0),
    Design("as implemented (64 shards, one late counter, sequential draw)", 64, 1, 0),
    Design("scale path (64 shards, 16 late counters, parallel draw)", 64, 16, 16),
]


def joins(visitors: int) -> tuple[list[float], list[float]]:
    """Arrivals per second: before the opening (600 s, the last 60 s take 40%), after it (600 s)."""
    early, late = visitors * 0.9, visitors * 0.1
    before = [early * 0.6 / 540] * 540 + [early * 0.4 / 60] * 60
    return before, [late / 600] * 600


def hot_keys(design: Design, before: list[float], after: list[float],
             polls: float) -> list[tuple[str, float, float, float]]:
    """(partition, peak WCU/s, peak RCU/s, its limit used in %) of the hot spots."""
    peak_early, peak_late = max(before), max(after)
    # An early join: ConditionCheck on its shard's STATE + the index put (both in the shard partition), the
    # entry put on its own key.
    shard_wcu = peak_early / design.room_shards * 2 * TX
    late_wcu = peak_late / design.late_shards * 1.0  # ADD late_count
    rows = [(f"ROOM#e#k (early joins, {design.room_shards} partition(s))", shard_wcu, 0.0, shard_wcu / KEY_WCU),
            (f"ROOM#e/STATE late counter ({design.late_shards})", late_wcu, 0.0, late_wcu / KEY_WCU),
            ("ROOMV#e#visitor (entries, polls)", peak_early * TX, polls, polls / TABLE_RCU)]
    return [(name, wcu, rcu, used * 100) for name, wcu, rcu, used in rows]


def draw_seconds(design: Design, early: float) -> float:
    read = early * INDEX_BYTES / 4096 / (KEY_RCU * design.room_shards)  # Query pages, per shard partition
    if design.draw_workers == 0:
        return read + early * 0.005  # one UpdateItem per position, a 5 ms round trip each
    per_second = min(TABLE_WCU, design.draw_workers * 25 / 0.010)  # BatchWriteItem of 25, 10 ms each
    return read + early * math.ceil(ENTRY_BYTES / 1024) / per_second


def join_backlog(design: Design, before: list[float]) -> float:
    """Seconds past the opening until the early joins offered are all written (throttled over the limit)."""
    capacity = KEY_WCU / (2 * TX) * design.room_shards
    backlog, t = 0.0, 0
    for offered in before:
        backlog = max(0.0, backlog + offered - capacity)
    while backlog > 0:
        backlog -= capacity
        t += 1
    return float(t)


def sell_out(tickets: int, rate_per_min: float, start: float, conversion: float,
             per_buyer: float) -> tuple[float, float]:
    """(seconds from the opening to sold out, holds/s the tier sees) at an admission rate, the store's
    ceiling on one tier applied (holds + confirmations on the counter shards; confirmations on 4 aggregates)."""
    buyers_needed = tickets / per_buyer / conversion
    offered = rate_per_min / 60 * conversion  # purchases per second
    ceiling = min(TIER_HOLDS_PER_S / 2, SALE_SHARDS * KEY_WCU / TX)  # a purchase = hold + confirmation
    served = min(offered, ceiling)
    return start + buyers_needed * conversion / served, served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visitors", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--hold-minutes", type=float, default=15)
    parser.add_argument("--conversion", type=float, default=0.85)
    parser.add_argument("--per-buyer", type=float, default=1.6)
    args = parser.parse_args()
    before, after = joins(args.visitors)
    early = sum(before)
    computed = max(10, math.ceil(args.tickets / args.hold_minutes))  # sale_settings.admission_rate
    # Polls: a visitor d positions from the front polls every clamp(d / rate * 60 / 10, 3, 60) s.
    def polls_per_second(rate: float) -> float:
        return sum(1 / min(60.0, max(3.0, (d / rate * 60) / 10)) for d in range(1, args.visitors, 100)) * 100
    print(f"{args.visitors:,} visitors ({early:,.0f} early), {args.tickets:,} tickets\n")
    print("| design | early joins/s it takes | join backlog at the opening | draw | hottest early-join partition"
          " (of 1,000 WCU/s) | late counter (of 1,000 WCU/s) |")
    print("|---|---:|---:|---:|---|---:|")
    for design in DESIGNS:
        rows = hot_keys(design, before, after, polls_per_second(computed))
        hottest = max(rows[:2], key=lambda r: r[3])
        late = rows[1]
        print(f"| {design.name} | {KEY_WCU / (2 * TX) * design.room_shards:,.0f}"
              f" | {join_backlog(design, before):,.0f} s | {draw_seconds(design, early):,.0f} s"
              f" | {hottest[0]}: {hottest[3]:,.0f}% | {late[3]:,.0f}% |")
    print("\n| admissions per minute | polls/s (RCU/s, spread) | purchases/s | sold out after the opening |")
    print("|---:|---:|---:|---:|")
    scale = DESIGNS[-1]
    for rate in (computed, 30_000, 60_000, 120_000):
        seconds, served = sell_out(args.tickets, rate, draw_seconds(scale, early), args.conversion, args.per_buyer)
        label = f"{rate:,} (computed)" if rate == computed else f"{rate:,}"
        polls = polls_per_second(rate)
        quota = " (over the default table quota)" if polls > TABLE_RCU else ""
        print(f"| {label} | {polls:,.0f}{quota} | {served:,.0f} | {seconds / 60:,.1f} min |")


if __name__ == "__main__":
    main()
