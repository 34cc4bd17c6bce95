"""The app killed (SIGKILL) in the middle of a ticket drop: what it answered is kept, nothing oversold.

Reserves are committed in groups (one SQLite transaction per loop iteration's reserves), and a buyer
gets 201 only after the group's COMMIT. So after a kill -9 mid-drop every reservation that was
answered 201 is in the file, held equals the quantities of the held reservations (a group either
committed whole or not at all), and held never passes capacity."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from pathlib import Path

import httpx
import psutil
import pytest

from tests.server import free_port, running_app

pytestmark = pytest.mark.slow
CAPACITY = 150


def app_process(data_dir: Path, port: int) -> psutil.Process:
    """The app this test started: the process listening on its port, running from its data dir."""
    for process in psutil.process_iter(["cmdline", "cwd"]):
        ours = process.info["cwd"] == str(data_dir) and any("main.py" in part for part in process.info["cmdline"] or [])
        if ours and any(conn.laddr.port == port for conn in process.net_connections()):
            return process
    raise AssertionError("the app's process was not found")


async def drop(url: str, event_id: str, tier_id: str, process: psutil.Process) -> tuple[list[str], int]:
    answered: list[str] = []
    cut_off: list[int] = []
    limits = httpx.Limits(max_connections=100)
    async with httpx.AsyncClient(base_url=f"{url}/api/v1", timeout=20, limits=limits) as client:

        async def buyer(index: int) -> None:
            try:
                response = await client.post(f"/events/{event_id}/reservations", json={
                    "lines": [{"tier_id": tier_id, "quantity": 1 + index % 3}],
                    "buyer": {"email": f"b{index}@example.com", "name": f"Buyer {index}"}})
            except httpx.HTTPError:
                cut_off.append(index)  # in flight when the app died
                return
            if response.status_code == 201:
                answered.append(response.json()["id"])
                if len(answered) == 25:  # the drop is under way: kill the app mid-flight
                    process.send_signal(signal.SIGKILL)

        await asyncio.gather(*(buyer(index) for index in range(400)))
    return answered, len(cut_off)


def test_a_kill_mid_drop_keeps_every_answered_hold_and_never_oversells(tmp_path: Path) -> None:
    port = free_port()
    with running_app(tmp_path, port=port) as url:
        api = httpx.Client(base_url=f"{url}/api/v1", timeout=10)
        token = api.post("/auth/signup", json={"email": "drop@example.com", "password": "long enough",
                                               "name": "Dee"}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        event = api.post("/events", headers=auth, json={
            "title": "Kill Switch", "starts_at": "2027-01-09T20:00:00+00:00",
            "ends_at": "2027-01-09T23:00:00+00:00", "timezone": "UTC", "currency": "EUR"}).json()
        tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                        json={"name": "Entry", "price_minor": 0, "capacity": CAPACITY}).json()
        assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
        api.close()
        process = app_process(tmp_path, port)
        answered, cut_off = asyncio.run(drop(url, event["id"], tier["id"], process))
        process.wait(10)
        assert process.is_running() is False

    assert len(answered) >= 25 and cut_off > 0  # killed mid-drop, with requests in flight
    with sqlite3.connect(tmp_path / "eventflow.db") as db:
        held, sold, capacity = db.execute("SELECT held, sold, capacity FROM tiers WHERE id = ?",
                                          (tier["id"],)).fetchone()
        rows = db.execute("SELECT id, lines FROM reservations WHERE event_id = ? AND status = 'held'",
                          (event["id"],)).fetchall()
    in_reservations = sum(line["quantity"] for _, lines in rows for line in json.loads(lines))
    assert held + sold <= capacity == CAPACITY
    assert held == in_reservations
    assert set(answered) <= {reservation_id for reservation_id, _ in rows}
