"""Door check-in figures: manifest build time and size at 10,000 tickets, online scan latency at
20 scans/s over HTTP, and offline validation time measured inside headless chromium.

    .venv/bin/python benchmarks/bench_door.py [--tickets 10000] [--scans 400]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from common import Server, create_event, http_json, percentile, print_machine
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from eventflow.domain.checkin import DoorCheckIn
from eventflow.domain.clock import SystemClock
from eventflow.domain.codes import door_rules
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.store.sqlite.store import SqliteStore


def fill_event(service: Ticketing, tickets: int) -> tuple:  # type: ignore[type-arg]
    organizer = service.sign_up(f"door-{time.time_ns()}@example.com", "benchmark-pw", "Door")
    starts = datetime.now(UTC) + timedelta(days=3)
    event = service.catalog.create_event(organizer.id, title="Door bench", starts_at=starts,
                                 ends_at=starts + timedelta(hours=6), timezone="UTC", currency="EUR")
    tier = service.catalog.add_tier(organizer.id, event.id, name="GA", price_minor=1000, capacity=tickets,
                            max_per_order=50)
    service.catalog.publish(organizer.id, event.id)
    for n in range(tickets // 50):
        buyer = Buyer(f"b{n}@example.com", f"Guest Firstname-{n} Lastname")  # realistic name length
        reservation = service.reserve(event.id, [LineRequest(tier.id, 50)], buyer)
        service.confirm(reservation.id, payment_ref="bench")
    return event, tier


def manifest_figures(tickets: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "door.db")
        service = Ticketing(store, SystemClock(), secret_key="bench")
        event, _ = fill_event(service, tickets)
        door = DoorCheckIn(store, SystemClock(), DoorKeys("bench"))
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            manifest = door.manifest(event)
            body = json.dumps({"tiers": ["GA"], "tickets": [  # compact, as the API sends it
                {"id": t.id, "order": t.order, "tier": 0, "holder": t.holder,
                 "status": t.status} for t in manifest.tickets]}, separators=(",", ":")).encode()
            timings.append(time.perf_counter() - started)
        build_ms = statistics.median(timings) * 1000
        print(f"manifest, {len(manifest.tickets):,} tickets: build + JSON median {build_ms:.0f} ms (target < 2000 ms);"
              f" {len(body) / 1e6:.2f} MB JSON (target < 2 MB), "
              f"{len(gzip.compress(body)) / 1e6:.2f} MB gzipped on the wire")


def online_scans(scans: int, rate: float) -> None:
    with Server() as server:
        bench = create_event(server.url, capacity=scans, price_minor=0)
        tickets = []
        buy = {"lines": [{"tier_id": bench.tier_id, "quantity": 10}], "buyer": {"email": "d@example.com", "name": "D"}}
        for _ in range(scans // 10):
            status, reservation = http_json("POST", f"{server.url}/api/v1/events/{bench.event_id}/reservations", buy)
            assert status == 201, reservation
            _, paid = http_json("POST", f"{server.url}/api/v1/reservations/{reservation['id']}/checkout")
            tickets += paid["tickets"]
        _, staff = http_json("POST", f"{server.url}/api/v1/events/{bench.event_id}/staff", {"label": "Bench"},
                             bench.token)
        headers = {"Authorization": f"Bearer {staff['token']}"}
        latencies: list[float] = []
        results: dict[str, int] = {}
        lock = threading.Lock()
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
            payloads = [client.get(f"/api/v1/tickets/{t['ticket_id']}", params={"key": t["key"]}).json()["qr_payload"]
                        for t in tickets[:scans]]

            def one(payload: str) -> None:
                started = time.perf_counter()
                answer = client.post(f"/api/v1/events/{bench.event_id}/checkin/scan",
                                     json={"code": payload, "device_id": "bench"}).json()
                with lock:
                    latencies.append(time.perf_counter() - started)
                    results[answer["result"]] = results.get(answer["result"], 0) + 1

            threads = []
            started = time.perf_counter()
            for n, payload in enumerate(payloads):  # paced: one scan every 1/rate seconds
                delay = started + n / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                thread = threading.Thread(target=one, args=(payload,))
                thread.start()
                threads.append(thread)
            for thread in threads:
                thread.join()
        print(f"online scans at {rate:.0f}/s, {len(latencies)} scans: p50 {percentile(latencies, 50) * 1000:.1f} ms,"
              f" p99 {percentile(latencies, 99) * 1000:.1f} ms; results {results}")


OFFLINE_JS = """
const rules = arguments[0];  // the manifest's code window (codes.door_rules())
const done = arguments[arguments.length - 1];
(async () => {
  const Door = window.EventFlowDoor;
  const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
  const now = Date.now();
  const good = await Door.codeAt(rules, secret, now);
  const times = {valid: [], invalid: []};
  for (let i = 0; i < 50; i++) {
    let t = performance.now(); await Door.codeAge(rules, secret, good, now); times.valid.push(performance.now() - t);
    t = performance.now(); await Door.codeAge(rules, secret, "00000000", now);
    times.invalid.push(performance.now() - t);
  }
  done(times);
})();
"""


def offline_validation() -> None:
    rules = door_rules()
    with Server() as server:
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--no-first-run"):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            driver.get(f"{server.url}/door/offline-scan.html")
            driver.set_script_timeout(60)
            times = driver.execute_async_script(OFFLINE_JS, dict(rules))
        finally:
            driver.quit()
    notes = {"valid": f"{len(rules['accepted_steps'])} HMACs",
             "invalid": f"worst case: also {rules['stale_lookback_steps']} older steps checked for a screenshot"}
    for kind in ("valid", "invalid"):
        values = times[kind]
        print(f"offline validation in chromium, {kind} code ({notes[kind]}): "
              f"p50 {statistics.median(values):.2f} ms, max {max(values):.2f} ms (target < 50 ms)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--scans", type=int, default=400)
    parser.add_argument("--rate", type=float, default=20)
    args = parser.parse_args()
    print_machine()
    manifest_figures(args.tickets)
    online_scans(args.scans, args.rate)
    offline_validation()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
