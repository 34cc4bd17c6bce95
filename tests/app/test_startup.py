"""Start-up with a data dir the server cannot work with: `python main.py` prints one sentence on
stderr and exits non-zero within seconds (no traceback, no "healthy" server where every login is a
500). And what a good start creates is for the server's user only (0600 files, a 0700 data dir)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from eventflow.store.sqlite.store import SqliteStore
from tests.server import ROOT, free_port, running_app


def start(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python main.py` on the data dir, expecting it to stop on its own."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NICEGUI_", "EVENTFLOW_"))}
    environment = {**inherited, "EVENTFLOW_HOST": "127.0.0.1", "EVENTFLOW_PORT": str(free_port()),
                   "EVENTFLOW_DATA_DIR": str(data_dir), "EVENTFLOW_DEMO_DATA": "false", **env}
    return subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=data_dir.parent, env=environment,
                          capture_output=True, text=True, timeout=30)


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode != 0, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("EventFlow cannot start. ") and "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def a_database(data_dir: Path) -> Path:
    """A real EventFlow database with some pages in it (schema only is a few pages)."""
    data_dir.mkdir()
    store = SqliteStore(data_dir / "eventflow.db")
    store.close()
    with closing(sqlite3.connect(data_dir / "eventflow.db", isolation_level=None)) as db:
        db.execute("CREATE TABLE filler (text TEXT)")
        db.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 2000)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, which we then damage
    return data_dir / "eventflow.db"


def truncate(path: Path) -> None:
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)


def scribble(path: Path) -> None:
    with path.open("r+b") as file:
        file.seek(4096 * 2)
        file.write(b"\x5a" * 4096 * 4)


def garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database " * 200)


@pytest.mark.parametrize("damage", [truncate, scribble, garbage], ids=["truncated", "corrupt", "not_sqlite"])
def test_a_damaged_database_stops_the_start(tmp_path: Path, damage: Callable[[Path], None]) -> None:
    database = a_database(tmp_path / "data")
    damage(database)
    assert_refused(start(tmp_path / "data"), str(database), "backup")


def test_a_read_only_database_stops_the_start(tmp_path: Path) -> None:
    database = a_database(tmp_path / "data")
    database.chmod(0o444)
    if os.geteuid() != 0:
        assert_refused(start(tmp_path / "data"), str(database), "read-only")
        return
    # Root writes files whatever their mode: make the file immutable instead, where the filesystem can.
    if subprocess.run(["chattr", "+i", str(database)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a filesystem without chattr +i: cannot make a file read-only")
    try:
        assert_refused(start(tmp_path / "data"), str(database), "read-only")
    finally:
        subprocess.run(["chattr", "-i", str(database)], check=True)


def test_a_data_dir_that_is_a_file_stops_the_start(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("oops")
    assert_refused(start(tmp_path / "data"), str(tmp_path / "data"), "is a file")


@pytest.mark.parametrize("content", ["", "\n  \n"], ids=["empty", "blank"])
def test_an_empty_secret_key_file_stops_the_start(tmp_path: Path, content: str) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text(content)
    assert_refused(start(tmp_path / "data"), "secret_key", "is empty")
    assert not (tmp_path / "data" / "eventflow.db").exists()  # refused before anything was created


def test_a_setting_that_does_not_parse_stops_the_start(tmp_path: Path) -> None:
    assert_refused(start(tmp_path / "data", EVENTFLOW_HOLD_MINUTES="soon"), "EVENTFLOW_HOLD_MINUTES")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_what_a_good_start_creates_is_private(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"  # created by the server
    with running_app(tmp_path / "cwd", EVENTFLOW_DATA_DIR=str(data)) as url, \
            httpx.Client(base_url=f"{url}/api/v1", timeout=10) as api:
        token = api.post("/auth/signup", json={"email": "modes@example.com", "password": "long enough",
                                                "name": "Org"}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        event = api.post("/events", headers=auth, json={
            "title": "Modes", "starts_at": "2026-12-12T23:00:00+01:00", "ends_at": "2026-12-13T05:00:00+01:00",
            "timezone": "Europe/Berlin", "venue": "Here", "currency": "EUR", "description": "",
            "fee_mode": "buyer_pays"}).json()
        tier = api.post(f"/events/{event['id']}/tiers", headers=auth,
                        json={"name": "Free", "price_minor": 0, "capacity": 5}).json()
        assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
        held = api.post(f"/events/{event['id']}/reservations", json={
            "lines": [{"tier_id": tier["id"], "quantity": 1}], "buyer": {"email": "b@example.com", "name": "B"}})
        assert api.post(f"/reservations/{held.json()['id']}/checkout").json()["status"] == "paid"
        created = [data / "secret_key", *data.glob("eventflow.db*"), *(data / "mail").glob("*.eml")]
        assert len(list((data / "mail").glob("*.eml"))) == 1 and (data / "eventflow.db").exists()
        assert {path.name: mode(path) for path in created} == {path.name: 0o600 for path in created}
        assert mode(data) == 0o700 and mode(data / "mail") == 0o700
