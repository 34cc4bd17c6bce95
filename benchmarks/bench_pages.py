"""Time to first render of the public event page and the checkout page in headless chromium
(Navigation Timing + Paint Timing), and the server's memory per open page.

    .venv/bin/python benchmarks/bench_pages.py [--loads 10] [--pages 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Server, create_event, http_json, print_machine, reservation_body
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

TIMING_JS = """
const nav = performance.getEntriesByType('navigation')[0];
const paint = performance.getEntriesByName('first-contentful-paint')[0];
return {ttfb: nav.responseStart, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
        fcp: paint ? paint.startTime : null, bytes: nav.transferSize};
"""


def chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=390,844"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def measure(driver: webdriver.Chrome, url: str, loads: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {"ttfb": [], "fcp": [], "dcl": [], "load": []}
    for _ in range(loads):
        driver.get(url)
        deadline = time.monotonic() + 10
        while True:
            timing = driver.execute_script(TIMING_JS)
            if (timing["load"] and timing["fcp"] is not None) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        for key in samples:
            if timing[key] is not None:
                samples[key].append(float(timing[key]))
    return {key: statistics.median(values) for key, values in samples.items() if values}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--pages", type=int, default=40, help="pages held open for the memory figure")
    args = parser.parse_args()
    print_machine()
    with Server() as server:
        event = create_event(server.url, capacity=100_000)
        driver = chromium()
        try:
            event_url = f"{server.url}/e/{event.slug}"
            results = {"event page": measure(driver, event_url, args.loads)}
            status, reservation = http_json(
                "POST", f"{server.url}/api/v1/events/{event.event_id}/reservations", reservation_body(event.tier_id, 2))
            assert status == 201, reservation
            results["checkout page"] = measure(driver, f"{server.url}/checkout/{reservation['id']}", args.loads)
            print(f"\nmedian of {args.loads} loads each, 390x844 window, ms since navigation start")
            print(f"{'page':<15}{'TTFB':>8}{'FCP':>8}{'DOMContentLoaded':>18}{'load':>8}")
            for page, figures in results.items():
                print(f"{page:<15}{figures['ttfb']:>8.1f}{figures['fcp']:>8.1f}{figures['dcl']:>18.1f}"
                      f"{figures['load']:>8.1f}")

            driver.get("about:blank")
            time.sleep(2)
            before = rss_kib(server.pid)
            for _ in range(args.pages):
                driver.switch_to.new_window("tab")
                driver.get(event_url)
            time.sleep(3)
            after = rss_kib(server.pid)
            print(f"\nserver RSS {before / 1024:.1f} MiB -> {after / 1024:.1f} MiB with {args.pages} open event pages:"
                  f" {(after - before) / args.pages:.0f} KiB per open page")
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
