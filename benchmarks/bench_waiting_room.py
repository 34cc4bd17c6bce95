"""Load test of a waiting-room on-sale (issue 13) on the running app, over real HTTP.

    .venv/bin/python benchmarks/bench_waiting_room.py [--buyers 2000] [--capacity 300] [--rate 600]

Starts `python main.py` (SQLite, fresh data dir; the rate limits off since every simulated buyer comes from
127.0.0.1, one standing hold per buyer ON), creates a free event with one tier of --capacity (max 2 per
order), turns its waiting room on (opening ~--lead seconds ahead, --rate admissions per minute), then runs
--buyers simulated buyers (asyncio + httpx, one connection pool):

1. everyone joins the room before the opening (POST /waiting-room) and gets `before_opening`;
2. from the opening each polls its status (GET /waiting-room/{visitor}), sleeping what the answer's
   estimated wait suggests (1-5 s), until `admitted` or `sold_out`;
3. an admitted buyer reserves 1 or 2 tickets with the pass (POST /reservations with room_pass) and, on
   201, checks out (free: paid at once); a 409 sold_out is its answer.

Checks: zero oversold (the SQLite file read-only: held + sold <= capacity, sold = the tickets of the paid
checkouts), every buyer has an answer (bought, sold out), the admission order is the drawn order (no answer
ever showed position p waiting after one showed a position > p admitted), a reserve without a pass is 403,
and the draw is not the arrival order (rank correlation of arrival and position near 0).
Reports: time from the opening to sold out, p50/p99 of the admitted buyers' reserve, requests per kind.
The load generator shares the machine's 2 cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Server, Targets, create_event, http_json, load_average, percentile, print_machine

from eventflow.domain.waiting_room import admitted_positions  # the rule the answers must agree with


class Client:
    """httpx's pool, with at most as many requests in flight as it has connections: httpcore assigns queued
    requests to connections in a loop over all of them (quadratic with 2,000 waiting buyers)."""

    def __init__(self, client: httpx.AsyncClient, connections: int) -> None:
        # Buyers at the checkout get their own share of the connections (as each real buyer has their own):
        # a reserve never queues behind thousands of polls in this one process.
        self.client, self.gate, self.buying = client, asyncio.Semaphore(connections - 50), asyncio.Semaphore(50)

    async def get(self, url: str) -> httpx.Response:
        async with self.gate:
            return await self.client.get(url)

    async def post(self, url: str, json: object) -> httpx.Response:
        async with self.gate:
            return await self.client.post(url, json=json)

    async def timed_post(self, url: str, json: object) -> tuple[httpx.Response, float]:
        """A buyer's POST and its latency from when it is sent (the load generator's queue left out)."""
        async with self.buying:
            started = time.perf_counter()
            answer = await self.client.post(url, json=json)
            return answer, time.perf_counter() - started


@dataclass
class Buyer:
    number: int
    visitor: str = ""
    position: int | None = None
    answer: str = ""  # bought, sold_out
    tickets: int = 0
    reserve_seconds: float | None = None
    admitted_seen_at: float | None = None


@dataclass
class Run:
    base: str
    event_id: str
    tier_id: str
    opens_at: datetime
    opening_mono: float = 0.0
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    # (sent, received: wall clock, position, admitted?) of every status answer: the order check
    observations: list[tuple[datetime, datetime, int, bool]] = field(default_factory=list)
    rate: int = 0
    last_sale_mono: float = 0.0


async def join(client: Client, run: Run, buyer: Buyer) -> None:
    answer = await client.post(f"/api/v1/events/{run.event_id}/waiting-room", json={})
    run.requests["join"] += 1
    body = answer.json()
    assert answer.status_code == 201 and body["state"] == "before_opening", body
    buyer.visitor = body["visitor_id"]


async def take_turn(client: Client, run: Run, buyer: Buyer, rng: random.Random) -> None:
    await asyncio.sleep(max(0.0, run.opening_mono - time.monotonic()) + rng.uniform(0, 1.0))
    while True:
        sent = datetime.now(UTC)
        answer = await client.get(f"/api/v1/events/{run.event_id}/waiting-room/{buyer.visitor}")
        received = datetime.now(UTC)
        run.requests["status"] += 1
        body = answer.json()
        if body.get("position") is not None:
            buyer.position = body["position"]
            if body["state"] in ("waiting", "admitted"):
                run.observations.append((sent, received, body["position"], body["state"] == "admitted"))
        if body["state"] == "sold_out":
            buyer.answer = "sold_out"
            return
        if body["state"] == "admitted":
            buyer.admitted_seen_at = time.monotonic()
            await buy(client, run, buyer, body["room_pass"], rng)
            return
        wait = body.get("wait_seconds") or 1
        await asyncio.sleep(min(5.0, max(1.0, wait / 2)) + rng.uniform(0, 0.3))


async def buy(client: Client, run: Run, buyer: Buyer, room_pass: str, rng: random.Random) -> None:
    quantity = rng.choice((1, 1, 2))
    answer, buyer.reserve_seconds = await client.timed_post(f"/api/v1/events/{run.event_id}/reservations", json={
        "lines": [{"tier_id": run.tier_id, "quantity": quantity}], "room_pass": room_pass,
        "buyer": {"email": f"buyer{buyer.number}@example.com", "name": f"Buyer {buyer.number}"}})
    run.requests["reserve"] += 1
    run.statuses[f"reserve {answer.status_code}"] += 1
    if answer.status_code == 409:
        buyer.answer = "sold_out"
        return
    assert answer.status_code == 201, answer.text
    paid, _ = await client.timed_post(f"/api/v1/reservations/{answer.json()['id']}/checkout", json={})
    run.requests["checkout"] += 1
    assert paid.status_code in (200, 201) and paid.json()["status"] == "paid", paid.text
    buyer.answer, buyer.tickets = "bought", quantity
    run.last_sale_mono = time.monotonic()


def order_kept(run: Run) -> tuple[bool, int]:
    """Every answer agrees with admitting the drawn positions in order at the rate: "admitted" only if its
    position was in by the time the answer arrived, "waiting" only if it was not yet in when it was asked
    (the server answered in between; one clock on this machine). Returns (kept, answers checked)."""
    def admitted_by(instant: datetime) -> int:
        return admitted_positions(run.rate, run.opens_at, instant)
    for sent, received, position, admitted in run.observations:
        if admitted and position > admitted_by(received):
            return False, len(run.observations)
        if not admitted and position <= admitted_by(sent):
            return False, len(run.observations)
    return True, len(run.observations)


def rank_correlation(buyers: list[Buyer]) -> float:
    """Spearman's rho of arrival order and drawn position (1: the draw kept the arrival order)."""
    ranked = [b for b in buyers if b.position is not None]
    n = len(ranked)
    by_position = {b.number: rank for rank, b in enumerate(sorted(ranked, key=lambda b: b.position or 0))}
    d2 = sum((rank - by_position[b.number]) ** 2 for rank, b in enumerate(sorted(ranked, key=lambda b: b.number)))
    return 1 - 6 * d2 / (n * (n * n - 1)) if n > 2 else float("nan")


def tier_counts(db_path: Path, tier_id: str) -> tuple[int, int, int]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        capacity, held, sold = db.execute("SELECT capacity, held, sold FROM tiers WHERE id = ?", (tier_id,)).fetchone()
    return int(capacity), int(held), int(sold)


async def main_async(args: argparse.Namespace, server: Server) -> int:
    event = create_event(server.url, args.capacity, title="Hot Drop", price_minor=0)
    opens_at = datetime.now(UTC) + timedelta(seconds=args.lead)
    status, body = http_json("PUT", f"{server.url}/api/v1/events/{event.event_id}/sale-settings", {
        "waiting_room": True, "opens_at": opens_at.isoformat(), "admissions_per_minute": args.rate}, event.token)
    assert status == 200, body
    status, body = http_json("POST", f"{server.url}/api/v1/events/{event.event_id}/reservations", {
        "lines": [{"tier_id": event.tier_id, "quantity": 1}], "buyer": {"email": "x@example.com", "name": "X"}})
    targets = Targets()
    targets.check("reserve without a pass is 403 waiting_room", status == 403 and body["error"] == "waiting_room")
    run = Run(server.url, event.event_id, event.tier_id, opens_at, rate=args.rate)
    buyers = [Buyer(n) for n in range(args.buyers)]
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as pool:
        client = Client(pool, args.connections)
        started = time.monotonic()
        await asyncio.gather(*(join(client, run, b) for b in buyers))  # arrival order = buyer number, roughly
        joined_in = time.monotonic() - started
        left = (opens_at - datetime.now(UTC)).total_seconds()
        print(f"{args.buyers} joined in {joined_in:.1f} s; opening in {left:.1f} s")
        targets.check("everyone joined before the opening", left > 0)
        run.opening_mono = time.monotonic() + max(0.0, left)
        rng = random.Random(13)
        await asyncio.gather(*(take_turn(client, run, b, random.Random(rng.random())) for b in buyers))
    capacity, held, sold = tier_counts(server.db_path, event.tier_id)
    bought = sum(b.tickets for b in buyers)
    answers = Counter(b.answer or "none" for b in buyers)
    latencies = [b.reserve_seconds for b in buyers if b.reserve_seconds is not None]
    sold_out_after = run.last_sale_mono - run.opening_mono
    rho = rank_correlation(buyers)
    print(f"answers {dict(answers)}; requests {dict(run.requests)}; {dict(run.statuses)}")
    print(f"tier: capacity {capacity}, held {held}, sold {sold}; tickets bought by buyers {bought}")
    print(f"sold out {sold_out_after:.1f} s after the opening; admitted buyers' reserve "
          f"p50 {percentile(latencies, 50) * 1000:.1f} ms, p99 {percentile(latencies, 99) * 1000:.1f} ms "
          f"({len(latencies)} reserves); rank correlation arrival/position {rho:+.3f}; load {load_average()}")
    targets.check("zero oversold (held + sold <= capacity)", held + sold <= capacity)
    targets.check("sold = the tickets the buyers were sold", sold == bought)
    targets.check("sold out", sold + held == capacity)
    targets.check("every buyer has an answer", answers.get("none", 0) == 0)
    kept, checked = order_kept(run)
    targets.check(f"admission order = drawn order ({checked} answers)", kept)
    targets.check("the draw is not the arrival order (|rho| < 0.1)", abs(rho) < 0.1)
    return targets.exit_code()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--capacity", type=int, default=300)
    parser.add_argument("--rate", type=int, default=600, help="admissions per minute")
    parser.add_argument("--lead", type=float, default=30, help="seconds from the settings to the opening")
    parser.add_argument("--connections", type=int, default=200)
    args = parser.parse_args()
    print_machine()
    with Server(extra_env={"EVENTFLOW_ONE_HOLD_PER_BUYER": "true"}) as server:
        return asyncio.run(main_async(args, server))


if __name__ == "__main__":
    sys.exit(main())
