"""Start the real app (`python main.py`) as a subprocess on a free port, for HTTP and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(data_dir: Path, port: int | None = None, **env: str) -> Iterator[str]:
    """Yield the base URL of a freshly started EventFlow; stop it afterwards.

    Pass `port` (e.g. from `free_port()`) when the URL is needed before start, say for EVENTFLOW_BASE_URL."""
    port = port or free_port()
    # NiceGUI switches into its own test mode when it sees pytest's variables: hide them.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NICEGUI_"))}
    environment = {
        **inherited,
        "EVENTFLOW_HOST": "127.0.0.1",
        "EVENTFLOW_PORT": str(port),
        "EVENTFLOW_DATA_DIR": str(data_dir),
        "EVENTFLOW_DEMO_DATA": "false",
        **env,
    }
    log_path = data_dir / "server.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py")], cwd=data_dir, env=environment,
            stdout=log, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"app exited early:\n{log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base_url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"app did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
