"""How long the DynamoDB waiting-room draw takes to rank N early arrivals: batched (now) against the old
one-UpdateItem-per-rank loop, on moto served over HTTP (tests/store/moto_server.py), with the requests counted.

    .venv/bin/python benchmarks/bench_room_draw.py [--entrants 20000] [--old-sample 2000]

The room is filled directly (entry and draw-index items by BatchWriteItem, as N joins would leave them; the
joins are not what is measured), then `DynamoStore.draw_waiting_room` runs once, timed, every request counted
by operation. The old path is timed on `--old-sample` ranks (one UpdateItem each, as before) and scaled.

moto's server answers one request at a time and spends CPU per item, so its wall time says little about
DynamoDB: the figure that carries over is the request count. The extrapolation to 900,000 entrants printed at
the end uses stated assumptions (in-region latencies, the table's write throughput), not moto's speed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import print_machine

from eventflow.adapters.threads import in_parallel
from eventflow.domain.waiting_room import RoomEntry
from eventflow.store.dynamodb import waiting_room as room
from eventflow.store.dynamodb.client import key
from eventflow.store.dynamodb.items import n, s

OPENS = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
# Assumptions for the extrapolation (in-region, from AWS's published guidance and common measurements):
UPDATE_MS = 5.0  # one small UpdateItem's round trip
BATCH_MS = 25.0  # one BatchWriteItem of 25 small puts
TABLE_WRITES_PER_S = 4_000  # a new on-demand table's immediate write capacity (2x its initial 2,000 peak)


def fill(store: Any, entrants: int) -> None:
    rng = random.Random(1)
    requests: list[dict[str, Any]] = []
    for number in range(entrants):
        visitor = f"v{number:07d}"
        entry = RoomEntry("evt_big", visitor, OPENS - timedelta(seconds=1), rng.getrandbits(62), early=True)
        index = {**key(f"ROOM#evt_big#{room._shard(visitor)}", f"R#{entry.random_key:0{room.KEY_DIGITS}d}#{visitor}"),
                 "kind": s("room_draw"), "visitor_id": s(visitor), "random_key": n(entry.random_key)}
        requests += [{"PutRequest": {"Item": room._entry_item(entry)}}, {"PutRequest": {"Item": index}}]
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {store.table_name: requests[start:start + 25]}
        while pending:
            pending = store.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def count_requests(store: Any) -> Counter[str]:
    sent: Counter[str] = Counter()
    store.client.meta.events.register("before-call.dynamodb.*",
                                      lambda model, **_: sent.update([model.name]))
    return sent


def old_draw_seconds(store: Any, sample: int) -> float:
    """The old loop's cost per rank: one UpdateItem SET drawn_position per early arrival."""
    started = time.perf_counter()
    for position in range(1, sample + 1):
        store.client.update_item(TableName=store.table_name, Key=key(f"ROOMV#evt_big#v{position:07d}", "ENTRY"),
                                 UpdateExpression="SET drawn_position = :p",
                                 ExpressionAttributeValues={":p": n(position)})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entrants", type=int, default=20_000)
    parser.add_argument("--old-sample", type=int, default=2_000)
    args = parser.parse_args()
    from eventflow.store.dynamodb.store import DynamoStore
    from tests.store.moto_server import FAKE_CREDENTIALS, dynamodb_client, moto_server

    print_machine()
    with moto_server() as endpoint:
        client = dynamodb_client(endpoint)
        store = DynamoStore("bench-room-draw", client=client, region_name=FAKE_CREDENTIALS["region_name"])
        store.create_table()
        started = time.perf_counter()
        fill(store, args.entrants)
        print(f"filled {args.entrants} early arrivals in {time.perf_counter() - started:.1f} s")
        sent = count_requests(store)
        started = time.perf_counter()
        state = store.draw_waiting_room("evt_big")
        batched = time.perf_counter() - started
        assert state.drawn and state.early_total == args.entrants
        print(f"batched draw: {batched:.1f} s on moto = {args.entrants / batched:,.0f} ranks/s; "
              f"requests {dict(sent)}")
        order = list(store._drawn_order("evt_big"))
        items = [room._drawn_item("evt_big", visitor, p) for p, visitor in enumerate(order, start=1)]
        started = time.perf_counter()
        in_parallel(store._put_batch, [items[i:i + room.BATCH_WRITE] for i in range(0, len(items), room.BATCH_WRITE)],
                    room.DRAW_WORKERS)
        writes = time.perf_counter() - started
        print(f"  of which the rank writes alone (rewritten, same ranks): {writes:.1f} s = "
              f"{len(items) / writes:,.0f} ranks/s (the rest is moto's Query of the 64 index shards, O(table) each)")
        old = old_draw_seconds(store, args.old_sample)
        print(f"old draw: {args.old_sample} UpdateItems in {old:.1f} s on moto = {args.old_sample / old:,.0f} ranks/s "
              f"-> {args.entrants * old / args.old_sample:.1f} s for {args.entrants}")
    big = 900_000
    old_min = big * UPDATE_MS / 1000 / 60
    batches = big / room.BATCH_WRITE
    latency_bound = batches * BATCH_MS / 1000 / room.DRAW_WORKERS
    write_bound = big / TABLE_WRITES_PER_S
    print(f"extrapolated to {big:,} entrants on DynamoDB: "
          f"old {big:,} UpdateItems x {UPDATE_MS} ms = {old_min:.0f} min; "
          f"batched {batches:,.0f} BatchWriteItems over {room.DRAW_WORKERS} workers x {BATCH_MS} ms = "
          f"{latency_bound / 60:.1f} min, bounded by the table's {TABLE_WRITES_PER_S:,} writes/s: "
          f"{max(latency_bound, write_bound) / 60:.1f} min (+ the index walk: {big * 100 / 1e6:.0f} MB of 1 MB pages)")


if __name__ == "__main__":
    main()
