"""Live availability fan-out: K real NiceGUI socket.io clients on one event page, one sale per 100 ms.

    .venv/bin/python benchmarks/bench_live.py [--clients 200 1000] [--sales 50] [--interval 0.1]

For each K in --clients, a fresh server (`python main.py`, loopback, fresh data dir) with a
published event of one tier (capacity 100,000). K clients are opened the way a browser opens the
page: GET /e/<slug>, take `client_id` and `next_message_id` from the page's socket.io query (see
nicegui/templates/index.html and static/nicegui.js), then connect a python-socketio AsyncClient to
`/_nicegui_ws/socket.io` over websocket with the query client_id, tab_id, document_id,
next_message_id and implicit_handshake=true, and send `ack` every 3 s as nicegui.js does. Page
fetches are paced (--ramp per second) and the clients are spread over several load-generator
processes (--workers, default one per 250 clients).

Then --sales reservations (quantity 1, POST /api/v1/events/{id}/reservations), one per --interval.
After sale k the tier has 100,000 - k left; a client has seen sale k when it receives an `update`
whose badge text reads "<n> left" with n <= 100,000 - k (a later, coalesced update counts too).
Latency = receive time - the moment sale k's POST was sent (CLOCK_MONOTONIC, shared by all
processes). Printed: p50/p95/p99 over all (sale, client) pairs, missing pairs, the server's RSS per
client (RSS after connecting K clients minus RSS before, / K), server and load-generator CPU.

Target: p95 < 1 s at 1,000 clients, no missing updates. The load generators share the machine's
2 cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import re
import sys
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import BenchEvent, CpuMeter, PySpy, Server, Targets, create_event, http_json, percentile

CAPACITY = 100_000
TARGET_P95_S = 1.0
TARGET_AT = 1000
SOCKET_PATH = "/_nicegui_ws/socket.io"
QUERY_RE = re.compile(r"query:\s*\{'client_id':\s*'([0-9a-f-]+)',\s*'next_message_id':\s*(\d+)")
COUNT_RE = re.compile(r"(?:^|\s)([\d,]+) left$")


def count_in(payload: dict[str, Any]) -> int | None:
    """The smallest "N left" / "Sold out" count among the elements of one `update` message."""
    best: int | None = None
    for element in payload.values():
        if not isinstance(element, dict):
            continue
        text = element.get("text")
        if not isinstance(text, str):
            continue
        if text == "Sold out":
            value = 0
        elif match := COUNT_RE.search(text):
            value = int(match.group(1).replace(",", ""))
        else:
            continue
        best = value if best is None else min(best, value)
    return best


# ------------------------------------------------------------------ load-generator process
@dataclass
class LiveClient:
    index: int
    client_id: str = ""
    sio: Any = None
    next_message_id: int = 0
    seen: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, count)
    disconnect_reason: str | None = None


async def open_client(client: LiveClient, base_url: str, slug: str, session: aiohttp.ClientSession) -> None:
    import socketio

    async with session.get(f"{base_url}/e/{slug}") as response:
        html = await response.text()
        if response.status != 200:
            raise RuntimeError(f"page answered {response.status}")
    match = QUERY_RE.search(html)
    if match is None:
        raise RuntimeError("no socket.io query in the page")
    client.client_id, client.next_message_id = match.group(1), int(match.group(2))
    # Each socket gets its own aiohttp session (engine.io's default): sockets sharing the page
    # session were closed by aiohttp ~5 s after connecting (WSMsgType.CLOSED), not by the server.
    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    client.sio = sio

    @sio.on("update")
    async def on_update(payload: dict[str, Any]) -> None:
        received = time.monotonic()
        message_id = payload.get("_id")
        if isinstance(message_id, int):
            client.next_message_id = max(client.next_message_id, message_id + 1)
        count = count_in(payload)
        if count is not None:
            client.seen.append((received, count))

    @sio.on("disconnect")
    async def on_disconnect(*reason: Any) -> None:
        client.disconnect_reason = str(reason[0]) if reason else "unknown"

    query = (f"client_id={client.client_id}&tab_id={uuid.uuid4()}&document_id={uuid.uuid4()}"
             f"&next_message_id={client.next_message_id}&implicit_handshake=true")
    await sio.connect(f"{base_url}?{query}", socketio_path=SOCKET_PATH, transports=["websocket"],
                      wait_timeout=30)


async def ack_loop(clients: list[LiveClient], interval: float) -> None:
    """What nicegui.js does every 3 s: tell the server which messages arrived (prunes its history)."""
    while True:
        await asyncio.sleep(interval)
        for client in clients:
            if client.sio is not None and client.sio.connected:
                with contextlib.suppress(Exception):  # a dropped socket is counted at the end
                    await client.sio.emit("ack", {"client_id": client.client_id,
                                                  "next_message_id": client.next_message_id})


async def worker_async(conn: Connection, base_url: str, slug: str, count: int, ramp: float,
                       ack_interval: float) -> None:
    clients = [LiveClient(index) for index in range(count)]
    errors: list[str] = []
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                    timeout=aiohttp.ClientTimeout(total=60))
    started = time.monotonic()

    async def paced_open(client: LiveClient) -> None:
        await asyncio.sleep(max(0.0, started + client.index / ramp - time.monotonic()))
        try:
            await open_client(client, base_url, slug, session)
        except Exception as error:
            client.sio = None
            errors.append(f"{type(error).__name__}: {error}"[:200])

    await asyncio.gather(*(paced_open(client) for client in clients))
    connected = [c for c in clients if c.sio is not None and c.sio.connected]
    for client in clients:
        if client.disconnect_reason is not None:
            errors.append(f"dropped during ramp-up: {client.disconnect_reason}")
    conn.send(("connected", len(connected), len(clients) - len(connected), Counter(errors),
               time.monotonic() - started))
    acks = asyncio.create_task(ack_loop(connected, ack_interval))

    loop = asyncio.get_running_loop()
    message = await loop.run_in_executor(None, conn.recv)
    assert message[0] == "finish", message
    _, final_count, grace = message
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if all(c.seen and c.seen[-1][1] <= final_count for c in connected):
            break
        await asyncio.sleep(0.1)
    acks.cancel()
    dropped = sum(1 for c in connected if c.disconnect_reason is not None or not c.sio.connected)
    cpu = psutil.Process().cpu_times()
    conn.send(("results", [c.seen for c in connected], dropped, cpu.user + cpu.system))

    async def close(client: LiveClient) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.sio.disconnect(), 5)

    await asyncio.gather(*(close(c) for c in connected))
    await session.close()


def worker_main(conn: Connection, base_url: str, slug: str, count: int, ramp: float,
                ack_interval: float) -> None:
    try:
        asyncio.run(worker_async(conn, base_url, slug, count, ramp, ack_interval))
    except BaseException as error:
        conn.send(("error", f"{type(error).__name__}: {error}"))
        raise
    finally:
        conn.close()


# ------------------------------------------------------------------ coordinator
@dataclass
class PhaseReport:
    clients: int
    connected: int
    latencies: list[float]
    missing: int
    dropped: int
    rss_per_client_kib: float
    connect_seconds: float
    sale_latencies: list[float]
    per_sale_max: list[float]  # slowest client of each sale, seconds
    server_cpu_share: float
    generator_cpu_share: float
    other_cpu_share: float
    workers: int


def recv(conn: Connection, timeout: float) -> Any:
    if not conn.poll(timeout):
        raise TimeoutError(f"no answer from a load generator within {timeout:.0f} s")
    message = conn.recv()
    if message[0] == "error":
        raise RuntimeError(f"load generator failed: {message[1]}")
    return message


def gc_summary(pauses: list[tuple[float, int, float]]) -> str:
    full = [ms for _, generation, ms in pauses if generation == 2]
    total = sum(ms for *_, ms in pauses) / 1000
    return (f"{len(pauses)} pauses >= 20 ms totalling {total:.1f} s, "
            f"{len(full)} full (gen2) up to {max(full, default=0):.0f} ms")


def run_sales(base_url: str, bench: BenchEvent, args: argparse.Namespace) -> tuple[list[float], list[float]]:
    """One reservation per interval, each sent on schedule (or right after a slow one).

    Returns (monotonic send time of each sale, each sale's HTTP latency)."""
    url = f"{base_url}/api/v1/events/{bench.event_id}/reservations"
    sent: list[float] = []
    latencies: list[float] = []
    started = time.monotonic()
    for sale in range(args.sales):
        time.sleep(max(0.0, started + sale * args.interval - time.monotonic()))
        t_send = time.monotonic()
        status, body = http_json("POST", url, common.reservation_body(bench.tier_id))
        if status != 201:
            raise RuntimeError(f"sale {sale + 1} failed: {status} {body}")
        sent.append(t_send)
        latencies.append(time.monotonic() - t_send)
    return sent, latencies


def run_phase(k: int, args: argparse.Namespace) -> PhaseReport:
    workers = args.workers or max(1, -(-k // 250))
    ctx = multiprocessing.get_context("spawn")
    with Server(script=common.server_script(args), app_dir=common.app_dir(args)) as server:
        proc = psutil.Process(server.pid)
        bench = create_event(server.url, capacity=CAPACITY, title="Live Night")
        for _ in range(3):  # warm-up: templates, imports, first page build
            http_json("GET", f"{server.url}/api/v1/health")
            fetch_page(f"{server.url}/e/{bench.slug}")
        time.sleep(1.0)
        rss_before = proc.memory_info().rss

        pipes, processes = [], []
        shares = [k // workers + (1 if i < k % workers else 0) for i in range(workers)]
        try:
            for share in shares:
                parent_end, child_end = ctx.Pipe()
                process = ctx.Process(target=worker_main, daemon=True, args=(
                    child_end, server.url, bench.slug, share, args.ramp / workers, args.ack_interval))
                process.start()
                pipes.append(parent_end)
                processes.append(process)
            ramp_meter = CpuMeter([server.pid, *(p.pid for p in processes)])
            connect_timeout = k / args.ramp + 90
            connected, connect_seconds = 0, 0.0
            for pipe in pipes:
                _, ok, failed, errors, seconds = recv(pipe, connect_timeout)
                connected += ok
                connect_seconds = max(connect_seconds, seconds)
                if failed:
                    print(f"  {failed} clients failed to connect: {dict(errors)}")
            (ramp_server, *ramp_generators), ramp_other, _ = ramp_meter.shares()
            time.sleep(2.0)
            rss_after = proc.memory_info().rss
            print(f"K={k}: {connected}/{k} clients connected in {connect_seconds:.1f} s over {workers} "
                  f"load-generator process(es); server RSS {rss_before / 2**20:.0f} -> "
                  f"{rss_after / 2**20:.0f} MiB; CPU during ramp-up: server {ramp_server:.0%} of a core, "
                  f"load generators {sum(ramp_generators):.0%}, other processes {ramp_other:.0%}")

            # ---- sales: one per interval, each POST sent on schedule (or right after a slow one)
            meter = CpuMeter([server.pid, *(p.pid for p in processes)])
            profile = (PySpy(server.pid, Path(args.profile) / f"live-{k}-sales.txt") if args.profile
                       else contextlib.nullcontext())
            sales_started = time.monotonic()
            with profile:
                sent, sale_latencies = run_sales(server.url, bench, args)
            final = CAPACITY - args.sales
            for pipe in pipes:
                pipe.send(("finish", final, args.grace))
            results = [recv(pipe, args.grace + 60) for pipe in pipes]
            (server_share, *generator_shares), other_share, _ = meter.shares()
        finally:
            for process in processes:
                process.join(timeout=20)
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=5)
        log = server.log_tail(20_000)
        pauses = server.gc_pauses()
    if pauses:
        print(f"  server GC over the whole phase: {gc_summary(pauses)}")
        print(f"  server GC from the first sale on: "
              f"{gc_summary([p for p in pauses if p[0] >= sales_started])}")
    warnings = [line for line in log.splitlines()
                if "WARNING" in line or "ERROR" in line or "Traceback" in line]
    if warnings:
        print(f"  server log: {len(warnings)} warning/error lines, e.g. {warnings[:3]}")

    latencies: list[float] = []
    per_sale: list[list[float]] = [[] for _ in sent]
    missing = dropped = 0
    for _, seen_lists, worker_dropped, _ in results:
        dropped += worker_dropped
        for seen in seen_lists:
            position = 0
            for sale, t_send in enumerate(sent, start=1):
                target = CAPACITY - sale
                while position < len(seen) and seen[position][1] > target:
                    position += 1
                if position == len(seen):
                    missing += len(sent) - sale + 1
                    break
                latencies.append(seen[position][0] - t_send)
                per_sale[sale - 1].append(seen[position][0] - t_send)
    return PhaseReport(
        clients=k, connected=connected, latencies=latencies, missing=missing, dropped=dropped,
        rss_per_client_kib=(rss_after - rss_before) / max(1, connected) / 1024,
        connect_seconds=connect_seconds, sale_latencies=sale_latencies,
        per_sale_max=[max(values, default=float("nan")) for values in per_sale],
        server_cpu_share=server_share, generator_cpu_share=sum(generator_shares),
        other_cpu_share=other_share, workers=workers,
    )


def fetch_page(url: str) -> None:
    """A blocking GET of one page (warm-up only)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[200, 1000],
                        help="socket clients per phase (default: 200 1000)")
    parser.add_argument("--sales", type=int, default=50, help="sales per phase (default 50)")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between sales (default 0.1)")
    parser.add_argument("--ramp", type=float, default=50.0, help="page fetches per second (default 50)")
    parser.add_argument("--workers", type=int, default=0,
                        help="load-generator processes (default: one per 250 clients)")
    parser.add_argument("--ack-interval", type=float, default=3.0, help="client ack period (default 3 s)")
    parser.add_argument("--app-ref", default="",
                        help="serve the app code of this git commit (exported to a temp dir), "
                             "not the work tree")
    parser.add_argument("--server-script", default="main.py",
                        help="entry point to serve instead of main.py (to try an app change)")
    parser.add_argument("--variant", action="append", choices=sorted(common.VARIANTS), default=[],
                        help="serve main.py with a proposed change patched in (repeatable): "
                             + "; ".join(f"{k}: {v}" for k, v in common.VARIANTS.items()))
    parser.add_argument("--profile", metavar="DIR", default="",
                        help="record the server with py-spy during the sales into DIR (raw stacks)")
    parser.add_argument("--grace", type=float, default=15.0,
                        help="seconds to wait after the last sale for stragglers (default 15)")
    args = parser.parse_args(argv)
    if args.sales < 1 or args.sales >= CAPACITY or args.interval <= 0 or args.ramp <= 0:
        parser.error("need 1 <= --sales < 100000, --interval > 0, --ramp > 0")
    common.print_machine()
    print("note: the load-generator processes share the machine's cores with the server")
    targets = Targets()
    for k in args.clients:
        report = run_phase(k, args)
        lat = report.latencies
        pairs = report.connected * args.sales
        print(f"K={k}: {len(lat)}/{pairs} (sale, client) updates, missing {report.missing}, "
              f"sockets dropped {report.dropped}")
        print(f"K={k}: update latency p50 {percentile(lat, 50) * 1000:.0f} ms, "
              f"p95 {percentile(lat, 95) * 1000:.0f} ms, p99 {percentile(lat, 99) * 1000:.0f} ms, "
              f"max {max(lat, default=float('nan')) * 1000:.0f} ms; sale POST p50 "
              f"{percentile(report.sale_latencies, 50) * 1000:.0f} ms, max "
              f"{max(report.sale_latencies) * 1000:.0f} ms")
        print(f"K={k}: server RSS per client {report.rss_per_client_kib:.0f} KiB; during sales the server "
              f"used {report.server_cpu_share:.0%} of a core, the {report.workers} load generator(s) "
              f"{report.generator_cpu_share:.0%}, other processes {report.other_cpu_share:.0%}")
        print(f"K={k}: slowest client per sale (ms): "
              + " ".join(f"{value * 1000:.0f}" for value in report.per_sale_max))
        complete = report.missing == 0 and report.dropped == 0 and report.connected == k
        targets.check(f"K={k}: every client connected and got every update", complete)
        if k == TARGET_AT:
            p95 = percentile(lat, 95)
            targets.check(f"K={k}: p95 {p95 * 1000:.0f} ms < {TARGET_P95_S * 1000:.0f} ms",
                          p95 < TARGET_P95_S)
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
