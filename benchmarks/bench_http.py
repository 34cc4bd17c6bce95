"""HTTP reservation throughput and latency of the running app, against a trivial async route.

    .venv/bin/python benchmarks/bench_http.py [--concurrency 100 500] [--requests 3000]

Starts `python main.py` on a free loopback port with a fresh data dir, creates a published event
with one tier of large capacity through the JSON API, then for each N in --concurrency runs N
concurrent buyers (aiohttp, connection limit N, keep-alive), each sending --requests/N requests
back to back (closed loop):

* reservations: POST /api/v1/events/{id}/reservations, quantity 1, expecting 201;
* trivial:      GET /_bench/trivial, expecting 200: the reference. An `async def` returning b"{}"
                mounted by the benchmark's own entry point (common.variant_script) on the same root
                app, behind the same middleware and uvicorn settings; not part of the product's API;
* health:       GET /api/v1/health, expecting 200 (information: health pings the store, on SQLite
                inline on the loop, so it is not a trivial reference).

Each phase also reports server CPU per answer (server process CPU seconds / answers).

Then a sold-out phase: a tier of capacity 300 hammered by 500 buyers with quantity 1-4 (each buyer
tries up to 3 times, stopping at the first 409), checked through GET /api/v1/events/{id} and by
opening the SQLite file read-only: held + sold <= capacity and equal to the sum of the quantities
that got 201.

Also (information, no target) an open-loop phase: reservations started at a fixed --paced-rate
over 500 connections, latency counted from each request's scheduled start.

Targets: reservations/trivial throughput >= 0.5 at every N; reservation p99 < 100 ms at 500
buyers (closed loop); zero oversold. The load generator runs on the same 2 cores as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import CpuMeter, PySpy, Server, Targets, create_event, http_json, percentile, reservation_body

TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0
TARGET_P99_AT = 500


@dataclass
class PhaseResult:
    name: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)  # seconds, of expected-status answers
    statuses: Counter[int | str] = field(default_factory=Counter)
    elapsed: float = 0.0
    server_cpu: float = 0.0  # server CPU seconds spent during the phase
    client_cpu: float = 0.0  # load generator CPU seconds spent during the phase
    other_cpu: float = 0.0  # CPU seconds other processes on the machine took meanwhile

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def cpu_per_answer_us(self) -> float:
        """Server CPU time per expected-status answer, in microseconds."""
        return self.server_cpu / self.ok * 1e6 if self.ok else float("nan")

    @property
    def throughput(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def line(self) -> str:
        p50 = percentile(self.latencies, 50) * 1000
        p99 = percentile(self.latencies, 99) * 1000
        others = {k: v for k, v in self.statuses.items() if k not in (200, 201)}
        return (f"{self.name:<12} N={self.concurrency:<4} {self.ok:>6} ok in {self.elapsed:5.1f} s = "
                f"{self.throughput:7.0f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
                f"server CPU {self.server_cpu / self.elapsed:4.0%} of a core, "
                f"load generator {self.client_cpu / self.elapsed:4.0%}, "
                f"other processes {self.other_cpu / self.elapsed:4.0%}"
                + (f"  other statuses {dict(others)}" if others else ""))


def record_cpu(result: PhaseResult, meter: CpuMeter) -> None:
    (server, client), other, elapsed = meter.shares()
    result.server_cpu, result.client_cpu = server * elapsed, client * elapsed
    result.other_cpu = other * elapsed


def warm_up_url(url: str) -> str:
    """The server's health URL, fetched once per connection to open it before a phase (any path)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/api/v1/health"


async def closed_loop(name: str, method: str, url: str, body: Any, expect: int, concurrency: int,
                      per_buyer: int, max_seconds: float, server: psutil.Process) -> PhaseResult:
    """`concurrency` buyers, each sending `per_buyer` requests back to back (bounded by time)."""
    result = PhaseResult(name, concurrency)
    me = psutil.Process()
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # open the connections first (not timed), so the phase measures requests, not TCP set-up
        await asyncio.gather(*(session.get(warm_up_url(url)) for _ in range(concurrency)))
        deadline = time.monotonic() + max_seconds
        start_gate = asyncio.Event()

        async def buyer() -> None:
            await start_gate.wait()
            for _ in range(per_buyer):
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                try:
                    async with session.request(method, url, json=body) as response:
                        await response.read()
                        status: int | str = response.status
                except (TimeoutError, aiohttp.ClientError) as error:
                    status = type(error).__name__
                result.statuses[status] += 1
                if status == expect:
                    result.latencies.append(time.perf_counter() - started)

        tasks = [asyncio.create_task(buyer()) for _ in range(concurrency)]
        await asyncio.sleep(0.05)
        meter = CpuMeter([server.pid, me.pid])
        started = time.perf_counter()
        start_gate.set()
        await asyncio.gather(*tasks)
        result.elapsed = time.perf_counter() - started
        record_cpu(result, meter)
    return result


async def open_loop(name: str, method: str, url: str, body: Any, expect: int, buyers: int, rate: float,
                    seconds: float, server: psutil.Process) -> PhaseResult:
    """Requests start on a fixed schedule (`rate` per second for `seconds`), spread over `buyers`
    connections, whether or not earlier ones finished (open loop). Latency counts from the scheduled
    start, so a server that falls behind is charged for the queue it builds."""
    result = PhaseResult(name, buyers)
    me = psutil.Process()
    total = int(rate * seconds)
    connector = aiohttp.TCPConnector(limit=buyers)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(session.get(warm_up_url(url)) for _ in range(min(buyers, 200))))
        meter = CpuMeter([server.pid, me.pid])
        started = time.perf_counter()

        async def one(index: int) -> None:
            scheduled = started + index / rate
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            try:
                async with session.request(method, url, json=body) as response:
                    await response.read()
                    status: int | str = response.status
            except (TimeoutError, aiohttp.ClientError) as error:
                status = type(error).__name__
            result.statuses[status] += 1
            if status == expect:
                result.latencies.append(time.perf_counter() - scheduled)

        await asyncio.gather(*(one(i) for i in range(total)))
        result.elapsed = time.perf_counter() - started
        record_cpu(result, meter)
    return result


async def sold_out_phase(base_url: str, event_id: str, tier_id: str, buyers: int,
                         attempts: int, seed: int) -> tuple[int, Counter[int | str]]:
    """`buyers` concurrent buyers, quantity 1-4; returns (sum of quantities that got 201, statuses)."""
    rng = random.Random(seed)
    quantities = [rng.randint(1, 4) for _ in range(buyers)]
    reserved = 0
    statuses: Counter[int | str] = Counter()
    url = f"{base_url}/api/v1/events/{event_id}/reservations"
    connector = aiohttp.TCPConnector(limit=buyers)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
        start_gate = asyncio.Event()

        async def buyer(quantity: int) -> None:
            nonlocal reserved
            await start_gate.wait()
            for _ in range(attempts):
                try:
                    async with session.post(url, json=reservation_body(tier_id, quantity)) as response:
                        payload = await response.json(content_type=None)
                        status: int | str = response.status
                except (TimeoutError, aiohttp.ClientError) as error:
                    status = type(error).__name__
                    payload = None
                statuses[status] += 1
                if status == 201:
                    reserved += sum(line["quantity"] for line in payload["lines"])
                    return
                if status == 409:
                    return

        tasks = [asyncio.create_task(buyer(q)) for q in quantities]
        await asyncio.sleep(0.05)
        start_gate.set()
        await asyncio.gather(*tasks)
    return reserved, statuses


def read_tier_sqlite(db_path: Path, tier_id: str) -> tuple[int, int, int, int]:
    """(capacity, held, sold, reserved quantity in held reservations) read from the file, read-only."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        capacity, held, sold = db.execute(
            "SELECT capacity, held, sold FROM tiers WHERE id = ?", (tier_id,)
        ).fetchone()
        in_reservations = db.execute(
            "SELECT coalesce(sum(json_extract(line.value, '$.quantity')), 0)"
            " FROM reservations, json_each(reservations.lines) AS line"
            " WHERE json_extract(line.value, '$.tier_id') = ? AND status = 'held'",
            (tier_id,),
        ).fetchone()[0]
    finally:
        db.close()
    return capacity, held, sold, in_reservations


def profiled(args: argparse.Namespace, pid: int, name: str) -> Any:
    """py-spy on the server for one phase when --profile DIR is given (figures then carry its cost)."""
    if not args.profile:
        return contextlib.nullcontext()
    return PySpy(pid, Path(args.profile) / f"{name}.txt", gil=not args.profile_all_threads)


async def run(args: argparse.Namespace) -> int:
    targets = Targets()
    with Server(script=common.server_script(args, trivial_route=True), app_dir=common.app_dir(args)) as server:
        proc = psutil.Process(server.pid)
        print(f"server pid {server.pid} at {server.url}, data dir {server.data_dir}")
        bench = create_event(server.url, capacity=1_000_000)
        reserve_url = f"{server.url}/api/v1/events/{bench.event_id}/reservations"
        health_url = f"{server.url}/api/v1/health"
        trivial_url = f"{server.url}{common.TRIVIAL_PATH}"
        body = reservation_body(bench.tier_id)
        # warm-up: imports, thread pool, catalog cache, SQLite page cache
        await closed_loop("warm-up", "POST", reserve_url, body, 201, 20, 10, 20, proc)
        await closed_loop("warm-up", "GET", health_url, None, 200, 20, 10, 20, proc)
        await closed_loop("warm-up", "GET", trivial_url, None, 200, 20, 10, 20, proc)

        for concurrency in args.concurrency:
            per_buyer = max(1, args.requests // concurrency)
            with profiled(args, server.pid, f"http-reservations-{concurrency}"):
                reserve = await closed_loop("reservations", "POST", reserve_url, body, 201, concurrency,
                                            per_buyer, args.max_seconds, proc)
            with profiled(args, server.pid, f"http-health-{concurrency}"):
                health = await closed_loop("health", "GET", health_url, None, 200, concurrency,
                                           per_buyer, args.max_seconds, proc)
            with profiled(args, server.pid, f"http-trivial-{concurrency}"):
                trivial = await closed_loop("trivial", "GET", trivial_url, None, 200, concurrency,
                                            per_buyer, args.max_seconds, proc)
            for phase in (reserve, trivial, health):
                print(phase.line())
            for phase in (reserve, trivial, health):
                print(f"N={concurrency}: {phase.name:<12} server CPU per answer {phase.cpu_per_answer_us:6.0f} µs")
            # The steadier figure on a busy machine (or when the load generator limits the trivial
            # phase): a throughput ratio of 0.5 needs a reservation at <= 2x a trivial answer's CPU.
            print(f"N={concurrency}: server CPU per reservation / per trivial answer = "
                  f"{reserve.cpu_per_answer_us / trivial.cpu_per_answer_us:.2f}x")
            ratio = reserve.throughput / trivial.throughput if trivial.throughput else 0.0
            to_health = reserve.throughput / health.throughput if health.throughput else 0.0
            print(f"N={concurrency}: reservations/trivial throughput = {ratio:.2f} "
                  f"(reservations/health = {to_health:.2f}; health pings the store)")
            targets.check(f"N={concurrency}: reservations/trivial {ratio:.2f} >= {TARGET_RATIO}",
                          ratio >= TARGET_RATIO)
            errors = sum(v for k, v in reserve.statuses.items() if k != 201)
            errors += sum(v for p in (trivial, health) for k, v in p.statuses.items() if k != 200)
            targets.check(f"N={concurrency}: no failed requests ({errors} failed)", errors == 0)
            if concurrency == TARGET_P99_AT:
                p99 = percentile(reserve.latencies, 99) * 1000
                targets.check(f"N={concurrency}: reservation p99 {p99:.1f} ms < {TARGET_P99_MS:.0f} ms",
                              p99 < TARGET_P99_MS)

        # ---- open loop (information, no target): what one buyer waits at a sustainable arrival rate
        if args.paced_rate > 0:
            paced = await open_loop("paced", "POST", reserve_url, body, 201, TARGET_P99_AT,
                                    args.paced_rate, args.paced_seconds, proc)
            print(paced.line().replace("N=500", f"{args.paced_rate:.0f}/s over {TARGET_P99_AT} connections"))

        # ---- sold out: capacity 300, 500 buyers with quantity 1-4
        sold = create_event(server.url, capacity=args.sold_out_capacity, title="Sold Out Night")
        started = time.perf_counter()
        reserved, statuses = await sold_out_phase(server.url, sold.event_id, sold.tier_id,
                                                  args.sold_out_buyers, 3, args.seed)
        elapsed = time.perf_counter() - started
        status, view = http_json("GET", f"{server.url}/api/v1/events/{sold.event_id}")
        tier = next(t for t in view["tiers"] if t["id"] == sold.tier_id)
        taken_api = tier["capacity"] - tier["available"]
        capacity, held, sold_count, in_reservations = read_tier_sqlite(server.db_path, sold.tier_id)
        print(f"sold-out phase: {args.sold_out_buyers} buyers, capacity {capacity}, {elapsed:.1f} s, "
              f"statuses {dict(statuses)}")
        print(f"  sum of 201 quantities {reserved} | API: capacity {tier['capacity']} available "
              f"{tier['available']} -> taken {taken_api} | SQLite (read-only): held {held} sold "
              f"{sold_count}, held reservations sum {in_reservations}")
        oversold = max(0, held + sold_count - capacity)
        consistent = (held + sold_count == reserved == taken_api == in_reservations)
        targets.check(f"sold-out: zero oversold (held+sold {held + sold_count} <= capacity {capacity})",
                      oversold == 0 and status == 200)
        targets.check("sold-out: held+sold == sum of successful quantities (API and SQLite agree)",
                      consistent)
        unexpected = {k: v for k, v in statuses.items() if k not in (201, 409)}
        targets.check(f"sold-out: only 201/409 answers ({unexpected or 'none other'})", not unexpected)
    return targets.exit_code()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[100, 500],
                        help="concurrent buyers per phase (default: 100 500)")
    parser.add_argument("--requests", type=int, default=3000,
                        help="requests per phase, split evenly over the buyers (default 3000)")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="time cap per phase (default 30)")
    parser.add_argument("--paced-rate", type=float, default=150.0,
                        help="open-loop reservations per second over 500 connections, no target (0: skip)")
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument("--sold-out-capacity", type=int, default=300)
    parser.add_argument("--sold-out-buyers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--app-ref", default="",
                        help="serve the app code of this git commit (exported to a temp dir), "
                             "not the work tree")
    parser.add_argument("--server-script", default="main.py",
                        help="entry point to serve instead of main.py (to try an app change)")
    parser.add_argument("--variant", action="append", choices=sorted(common.VARIANTS), default=[],
                        help="serve main.py with a proposed change patched in (repeatable): "
                             + "; ".join(f"{k}: {v}" for k, v in common.VARIANTS.items()))
    parser.add_argument("--profile", metavar="DIR", default="",
                        help="record the server with py-spy (GIL holder) during each closed-loop phase")
    parser.add_argument("--profile-all-threads", action="store_true",
                        help="with --profile: sample every running thread, not only the GIL holder "
                             "(shows time in SQLite, which runs with the GIL released)")
    args = parser.parse_args(argv)
    common.print_machine()
    print("note: the load generator (this process) shares the machine's cores with the server")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
