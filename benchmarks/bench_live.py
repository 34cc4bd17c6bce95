"""Live availability fan-out: K real watchers of one event page, one sale per 100 ms.

    .venv/bin/python benchmarks/bench_live.py [--clients 1000 5000] [--instances 1] [--sales 50]
    .venv/bin/python benchmarks/bench_live.py --clients 10000 --instances 2     # scale-out

For each K in --clients: fresh servers (`python main.py`, loopback; with --instances N, N processes
on one SQLite file, each with its own data dir), a published event of one tier (capacity 100,000),
then K watchers spread over load-generator processes (benchmarks/live_clients.py: each fetches
/e/<slug> and opens NiceGUI's socket the way nicegui.js does), page fetches paced at --ramp per
second, watchers split evenly over the instances.

Then --sales reservations (quantity 1, POST /api/v1/events/{id}/reservations, always to the first
instance), one per --interval. After sale k the tier has 100,000 - k left; a watcher has seen sale
k when it receives a count <= 100,000 - k (a later, coalesced message counts too). Latency =
receive time - the moment sale k's POST was sent (CLOCK_MONOTONIC, shared by all processes).
Printed per instance and overall: connected, p50/p95/p99, missing (sale, watcher) pairs, server
RSS per watcher ((RSS after connecting - before) / watchers, summed over instances), and the CPU
of the servers, the load generators and everything else on the machine (other work included).

Targets (issue 10): one instance, K = 5,000: every watcher connected and updated, p95 < 1 s, RSS per
watcher < 100 KiB. The other instances learn of the sales from their hub's 1 s poll of the store,
so their latency includes up to a second of polling. The load generators share the machine's
cores with the servers.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import BenchEvent, CpuMeter, PySpy, Server, Targets, create_event, http_json, percentile
from live_clients import worker_main

CAPACITY = 100_000
TARGET_P95_S = 1.0
TARGET_AT = 5000
TARGET_RSS_KIB = 100.0
PER_GENERATOR = {"raw": 1000, "socketio": 250}  # watchers per load-generator process by default


@dataclass
class Instance:
    server: Server
    rss_before: int = 0
    rss_after: int = 0
    connected: int = 0
    latencies: list[float] = field(default_factory=list)
    missing: int = 0
    dropped: int = 0


@dataclass
class PhaseReport:
    clients: int
    instances: list[Instance]
    connect_seconds: float
    sale_latencies: list[float]
    per_sale_max: list[float]  # slowest watcher of each sale, seconds
    ramp_cpu: tuple[list[float], float, float, float]  # servers, generators, other (cores); seconds
    idle_cpu: tuple[list[float], float, float, float]
    sales_cpu: tuple[list[float], float, float, float]
    messages: int  # count messages the watchers received during the sales
    workers: int

    @property
    def connected(self) -> int:
        return sum(i.connected for i in self.instances)

    @property
    def latencies(self) -> list[float]:
        return [value for i in self.instances for value in i.latencies]

    @property
    def rss_per_watcher_kib(self) -> float:
        grown = sum(i.rss_after - i.rss_before for i in self.instances)
        return grown / max(1, self.connected) / 1024


def recv(conn: Connection, timeout: float) -> Any:
    if not conn.poll(timeout):
        raise TimeoutError(f"no answer from a load generator within {timeout:.0f} s")
    message = conn.recv()
    if message[0] == "error":
        raise RuntimeError(f"load generator failed: {message[1]}")
    return message


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


def start_servers(args: argparse.Namespace) -> list[Server]:
    """The first on a fresh SQLite file; the others on the same file (own data dirs and ports)."""
    script, app_dir = common.server_script(args), common.app_dir(args)
    first = Server(script=script, app_dir=app_dir)
    servers = [first]
    try:
        first.__enter__()
        for _ in range(args.instances - 1):
            other = Server(extra_env={"EVENTFLOW_STORE": f"sqlite:///{first.db_path}"}, script=script,
                           app_dir=app_dir)
            servers.append(other)
            other.__enter__()
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def score(instance: Instance, seen_lists: list[list[tuple[float, int]]], sent: list[float],
          per_sale: list[list[float]]) -> None:
    """Each watcher's latency for each sale: the first count at or below the count after that sale."""
    for seen in seen_lists:
        position = 0
        for sale, t_send in enumerate(sent, start=1):
            target = CAPACITY - sale
            while position < len(seen) and seen[position][1] > target:
                position += 1
            if position == len(seen):
                instance.missing += len(sent) - sale + 1
                break
            instance.latencies.append(seen[position][0] - t_send)
            per_sale[sale - 1].append(seen[position][0] - t_send)


def run_phase(k: int, args: argparse.Namespace) -> PhaseReport:
    n = args.instances
    workers = args.workers or max(n, -(-k // PER_GENERATOR[args.client]))
    workers = -(-workers // n) * n  # a whole number of generators per instance
    ctx = multiprocessing.get_context("spawn")
    servers = start_servers(args)
    instances = [Instance(server) for server in servers]
    processes: list[Any] = []
    try:
        bench = create_event(servers[0].url, capacity=CAPACITY, title="Live Night")
        for server in servers:
            for _ in range(3):  # warm-up: templates, imports, first page build
                http_json("GET", f"{server.url}/api/v1/health")
                fetch_page(f"{server.url}/e/{bench.slug}")
        time.sleep(1.0)
        for instance in instances:
            instance.rss_before = psutil.Process(instance.server.pid).memory_info().rss

        pipes: list[tuple[Connection, Instance]] = []
        shares = [k // workers + (1 if i < k % workers else 0) for i in range(workers)]
        for index, share in enumerate(shares):
            instance = instances[index % n]
            parent_end, child_end = ctx.Pipe()
            process = ctx.Process(target=worker_main, daemon=True, args=(
                child_end, instance.server.url, bench.slug, share, args.ramp / workers, args.ack_interval,
                args.client))
            process.start()
            pipes.append((parent_end, instance))
            processes.append(process)
        server_pids = [s.pid for s in servers]
        ramp_meter = CpuMeter([*server_pids, *(p.pid for p in processes)])
        connect_seconds = 0.0
        for pipe, instance in pipes:
            _, ok, failed, errors, seconds = recv(pipe, 2 * k / args.ramp + 180)
            instance.connected += ok
            connect_seconds = max(connect_seconds, seconds)
            if failed:
                print(f"  {failed} watchers failed to connect: {dict(errors.most_common(3))}")
        ramp_cpu = split_cpu(ramp_meter, n)
        idle_meter = CpuMeter([*server_pids, *(p.pid for p in processes)])
        idle_profile = (PySpy(servers[0].pid, Path(args.profile) / f"live-{k}-idle.txt") if args.profile
                        else contextlib.nullcontext())
        with idle_profile:
            time.sleep(args.idle)  # watchers connected, no sales: what merely keeping them open costs
        idle_cpu = split_cpu(idle_meter, n)
        for instance in instances:
            instance.rss_after = psutil.Process(instance.server.pid).memory_info().rss

        meter = CpuMeter([*server_pids, *(p.pid for p in processes)])
        profile = (PySpy(servers[0].pid, Path(args.profile) / f"live-{k}-sales.txt") if args.profile
                   else contextlib.nullcontext())
        with profile:
            sent, sale_latencies = run_sales(servers[0].url, bench, args)
        for pipe, _ in pipes:
            pipe.send(("finish", CAPACITY - args.sales, args.grace))
        results = [(recv(pipe, args.grace + 60), instance) for pipe, instance in pipes]
        sales_cpu = split_cpu(meter, n)
    finally:
        for process in processes:
            process.join(timeout=20)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
        logs = [server.log_tail(20_000) for server in servers]
        pauses = [server.gc_pauses() for server in servers]  # only with --variant gc-log
        for server in servers:
            server.stop()
    for n, instance_pauses in enumerate(pauses):
        if instance_pauses:
            full = [ms for _, generation, ms in instance_pauses if generation == 2]
            print(f"  instance {n + 1} GC: {len(instance_pauses)} pauses >= 20 ms totalling "
                  f"{sum(ms for *_, ms in instance_pauses) / 1000:.1f} s, {len(full)} full (gen2) up to "
                  f"{max(full, default=0):.0f} ms")
    for log in logs:
        warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line or "Traceback" in line]
        if warnings:
            print(f"  server log: {len(warnings)} warning/error lines, e.g. {warnings[:3]}")

    per_sale: list[list[float]] = [[] for _ in sent]
    for (_, seen_lists, dropped, _), instance in results:
        instance.dropped += dropped
        score(instance, seen_lists, sent, per_sale)
    return PhaseReport(
        clients=k, instances=instances, connect_seconds=connect_seconds, sale_latencies=sale_latencies,
        per_sale_max=[max(values, default=float("nan")) for values in per_sale],
        ramp_cpu=ramp_cpu, idle_cpu=idle_cpu, sales_cpu=sales_cpu, workers=workers,
        messages=sum(len(seen) for (_, seen_lists, _, _), _ in results for seen in seen_lists),
    )


def split_cpu(meter: CpuMeter, servers: int) -> tuple[list[float], float, float, float]:
    """(each server's CPU, the load generators', other processes', in cores; seconds measured)."""
    ours, other, elapsed = meter.shares()
    return ours[:servers], sum(ours[servers:]), other, elapsed


def fetch_page(url: str) -> None:
    """A blocking GET of one page (warm-up only)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()


def cpu_text(cpu: tuple[list[float], float, float, float]) -> str:
    servers, generators, other, _ = cpu
    return (f"server(s) {' + '.join(f'{s:.0%}' for s in servers)} of a core, load generators {generators:.0%}, "
            f"other processes {other:.0%}")


def latency_text(values: list[float]) -> str:
    return (f"p50 {percentile(values, 50) * 1000:.0f} ms, p95 {percentile(values, 95) * 1000:.0f} ms, "
            f"p99 {percentile(values, 99) * 1000:.0f} ms, max {max(values, default=float('nan')) * 1000:.0f} ms")


def report(r: PhaseReport, args: argparse.Namespace, targets: Targets) -> None:
    k, label = r.clients, f"K={r.clients}" + (f" on {args.instances} instances" if args.instances > 1 else "")
    print(f"{label}: {r.connected}/{k} watchers connected in {r.connect_seconds:.1f} s over {r.workers} "
          f"load-generator process(es); CPU during ramp-up: {cpu_text(r.ramp_cpu)}")
    for n, i in enumerate(r.instances):
        print(f"  instance {n + 1}: {i.connected} watchers, RSS {i.rss_before / 2**20:.0f} -> "
              f"{i.rss_after / 2**20:.0f} MiB; {len(i.latencies)} updates, missing {i.missing}, "
              f"dropped {i.dropped}; {latency_text(i.latencies)}")
    lat = r.latencies
    print(f"{label}: update latency {latency_text(lat)}; sale POST p50 "
          f"{percentile(r.sale_latencies, 50) * 1000:.0f} ms, max {max(r.sale_latencies) * 1000:.0f} ms")
    print(f"{label}: server RSS per watcher {r.rss_per_watcher_kib:.0f} KiB; connected and idle: "
          f"{cpu_text(r.idle_cpu)}; during sales: {cpu_text(r.sales_cpu)}")
    servers, _, _, seconds = r.sales_cpu
    idle_servers, _, _, _ = r.idle_cpu
    busy = (sum(servers) - sum(idle_servers)) * seconds  # CPU seconds of the sales beyond keeping sockets open
    print(f"{label}: {r.messages} count messages received during the sales; server CPU per message beyond "
          f"idle {busy / max(1, r.messages) * 1e6:.0f} µs; idle CPU per watcher "
          f"{sum(idle_servers) / max(1, r.connected) * 1e6:.0f} µs/s")
    print(f"{label}: slowest watcher per sale (ms): " + " ".join(f"{v * 1000:.0f}" for v in r.per_sale_max))
    complete = all(i.missing == 0 and i.dropped == 0 for i in r.instances) and r.connected == k
    targets.check(f"{label}: every watcher connected and got every update", complete)
    if k >= TARGET_AT and args.instances == 1:
        p95 = percentile(lat, 95)
        targets.check(f"{label}: p95 {p95 * 1000:.0f} ms < {TARGET_P95_S * 1000:.0f} ms", p95 < TARGET_P95_S)
        targets.check(f"{label}: RSS per watcher {r.rss_per_watcher_kib:.0f} KiB < {TARGET_RSS_KIB:.0f} KiB",
                      r.rss_per_watcher_kib < TARGET_RSS_KIB)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 5000],
                        help="watchers per phase, over all instances (default: 1000 5000)")
    parser.add_argument("--instances", type=int, default=1,
                        help="app processes on one SQLite file; watchers split evenly (default 1)")
    parser.add_argument("--sales", type=int, default=50, help="sales per phase (default 50)")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between sales (default 0.1)")
    parser.add_argument("--ramp", type=float, default=50.0, help="page fetches per second (default 50)")
    parser.add_argument("--workers", type=int, default=0,
                        help="load-generator processes (default: one per 1,000 raw / 250 socketio watchers)")
    parser.add_argument("--client", choices=sorted(PER_GENERATOR), default="raw",
                        help="watcher socket: raw Engine.IO over aiohttp (default) or python-socketio")
    parser.add_argument("--ack-interval", type=float, default=3.0, help="watcher ack period (default 3 s)")
    parser.add_argument("--app-ref", default="",
                        help="serve the app code of this git commit (exported to a temp dir), not the work tree")
    parser.add_argument("--server-script", default="main.py",
                        help="entry point to serve instead of main.py (to try an app change)")
    parser.add_argument("--variant", action="append", choices=sorted(common.VARIANTS), default=[],
                        help="serve main.py with a proposed change patched in (repeatable): "
                             + "; ".join(f"{k}: {v}" for k, v in common.VARIANTS.items()))
    parser.add_argument("--profile", metavar="DIR", default="",
                        help="py-spy the first server while idle and during the sales into DIR (raw stacks)")
    parser.add_argument("--idle", type=float, default=5.0,
                        help="seconds with every watcher connected and no sales, CPU measured (default 5)")
    parser.add_argument("--grace", type=float, default=15.0,
                        help="seconds to wait after the last sale for stragglers (default 15)")
    args = parser.parse_args(argv)
    if args.sales < 1 or args.sales >= CAPACITY or args.interval <= 0 or args.ramp <= 0 or args.instances < 1:
        parser.error("need 1 <= --sales < 100000, --interval > 0, --ramp > 0, --instances >= 1")
    common.print_machine()
    print(f"note: the load-generator processes share the machine's cores with the server(s); "
          f"watchers: {args.client}")
    targets = Targets()
    for k in args.clients:
        report(run_phase(k, args), args, targets)
    return targets.exit_code()


if __name__ == "__main__":
    sys.exit(main())
