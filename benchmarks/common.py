"""Shared helpers of the EventFlow benchmarks: machine facts, percentiles, and the app server.

`Server` starts `python main.py` as a subprocess on a free loopback port with a fresh data
directory, waits for `GET /api/v1/health`, and stops it again. `create_event` sets up a published
event with one tier through the public JSON API, as an organizer would.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tests.fair_off import FAIR_OFF  # noqa: E402  (after the path above)

LOOPBACK = "127.0.0.1"


# ------------------------------------------------------------------ reporting
def machine() -> dict[str, str]:
    """nproc, memory, CPU model and Python version, as recorded in docs/benchmarks.md."""
    model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
                break
    return {
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "cpu": model,
        "python": platform.python_version(),
    }


def print_machine() -> None:
    info = machine()
    print(f"machine: nproc={info['nproc']} memory={info['memory']} cpu={info['cpu']!r} "
          f"python={info['python']}")
    print(f"load average at start (other work on the machine): {' '.join(load_average())}")
    print(f"app revision: {app_revision()}")


def app_revision() -> str:
    """The commit the app code is at, and whether eventflow/ or main.py differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "eventflow", "main.py"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"{head}" + (f" + {len(dirty)} uncommitted file(s) in eventflow/ or main.py" if dirty else "")


def load_average() -> list[str]:
    with open("/proc/loadavg") as loadavg:
        return loadavg.read().split()[:3]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(pct / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass
class Targets:
    """Collects pass/fail lines; `exit_code` is 1 if any target was missed."""

    results: list[tuple[str, bool]] = field(default_factory=list)

    def check(self, label: str, ok: bool) -> bool:
        self.results.append((label, ok))
        print(f"TARGET {'met   ' if ok else 'MISSED'} {label}")
        return ok

    def exit_code(self) -> int:
        return 0 if all(ok for _, ok in self.results) else 1


class CpuMeter:
    """CPU seconds used by the whole machine and by the given processes over an interval, so a
    report can say how much of the machine other work (not this benchmark) took meanwhile."""

    def __init__(self, pids: list[int]) -> None:
        import psutil

        self._psutil = psutil
        self._processes = [psutil.Process(pid) for pid in pids]
        self._start = (time.monotonic(), self._machine_busy(), self._ours())

    def _machine_busy(self) -> float:
        times = self._psutil.cpu_times()
        steal = getattr(times, "steal", 0.0)
        return times.user + times.nice + times.system + times.irq + times.softirq + steal

    def _ours(self) -> list[float]:
        values = []
        for process in self._processes:
            try:
                times = process.cpu_times()
                values.append(times.user + times.system)
            except self._psutil.Error:
                values.append(0.0)
        return values

    def shares(self) -> tuple[list[float], float, float]:
        """(each process's CPU, other processes' CPU), in cores (1.0 = one core busy), and seconds."""
        started, busy0, ours0 = self._start
        elapsed = time.monotonic() - started
        ours = [(now - before) / elapsed for now, before in zip(self._ours(), ours0, strict=True)]
        other = (self._machine_busy() - busy0) / elapsed - sum(ours)
        return ours, max(0.0, other), elapsed


class PySpy:
    """`py-spy record` on a process for the duration of a `with` block (raw collapsed stacks).

    With gil=True only the thread holding the GIL is sampled: where the Python CPU time goes."""

    def __init__(self, pid: int, output: Path, rate: int = 100, gil: bool = True) -> None:
        self.output = output
        self.command = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", str(pid),
                        "--format", "raw", "--rate", str(rate), "--output", str(output), "--nonblocking"]
        if gil:
            self.command.append("--gil")
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PySpy:
        if not Path(self.command[0]).exists():
            print("py-spy not installed in .venv (pip install py-spy): not profiling")
            return self
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.output.exists():
            print(summarize_profile(self.output))

    @staticmethod
    def available() -> bool:
        return (ROOT / ".venv" / "bin" / "py-spy").exists()


def summarize_profile(path: Path, top: int = 14) -> str:
    """Top functions by own time and by inclusive time (frames in nearly every sample left out)."""
    from collections import Counter

    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = [frame for frame in stack.split(";") if not frame.startswith("thread ")]
        total += samples
        if frames:
            own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    if not total:
        return f"profile {path}: no samples"
    lines = [f"profile {path.name}: {total} samples"]
    lines.append("  own time:")
    lines += [f"    {n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    lines.append("  inclusive (frames under 90% of samples):")
    shown = [(frame, n) for frame, n in inclusive.most_common() if n / total < 0.9][:top * 2]
    lines += [f"    {n / total:6.1%}  {frame}" for frame, n in shown]
    return "\n".join(lines)


# ------------------------------------------------------------------ server
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def http_json(method: str, url: str, body: Any = None, token: str | None = None,
              timeout: float = 30.0) -> tuple[int, Any]:
    """A small blocking JSON request (set-up and checks only, not load)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Server:
    """`python main.py` on a free loopback port with a fresh data directory.

    `script` serves with another entry point instead (e.g. one that patches the app, to measure a
    proposed change before making it)."""

    def __init__(self, extra_env: dict[str, str] | None = None, keep_data: bool = False,
                 script: str | Path = "main.py", app_dir: Path | None = None) -> None:
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix="eventflow-bench-"))
        self.keep_data = keep_data
        self.log_path = self.data_dir / "server.log"
        env = {
            **os.environ,
            "EVENTFLOW_HOST": LOOPBACK,
            "EVENTFLOW_PORT": str(self.port),
            "EVENTFLOW_DATA_DIR": str(self.data_dir),
            "EVENTFLOW_DEMO_DATA": "false",
            # The engine is measured, not the limits against bots (a benchmark is one client, few buyers).
            **{k: v for k, v in FAIR_OFF.items() if k not in os.environ},
            **(extra_env or {}),
        }
        if "EVENTFLOW_STORE" not in (extra_env or {}):
            env.pop("EVENTFLOW_STORE", None)  # the default: SQLite under the fresh data dir
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [str(PYTHON), str(script)], cwd=app_dir or ROOT, env=env, stdout=self._log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def db_path(self) -> Path:
        return self.data_dir / "eventflow.db"

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; log:\n{self.log_tail()}")
            try:
                status, body = http_json("GET", f"{self.url}/api/v1/health", timeout=2)
                if status == 200 and body == {"status": "ok"}:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not healthy after {timeout} s; log:\n{self.log_tail()}")

    def gc_pauses(self, since: float = 0.0) -> list[tuple[float, int, float]]:
        """(monotonic time, generation, ms) of the GCPAUSE lines the gc-log variant wrote."""
        pauses = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("GCPAUSE "):
                fields = dict(part.split("=", 1) for part in line.split()[1:])
                if float(fields["at"]) >= since:
                    pauses.append((float(fields["at"]), int(fields["gen"]), float(fields["ms"])))
        return pauses

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
        if not self.keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Server:
        try:
            self.wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


# ------------------------------------------------------------------ proposed app changes, as patches
VARIANTS = {
    "write-lock": "SqliteStore write transactions serialized by one threading.Lock per process "
                  "(threads queue on the lock instead of SQLite's sleeping busy handler)",
    "lean-api": "/api/v1 routes on a plain root FastAPI app with NiceGUI mounted under it via "
                "ui.run_with, so API requests skip NiceGUI's session/storage/gzip middleware stack",
    "throttled-hub": "the availability hub publishes at most once per 0.25 s (changes in between "
                     "coalesce into the next publish)",
    "gc-thresholds": "gc.set_threshold(100_000, 50, 100) at start-up: far fewer full collections, "
                     "which take 1-2 s each once ~1,000 page clients are alive",
    "gc-log": "diagnostics only: every garbage-collection pass of 20 ms or more is written to the "
              "server log (GCPAUSE lines), summarised by the benchmark",
}

_VARIANT_SCRIPT = """
# Generated by benchmarks/common.py: main.py with proposed changes patched in, to measure them.
import sys
sys.path.insert(0, {root!r})
VARIANTS = {variants!r}
TRIVIAL_ROUTE = {trivial!r}

if TRIVIAL_ROUTE:
    # The benchmark's reference, not part of the product: the cheapest async route, put first on the
    # root app the server hands to uvicorn (the app the JSON API lives on: same middleware, same
    # uvicorn settings). Added where uvicorn.run receives the app, since serve() builds it locally.
    import uvicorn as _uvicorn
    from starlette.responses import Response as _BenchResponse

    _uvicorn_run = _uvicorn.run

    async def _bench_trivial():
        return _BenchResponse(b"{{}}", media_type="application/json")

    def _run_with_trivial(app, *args, **kwargs):
        root = getattr(app, "app", app)  # under LiveSockets (websockets only) since session 8
        root.add_api_route({trivial_path!r}, _bench_trivial, methods=["GET"], include_in_schema=False)
        # before NiceGUI's mount at "/", which would otherwise match first
        root.router.routes.insert(0, root.router.routes.pop())
        return _uvicorn_run(app, *args, **kwargs)

    _uvicorn.run = _run_with_trivial

if "gc-thresholds" in VARIANTS:
    import gc
    gc.set_threshold(100_000, 50, 100)

if "gc-log" in VARIANTS:
    import gc
    import time as _time
    _gc_started = [0.0]

    def _gc_pause(phase, info):
        if phase == "start":
            _gc_started[0] = _time.perf_counter()
            return
        pause = _time.perf_counter() - _gc_started[0]
        if pause >= 0.02:
            print(f"GCPAUSE at={{_time.monotonic():.3f}} gen={{info['generation']}} ms={{pause * 1000:.0f}}",
                  file=sys.stderr, flush=True)

    gc.callbacks.append(_gc_pause)

if "write-lock" in VARIANTS:
    import threading
    from contextlib import contextmanager
    from eventflow.store.sqlite import store as _sqlite

    _original_write = _sqlite.SqliteStore._write
    _write_lock = threading.Lock()

    @contextmanager
    def _locked_write(self):
        with _write_lock:
            with _original_write(self) as db:
                yield db

    _sqlite.SqliteStore._write = _locked_write

if "throttled-hub" in VARIANTS:
    import asyncio
    from eventflow.adapters import live as _live

    async def _throttled_publish_loop(self):
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            with self._lock:
                dirty, self._dirty = self._dirty, set()
            if dirty:
                await self._refresh(sorted(dirty), only_if_changed=False)
                await asyncio.sleep(0.25)

    _live.AvailabilityHub._publish_loop = _throttled_publish_loop


def run_lean_api():
    import logging
    import uvicorn
    from fastapi import FastAPI
    from nicegui import ui
    from eventflow import api
    from eventflow.app import wiring as eventflow_app
    from eventflow.config import Settings

    settings = Settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = eventflow_app.build_services(settings)
    eventflow_app.install(services)
    root = FastAPI()
    root.state.eventflow = services
    api.install_error_handlers(root)
    root.include_router(api.router)
    ui.run_with(root, title="EventFlow", storage_secret=settings.resolved_secret_key(), reconnect_timeout=10)
    uvicorn.run(root, host=settings.host, port=settings.port, log_level="warning")


if __name__ in {{"__main__", "__mp_main__"}}:
    if "lean-api" in VARIANTS:
        run_lean_api()
    else:
        from eventflow.app.wiring import run
        run()
"""


TRIVIAL_PATH = "/_bench/trivial"


def variant_script(variants: list[str], app_dir: Path | None = None, trivial_route: bool = False) -> Path:
    """An entry point serving the app with the named proposed changes patched in (see VARIANTS);
    with trivial_route, also GET TRIVIAL_PATH: `async def` returning b"{}" on the same root app."""
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise ValueError(f"unknown variants {sorted(unknown)}; known: {sorted(VARIANTS)}")
    name = "-".join(sorted(variants)) or "plain"
    path = Path(tempfile.gettempdir()) / f"eventflow-bench-{name}{'-trivial' if trivial_route else ''}.py"
    path.write_text(_VARIANT_SCRIPT.format(root=str(app_dir or ROOT), variants=sorted(variants),
                                           trivial=trivial_route, trivial_path=TRIVIAL_PATH))
    return path


def export_app(ref: str) -> Path:
    """The committed app code at `ref` (main.py and eventflow/), unpacked into a temp dir, so a run
    measures a known commit and not whatever is being edited in the work tree at the time."""
    import atexit

    target = Path(tempfile.mkdtemp(prefix="eventflow-bench-app-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    archive = subprocess.run(["git", "archive", "--format=tar", ref, "--", "main.py", "eventflow"],
                             cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True, timeout=60)
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=10).stdout.strip()
    print(f"app code: commit {commit} ({ref}) exported to {target}")
    return target


def app_dir(args: Any) -> Path | None:
    """The exported app of --app-ref (once per run), or None for the work tree."""
    ref = getattr(args, "app_ref", None)
    if not ref:
        return None
    if getattr(args, "_app_dir", None) is None:
        args._app_dir = export_app(ref)
    return args._app_dir


def server_script(args: Any, trivial_route: bool = False) -> Path | str:
    """--variant (patched entry point) or --server-script (default main.py), printing which.

    trivial_route: serve main.py (and any variants) through the generated entry point that also
    mounts GET TRIVIAL_PATH, the benchmark's reference route (not with a custom --server-script)."""
    directory = app_dir(args)
    if getattr(args, "variant", None) or (trivial_route and args.server_script == "main.py"):
        for name in getattr(args, "variant", None) or []:
            print(f"variant {name}: {VARIANTS[name]}")
        return variant_script(getattr(args, "variant", None) or [], directory, trivial_route)
    if directory is not None and args.server_script == "main.py":
        return directory / "main.py"
    return args.server_script


@dataclass
class BenchEvent:
    event_id: str
    slug: str
    tier_id: str
    token: str


def create_event(base_url: str, capacity: int, title: str = "Benchmark Night",
                 email: str | None = None, price_minor: int = 1500) -> BenchEvent:
    """Organizer signs up, creates an event with one tier of `capacity`, publishes it."""
    email = email or f"bench-{time.time_ns()}@example.com"
    status, body = http_json("POST", f"{base_url}/api/v1/auth/signup",
                             {"email": email, "password": "benchmark-password", "name": "Bench"})
    if status != 201:
        raise RuntimeError(f"signup: {status} {body}")
    token = body["token"]
    starts = datetime.now(UTC) + timedelta(days=30)
    status, event = http_json("POST", f"{base_url}/api/v1/events", {
        "title": title, "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=5)).isoformat(), "timezone": "Europe/Berlin",
        "venue": "Loopback Hall", "currency": "EUR", "description": "A benchmark event.",
        "fee_mode": "buyer_pays",
    }, token)
    if status != 201:
        raise RuntimeError(f"create event: {status} {event}")
    status, tier = http_json("POST", f"{base_url}/api/v1/events/{event['id']}/tiers", {
        "name": "General", "price_minor": price_minor, "capacity": capacity, "max_per_order": 10,
    }, token)
    if status != 201:
        raise RuntimeError(f"create tier: {status} {tier}")
    status, body = http_json("POST", f"{base_url}/api/v1/events/{event['id']}/publish", None, token)
    if status != 200:
        raise RuntimeError(f"publish: {status} {body}")
    return BenchEvent(event_id=event["id"], slug=event["slug"], tier_id=tier["id"], token=token)


def reservation_body(tier_id: str, quantity: int = 1) -> dict[str, Any]:
    return {"lines": [{"tier_id": tier_id, "quantity": quantity}],
            "buyer": {"email": "b@example.com", "name": "B"}}
