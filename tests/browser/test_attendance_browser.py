"""Issue 18, when they arrive, in a real browser: two door devices upload their scans, the dashboard's
"When they arrive" shows them per 5 minutes and device with the peak minute and the doors it needed, and
another admission at the door reaches the open heatmap in place; the organizer's overview shows the weekday x
hour chart; a phone keeps both inside the screen. Scan times are relative to now on a minute boundary (a
run at 23:59 labels the slots with their day), and every wait is for what the organizer waits for."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, until, wait_testid
from tests.browser.test_door import make_event

pytestmark = pytest.mark.browser

def plot(testid: str) -> str:
    """JavaScript for the plotly element of a NiceGUI chart (the testid sits on it or on its wrapper)."""
    return (f"(e => e && (e.classList.contains('js-plotly-plot') ? e : e.querySelector('.js-plotly-plot')))"
            f"(document.querySelector('[data-testid={testid}]'))")


HEAT = plot("attendance-heatmap")


def sell(api: httpx.Client, event: dict[str, Any], count: int) -> list[str]:
    tickets: list[str] = []
    for n in range(0, count, 8):
        held = api.post(f"/events/{event['id']}/reservations", json={
            "lines": [{"tier_id": event["tiers"][0]["id"], "quantity": min(8, count - n)}],
            "buyer": {"email": f"guest{n}@example.com", "name": f"Guest {n}"}}).json()
        tickets += [t["ticket_id"] for t in api.post(f"/demo-payments/{held['id']}/pay").json()["tickets"]]
    return tickets


def staff_token(api: httpx.Client, event: dict[str, Any], label: str) -> dict[str, str]:
    staff = api.post(f"/events/{event['id']}/staff", json={"label": label},
                     headers={"Authorization": f"Bearer {event['organizer_token']}"}).json()
    return {"Authorization": f"Bearer {staff['token']}"}


def heat_total(driver: Any) -> int:
    return int(driver.execute_script(f"const p = {HEAT}; return p && p.data ? p.data[0].z.flat()"
                                     ".reduce((a, b) => a + b, 0) : -1"))


def test_the_door_heatmap_peak_and_the_week_chart(app_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    event = make_event(app_url, capacities=(40,))
    first = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=3)
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as api:
        tickets = sell(api, event, 17)
        side = staff_token(api, event, "Side door")
        for headers, device, gap, guests in ((staff_token(api, event, "Front door"), "phone-a", 10, tickets[:12]),
                                             (side, "phone-b", 20, tickets[12:16])):
            answer = api.post(f"/events/{event['id']}/checkin/sync", headers=headers, json={
                "device_id": device, "scans": [
                    {"ticket_id": t, "code": "", "id_checked": True, "nonce": f"n{i}",
                     "scanned_at": (first + timedelta(seconds=gap * i)).isoformat()} for i, t in enumerate(guests)]})
            assert answer.status_code == 200, answer.text

        organizer = browser(DESKTOP)
        organizer.get(f"{app_url}/login")
        fill(organizer, "login-email", event["organizer_email"])
        fill(organizer, "login-password", "long enough")
        by_testid(organizer, "login-submit").click()
        until(organizer, 10, lambda d: d.current_url.endswith("/dashboard"))
        assert "Busiest" in wait_testid(organizer, "sales-week-busiest").text
        until(organizer, 10, lambda d: d.execute_script(
            f"const p = {plot('sales-week-chart')}; return !!(p && p.data && p.data[0].type === 'heatmap')"))

        organizer.get(f"{app_url}/dashboard/events/{event['id']}")
        peak = wait_testid(organizer, "attendance-peak")
        until(organizer, 10, lambda d: "needed 2 door(s)" in by_testid(d, "attendance-peak").text)
        assert "9 admitted through 2 door(s)" in peak.text and "6 scans a minute" in peak.text
        until(organizer, 10, lambda d: heat_total(d) == 16)
        assert "so far" in by_testid(organizer, "no-show-title").text
        assert re.search(r"Deckchair\s+17\s+16\s+1\s+6\s?%", by_testid(organizer, "no-show-table").text)
        screenshot(organizer, "attendance-desktop", "attendance-panel")

        # someone else comes in through the side door: the open heatmap counts them, no reload
        answer = api.post(f"/events/{event['id']}/checkin/admit", headers=side,
                          json={"ticket_id": tickets[16], "device_id": "phone-b"})
        assert answer.status_code == 200 and answer.json()["result"] == "admitted", answer.text
        until(organizer, 10, lambda d: heat_total(d) == 17)
        until(organizer, 10, lambda d: re.search(r"Deckchair\s+17\s+17\s+0\s+0\s?%",
                                                 by_testid(d, "no-show-table").text))

    phone = browser(PHONE)
    phone.get(f"{app_url}/login")  # the same login: the desktop's session cookie
    for cookie in organizer.get_cookies():
        phone.add_cookie({"name": cookie["name"], "value": cookie["value"]})
    phone.get(f"{app_url}/dashboard/events/{event['id']}")
    until(phone, 10, lambda d: heat_total(d) == 17)
    width = phone.execute_script("return document.documentElement.clientWidth")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= width  # nothing cut off
    labels = until(phone, 10, lambda d: d.execute_script(
        "return [...document.querySelectorAll('[data-testid=attendance-heatmap] .xtick text')]"
        ".map(t => t.textContent)"))
    # "19:05", or "30 Nov 23:55" when the slots shown cross midnight (a run just after 00:00)
    assert all(re.fullmatch(r"(\d\d [A-Z][a-z]{2} )?\d\d:\d\d", label) for label in labels), labels
    screenshot(phone, "attendance-phone", "attendance-panel")
    phone.get(f"{app_url}/dashboard")
    wait_testid(phone, "sales-week-chart")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= width
    screenshot(phone, "sales-week-phone", "sales-week-busiest")
