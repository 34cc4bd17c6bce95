"""The load-generator side of bench_live.py: event-page watchers, one asyncio process per share.

A watcher does what a browser does: GET /e/<slug>, take `client_id` and `next_message_id` from the
page's socket.io query (nicegui/templates/index.html), open NiceGUI's socket with client_id, tab_id,
document_id, next_message_id and implicit_handshake=true (nicegui/static/nicegui.js), answer the
server's pings and send `ack` every 3 s when messages with a new id arrived (nicegui.js acks only
then). Two socket implementations:

- raw (default): Engine.IO 4 / Socket.IO 5 spoken directly over one aiohttp websocket per watcher
  (open packet, "40" namespace connect, "2"/"3" ping/pong, "42[...]" events): no per-watcher
  client object, queue or tasks beyond one reader, so a few generator processes hold thousands.
- socketio: a python-socketio AsyncClient per watcher (the reference client, heavier).

Each watcher records (monotonic receive time, tier count) for every message that carries a count:
the live counts message (`eventflow_counts`, components/live_counts.py) or, for app revisions from
before it, an `update` whose badge text reads "N left"/"Sold out".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlencode

import aiohttp
import psutil

SOCKET_PATH = "/_nicegui_ws/socket.io"
LIVE_MESSAGE = "eventflow_counts"
QUERY_RE = re.compile(r"query:\s*\{'client_id':\s*'([0-9a-f-]+)',\s*'next_message_id':\s*(\d+)")
COUNT_RE = re.compile(r"(?:^|\s)([\d,]+) left$")


def count_in_update(payload: dict[str, Any]) -> int | None:
    """The smallest "N left" / "Sold out" count among the elements of one NiceGUI `update`."""
    best: int | None = None
    for element in payload.values():
        text = element.get("text") if isinstance(element, dict) else None
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


def count_in_live(payload: dict[str, Any]) -> int | None:
    counts = [tier["available"] for tier in payload.get("tiers", ()) if isinstance(tier, dict)]
    return min(counts) if counts else None


@dataclass
class Watcher:
    index: int
    client_id: str = ""
    next_message_id: int = 0
    acked_message_id: int = -1
    seen: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, count)
    connected: bool = False
    closed_reason: str | None = None
    socket: Any = None  # an aiohttp websocket or a socketio.AsyncClient
    reader: asyncio.Task[None] | None = None

    def received(self, name: str, payload: Any) -> None:
        now = time.monotonic()
        if not isinstance(payload, dict):
            return
        if isinstance(payload.get("_id"), int):
            self.next_message_id = max(self.next_message_id, payload["_id"] + 1)
        count = (count_in_live(payload) if name == LIVE_MESSAGE
                 else count_in_update(payload) if name == "update" else None)
        if count is not None:
            self.seen.append((now, count))


async def fetch_page(watcher: Watcher, base_url: str, slug: str, session: aiohttp.ClientSession) -> None:
    async with session.get(f"{base_url}/e/{slug}") as response:
        html = await response.text()
        if response.status != 200:
            raise RuntimeError(f"page answered {response.status}")
    match = QUERY_RE.search(html)
    if match is None:
        raise RuntimeError("no socket.io query in the page")
    watcher.client_id, watcher.next_message_id = match.group(1), int(match.group(2))


def socket_query(watcher: Watcher) -> dict[str, str]:
    return {"client_id": watcher.client_id, "tab_id": str(uuid.uuid4()), "document_id": str(uuid.uuid4()),
            "next_message_id": str(watcher.next_message_id), "implicit_handshake": "true"}


# ------------------------------------------------------------------ raw Engine.IO / Socket.IO
async def open_raw(watcher: Watcher, base_url: str, ws_session: aiohttp.ClientSession) -> None:
    query = urlencode({**socket_query(watcher), "EIO": "4", "transport": "websocket"})
    ws = await ws_session.ws_connect(f"{base_url.replace('http', 'ws', 1)}{SOCKET_PATH}/?{query}",
                                     autoping=True, max_msg_size=0)
    watcher.socket = ws
    opened = await ws.receive(timeout=30)
    if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
        raise RuntimeError(f"no engine.io open packet: {opened.type} {str(opened.data)[:80]}")
    await ws.send_str("40")
    joined = await ws.receive(timeout=30)
    if joined.type != aiohttp.WSMsgType.TEXT or not joined.data.startswith("40"):
        raise RuntimeError(f"socket.io connect refused: {str(joined.data)[:120]}")
    watcher.connected = True
    watcher.reader = asyncio.create_task(read_raw(watcher, ws))


async def read_raw(watcher: Watcher, ws: aiohttp.ClientWebSocketResponse) -> None:
    async for message in ws:
        if message.type != aiohttp.WSMsgType.TEXT:
            continue
        data: str = message.data
        if data == "2":  # engine.io ping
            await ws.send_str("3")
        elif data.startswith("42"):
            with contextlib.suppress(ValueError, TypeError):
                name, payload = json.loads(data[2:])[:2]
                watcher.received(name, payload)
        elif data.startswith("41") or data.startswith("1"):
            break
    watcher.connected = False
    watcher.closed_reason = watcher.closed_reason or f"closed by the server ({ws.close_code})"


async def ack_raw(watcher: Watcher) -> None:
    payload = {"client_id": watcher.client_id, "next_message_id": watcher.next_message_id}
    await watcher.socket.send_str("42" + json.dumps(["ack", payload]))


# ------------------------------------------------------------------ python-socketio client
async def open_socketio(watcher: Watcher, base_url: str) -> None:
    import socketio

    # Each socket gets its own aiohttp session (engine.io's default): sockets sharing the page
    # session were closed by aiohttp ~5 s after connecting (WSMsgType.CLOSED), not by the server.
    sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
    watcher.socket = sio
    for name in (LIVE_MESSAGE, "update"):
        sio.on(name, lambda payload, name=name: watcher.received(name, payload))

    @sio.on("disconnect")
    async def on_disconnect(*reason: Any) -> None:
        watcher.connected = False
        watcher.closed_reason = str(reason[0]) if reason else "unknown"

    await sio.connect(f"{base_url}?{urlencode(socket_query(watcher))}", socketio_path=SOCKET_PATH,
                      transports=["websocket"], wait_timeout=30)
    watcher.connected = True


async def ack_socketio(watcher: Watcher) -> None:
    await watcher.socket.emit("ack", {"client_id": watcher.client_id, "next_message_id": watcher.next_message_id})


# ------------------------------------------------------------------ one generator process
async def ack_loop(watchers: list[Watcher], interval: float, kind: str) -> None:
    """What nicegui.js does every 3 s: ack, if messages with a new id arrived since the last ack."""
    ack = ack_raw if kind == "raw" else ack_socketio
    while True:
        await asyncio.sleep(interval)
        for watcher in watchers:
            if watcher.connected and watcher.acked_message_id < watcher.next_message_id:
                watcher.acked_message_id = watcher.next_message_id
                with contextlib.suppress(Exception):  # a dropped socket is counted at the end
                    await ack(watcher)


async def worker_async(conn: Connection, base_url: str, slug: str, count: int, ramp: float,
                       ack_interval: float, kind: str) -> None:
    watchers = [Watcher(index) for index in range(count)]
    errors: list[str] = []
    timeout = aiohttp.ClientTimeout(total=60)
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout)
    ws_session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                       timeout=aiohttp.ClientTimeout(total=None, connect=60))
    started = time.monotonic()

    async def paced_open(watcher: Watcher) -> None:
        await asyncio.sleep(max(0.0, started + watcher.index / ramp - time.monotonic()))
        try:
            await fetch_page(watcher, base_url, slug, session)
            if kind == "raw":
                await open_raw(watcher, base_url, ws_session)
            else:
                await open_socketio(watcher, base_url)
        except Exception as error:
            watcher.connected = False
            errors.append(f"{type(error).__name__}: {error}"[:200])

    await asyncio.gather(*(paced_open(watcher) for watcher in watchers))
    connected = [w for w in watchers if w.connected]
    errors += [f"dropped during ramp-up: {w.closed_reason}" for w in watchers if w.closed_reason]
    conn.send(("connected", len(connected), len(watchers) - len(connected), Counter(errors),
               time.monotonic() - started))
    acks = asyncio.create_task(ack_loop(connected, ack_interval, kind))

    message = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    assert message[0] == "finish", message
    _, final_count, grace = message
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if all(w.seen and w.seen[-1][1] <= final_count for w in connected):
            break
        await asyncio.sleep(0.1)
    acks.cancel()
    dropped = sum(1 for w in connected if not w.connected)
    cpu = psutil.Process().cpu_times()
    conn.send(("results", [w.seen for w in connected], dropped, cpu.user + cpu.system))

    async def close(watcher: Watcher) -> None:
        with contextlib.suppress(Exception):
            if kind == "raw":
                await asyncio.wait_for(watcher.socket.close(), 5)
            else:
                await asyncio.wait_for(watcher.socket.disconnect(), 5)

    await asyncio.gather(*(close(w) for w in connected))
    await session.close()
    await ws_session.close()


def worker_main(conn: Connection, base_url: str, slug: str, count: int, ramp: float,
                ack_interval: float, kind: str) -> None:
    try:
        asyncio.run(worker_async(conn, base_url, slug, count, ramp, ack_interval, kind))
    except BaseException as error:
        conn.send(("error", f"{type(error).__name__}: {error}"))
        raise
    finally:
        conn.close()
