"""The helper processes of bench_loop_stall.py: moto's DynamoDB, the health sampler, the dashboard.

Each runs in its own process so that none of them shares a GIL with the app server or with each
other: the sampler's timings stay free of the load generators' work.

    python benchmarks/loop_stall_clients.py MAX_SECONDS    serve moto until stdin closes (used by `Moto`)
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import importlib.util
import json
import math
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PYTHON, ROOT

PASSWORD = "benchmark-password"


# ------------------------------------------------------------------ moto, in its own process
def load_moto_helper() -> Any:
    """tests/store/moto_server.py (single-threaded werkzeug moto); found by content if it moved."""
    candidates = [ROOT / "tests" / "store" / "moto_server.py",
                  *sorted((ROOT / "tests").rglob("*.py"))]
    for path in candidates:
        if path.exists() and "def moto_server(" in path.read_text(errors="replace"):
            spec = importlib.util.spec_from_file_location("bench_moto_server", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise RuntimeError("no moto_server() helper under tests/")


def serve_moto(max_seconds: float) -> None:
    """Print the endpoint, serve until stdin closes or max_seconds pass; a "count" line on stdin is
    answered with the requests served so far per DynamoDB operation ("COUNT {json}")."""
    helper = load_moto_helper()
    operations: list[str] = []
    with helper.moto_server(operations=operations) as endpoint:
        print(f"MOTO {endpoint}", flush=True)
        deadline = time.monotonic() + max_seconds
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([sys.stdin], [], [], min(remaining, 5.0))
            if not ready:
                continue
            command = sys.stdin.readline()
            if not command:
                break  # the benchmark closed our stdin (or died): stop
            if command.strip() == "count":
                print(f"COUNT {json.dumps(Counter(operations[:]))}", flush=True)


class Moto:
    """The moto server subprocess; `endpoint` once started."""

    def __init__(self, max_seconds: float) -> None:
        self.process = subprocess.Popen(
            [str(PYTHON), __file__, str(max_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True)
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], 60)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("MOTO "):
            self.stop()
            raise RuntimeError(f"moto server did not start: {line!r}")
        self.endpoint = line.split()[1]

    def count(self) -> Counter[str]:
        """Requests moto has served so far, per DynamoDB operation."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("COUNT "):
            raise RuntimeError(f"moto did not count: {line!r}")
        return Counter(json.loads(line.removeprefix("COUNT ")))

    def stop(self) -> None:
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


# ------------------------------------------------------------------ health sampler process
def sampler_main(conn: Connection, host: str, port: int, interval: float, path: str = "/api/v1/health",
                 ok_status: int = 200) -> None:
    """On ("sample", seconds): GET `path` every `interval` for that long; answers
    (latencies, failed requests, seconds taken). A slow answer skips the slots it covered instead of queueing."""
    while (message := conn.recv())[0] == "sample":
        # a fresh keep-alive connection per phase: the server closes idle ones between phases
        connection = http.client.HTTPConnection(host, port, timeout=10)
        latencies: list[float] = []
        errors = 0
        started = time.perf_counter()
        deadline = started + message[1]
        next_send = time.perf_counter()
        while next_send < deadline:
            time.sleep(max(0.0, next_send - time.perf_counter()))
            sent = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                ok = response.status == ok_status
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=10)
            done = time.perf_counter()
            if ok:
                latencies.append(done - sent)
            else:
                errors += 1
            next_send = sent + interval * max(1, math.ceil((done - sent) / interval))
        connection.close()
        conn.send((latencies, errors, time.perf_counter() - started))


# ------------------------------------------------------------------ dashboard client process
def dashboard_login_cookie(base_url: str, email: str, event_id: str) -> str:
    """Log in through /login in headless chromium once; the session cookie, as a Cookie header."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp(prefix="ef-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", f"--user-data-dir={profile}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"),
                              options=options)
    try:
        target = f"/dashboard/events/{event_id}"
        driver.get(f"{base_url}/login?next={urllib.parse.quote(target)}")
        wait = WebDriverWait(driver, 30)

        def element(testid: str) -> Any:
            selector = f'[data-testid="{testid}"]'
            return wait.until(lambda d: d.find_element(By.CSS_SELECTOR, selector))

        for testid, text in (("login-email", email), ("login-password", PASSWORD)):
            field = element(testid)
            if field.tag_name != "input":
                field = field.find_element(By.TAG_NAME, "input")
            field.send_keys(text)
        element("login-submit").click()
        wait.until(lambda d: d.current_url.endswith(target)
                   and d.find_elements(By.CSS_SELECTOR, '[data-testid="tier-table"]'))
        return "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def sold_in(payload: dict[str, Any]) -> int | None:
    """The dashboard's "Tickets sold" figure, if this `update` message carries it."""
    for element in payload.values():
        if isinstance(element, dict) and element.get("props", {}).get("data-testid") == "total-sold":
            with contextlib.suppress(ValueError, TypeError):
                return int(str(element.get("text", "")).replace(",", ""))
    return None


async def dashboard_async(conn: Connection, base_url: str, event_id: str, cookie: str) -> None:
    import aiohttp
    import socketio
    try:  # where bench_live.py's socket.io helpers live now (they moved out of it)
        from live_clients import QUERY_RE, SOCKET_PATH
    except ImportError:
        from bench_live import QUERY_RE, SOCKET_PATH

    updates: list[float] = []
    sold: list[int] = []
    async with aiohttp.ClientSession(headers={"Cookie": cookie}) as session:
        async with session.get(f"{base_url}/dashboard/events/{event_id}") as response:
            html = await response.text()
    match = QUERY_RE.search(html)
    if '"data-testid":"tier-table"' not in html or match is None:
        raise RuntimeError("the dashboard page did not render (not logged in?)")
    client_id, next_message_id = match.group(1), int(match.group(2))
    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)

    @sio.on("update")
    async def on_update(payload: dict[str, Any]) -> None:
        nonlocal next_message_id
        updates.append(time.monotonic())
        if isinstance(payload.get("_id"), int):
            next_message_id = max(next_message_id, payload["_id"] + 1)
        if (count := sold_in(payload)) is not None:
            sold.append(count)

    query = (f"client_id={client_id}&tab_id={uuid.uuid4()}&document_id={uuid.uuid4()}"
             f"&next_message_id={next_message_id}&implicit_handshake=true")
    await sio.connect(f"{base_url}?{query}", socketio_path=SOCKET_PATH, transports=["websocket"],
                      headers={"Cookie": cookie}, wait_timeout=30)
    conn.send(("connected",))
    loop = asyncio.get_running_loop()
    finish = loop.run_in_executor(None, conn.recv)
    while not finish.done():  # ack every 3 s, as nicegui.js does
        await asyncio.wait([finish], timeout=3.0)
        with contextlib.suppress(Exception):
            await sio.emit("ack", {"client_id": client_id, "next_message_id": next_message_id})
    conn.send(("results", updates, sold, sio.connected))
    with contextlib.suppress(Exception):
        await asyncio.wait_for(sio.disconnect(), 5)


def dashboard_main(conn: Connection, base_url: str, event_id: str, cookie: str) -> None:
    try:
        asyncio.run(dashboard_async(conn, base_url, event_id, cookie))
    except BaseException as error:
        conn.send(("error", f"{type(error).__name__}: {error}"))
        raise
    finally:
        conn.close()



if __name__ == "__main__":
    serve_moto(float(sys.argv[1]))
