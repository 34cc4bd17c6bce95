"""The door in real browsers: camera scans, offline admissions, an offline reload, sync,
two offline devices admitting one ticket, a revoked device, and the wallet offline.

Codes are signed (EF2): the scanner verifies them offline with chromium's WebCrypto Ed25519 and
the event's public key; a forged code is refused there too. The server runs with a known secret
key so a test can check what the wallet shows hours ahead (DoorKeys derives the same keys)."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from selenium.webdriver.common.by import By

from eventflow.domain.codes import step_of
from eventflow.domain.door_keys import DoorKeys
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.fake_camera import write_qr_video
from tests.browser.test_checkout_flow import by_testid, fill, until, wait_testid
from tests.server import free_port, running_app

pytestmark = pytest.mark.browser
OFFLINE = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
ONLINE = {**OFFLINE, "offline": False}
SECRET_KEY = "browser door " + secrets.token_hex(8)


def make_event(api_url: str, capacities: tuple[int, ...]) -> dict:
    """A published event starting in an hour (its door is open, so offline scans made now count)."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    with httpx.Client(base_url=f"{api_url}/api/v1", timeout=10) as api:
        email = f"door-{secrets.token_hex(4)}@example.com"
        signup = {"email": email, "password": "long enough", "name": "Door"}
        token = api.post("/auth/signup", json=signup).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        event = api.post("/events", headers=auth, json={
            "title": "Rooftop Cinema", "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(), "timezone": "Europe/London", "venue": "Roof 5",
            "currency": "GBP", "fee_mode": "buyer_pays",
        }).json()
        for capacity in capacities:
            api.post(f"/events/{event['id']}/tiers", headers=auth,
                     json={"name": "Deckchair", "price_minor": 1500, "capacity": capacity, "max_per_order": 10})
        api.post(f"/events/{event['id']}/publish", headers=auth)
        return {**api.get(f"/events/{event['id']}").json(), "organizer_token": token, "organizer_email": email}


class Door:
    """An app with one event, paid tickets, an organizer token and helpers to restart it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._app: AbstractContextManager[str] | None = None

    def start(self) -> None:
        app = running_app(self.data_dir, port=self.port, EVENTFLOW_BASE_URL=self.url,
                          EVENTFLOW_SECRET_KEY=SECRET_KEY)
        app.__enter__()
        self._app = app

    def stop(self) -> None:
        if self._app is not None:
            self._app.__exit__(None, None, None)
            self._app = None

    def api(self, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.request(method, f"{self.url}/api/v1{path}", headers=headers, timeout=10, **kwargs)

    def setup_event(self, tickets: int) -> None:
        self.event = make_event(self.url, capacities=(40,))
        self.organizer = self.event["organizer_token"]
        reservation = self.api("POST", f"/events/{self.event['id']}/reservations", json={
            "lines": [{"tier_id": self.event["tiers"][0]["id"], "quantity": tickets}],
            "buyer": {"email": "door@example.com", "name": "Dora Door"}}).json()
        self.api("POST", f"/reservations/{reservation['id']}/checkout")
        self.tickets = self.api("POST", f"/demo-payments/{reservation['id']}/pay").json()["tickets"]

    def staff_link(self, label: str) -> dict:
        return self.api("POST", f"/events/{self.event['id']}/staff", self.organizer, json={"label": label}).json()

    def payload(self, n: int) -> str:
        ticket = self.tickets[n]
        return self.api("GET", f"/tickets/{ticket['ticket_id']}", params={"key": ticket["key"]}).json()["qr_payload"]

    def checked_in(self, staff_token: str) -> dict[str, str | None]:
        manifest = self.api("GET", f"/events/{self.event['id']}/checkin/manifest", staff_token).json()
        return {t["id"]: t.get("checked_in_at") for t in manifest["tickets"]}


@pytest.fixture
def door(tmp_path: Path) -> Iterator[Door]:
    app = Door(tmp_path / "door")
    app.start()
    try:
        yield app
    finally:
        app.stop()


def result(driver) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    box = driver.find_element(By.CSS_SELECTOR, '[data-testid="result"]')
    return box.get_attribute("data-result"), box.get_attribute("data-offline")


def type_code(driver, payload: str) -> None:  # type: ignore[no-untyped-def]
    field = driver.find_element(By.CSS_SELECTOR, '[data-testid="manual-code"]')
    field.send_keys(payload + "\n")  # what a USB keyboard-wedge scanner types


def wait_result(driver, expected: str, offline: bool | None = None, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    try:
        until(driver, timeout, lambda d: result(d)[0] == expected and (
            offline is None or result(d)[1] == str(offline).lower()))
    except Exception:
        state = driver.execute_script(
            "const s = window.eventflowScanner; return {result: document.querySelector('[data-testid=result]')"
            ".dataset.result, online: s && s.online, last: s && s.lastCode, camera: s && s.cameraStats, "
            "video: [s.el.video.readyState, s.el.video.videoWidth, s.el.video.paused, s.el.video.currentTime], "
            "text: document.body.innerText};")
        try:
            logs = driver.get_log("browser")[-8:]
        except Exception:
            logs = []
        raise AssertionError(f"expected {expected} (offline={offline}), scanner state: {state}, console: {logs}") \
            from None


def hide_result(driver) -> None:  # type: ignore[no-untyped-def]
    driver.execute_script("document.querySelector('[data-testid=result]').hidden = true;"
                          "document.querySelector('[data-testid=result]').dataset.result = '';")


def network(driver, online: bool) -> None:  # type: ignore[no-untyped-def]
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", ONLINE if online else OFFLINE)


def queued(driver) -> int:  # type: ignore[no-untyped-def]
    return int(driver.find_element(By.CSS_SELECTOR, '[data-testid="queue"]').get_attribute("data-count") or 0)


def install_service_worker(driver, base_url: str) -> None:  # type: ignore[no-untyped-def]
    """Register the service worker from a plain page first, so the scanner's first load is already
    controlled (and the camera sees the ticket exactly once)."""
    driver.get(f"{base_url}/door/door.css")  # a page whose CSP allows workers (the API's allows nothing)
    driver.execute_script("navigator.serviceWorker.register('/door-sw.js', {scope: '/'})")
    until(driver, 15, lambda d: d.execute_script(
        "return navigator.serviceWorker.getRegistration('/').then(r => !!(r && r.active))"))


def open_scanner(browser, link: str, camera: Path | None = None):  # type: ignore[no-untyped-def]
    driver = browser(PHONE, camera=camera)
    install_service_worker(driver, link.split("/scan/")[0])
    driver.get(link)
    until(driver, 10, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))
    until(driver, 10, lambda d: "checked in" in d.find_element(By.CSS_SELECTOR, '[data-testid="counts"]').text)
    return driver


def test_scanner_camera_offline_reload_and_sync(door: Door, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    door.setup_event(tickets=4)
    staff = door.staff_link("Main door")
    filmed = door.payload(0)
    camera = write_qr_video(filmed, tmp_path / "ticket0.y4m")
    scanner = open_scanner(browser, staff["link"], camera=camera)

    # 1. The camera films ticket 0: admitted by the server.
    wait_result(scanner, "admitted", offline=False, timeout=10)
    screenshot(scanner, "scanner-admitted-phone")
    hide_result(scanner)
    # Ticket 0 stays in front of the camera: read once, not again while it stays in view.
    handled_at = scanner.execute_script("return window.eventflowScanner.lastCode.at")
    # Wait until the camera has read it again later than the 3 s after which an absent code counts
    # as new (scanner.js CAMERA_GONE_MS): only then does "not handled again" prove anything.
    until(scanner, 15, lambda d: d.execute_script(
        "return Math.max(0, ...window.eventflowScanner.inView.values()) > arguments[0] + 3500", handled_at))
    assert scanner.execute_script("return window.eventflowScanner.lastCode.at") == handled_at
    assert scanner.execute_script("return window.eventflowScanner.inView.size") == 1  # still filming it
    assert result(scanner)[0] == ""  # nothing shown over the (hidden) result
    # 2. The same code again (typed, as a keyboard-wedge scanner does) is refused, saying when.
    type_code(scanner, door.payload(0))
    # Refused either way: by the server, or (if the server is slow to answer on a loaded machine)
    # by the device, which remembered the server's admission.
    wait_result(scanner, "already_checked_in")
    assert "at " in scanner.find_element(By.CSS_SELECTOR, '[data-testid="result"]').text
    hide_result(scanner)

    # 3. Network gone: ticket 1 is admitted locally, fast, and queued.
    later = {n: door.payload(n) for n in (1, 2)}  # codes stay valid for at least 30 s
    network(scanner, online=False)
    until(scanner, 10, lambda d: "Offline" in d.find_element(By.CSS_SELECTOR, '[data-testid="network"]').text)
    type_code(scanner, later[1])
    wait_result(scanner, "admitted", offline=True)
    validation_ms = float(scanner.find_element(By.CSS_SELECTOR, "[data-last-validation-ms]")
                          .get_attribute("data-last-validation-ms"))
    # Decided on the device, not after a network wait. The < 50 ms target is measured on a quiet machine by
    # benchmarks/bench_door.py; here a loaded CI core only has to show no round trip was waited for.
    assert validation_ms < 500, f"offline validation took {validation_ms} ms"
    assert queued(scanner) == 1
    hide_result(scanner)
    # A code made by anyone but the server (here: a random signature) is refused offline too.
    forged = later[2].rsplit(".", 1)[0] + "." + base64.urlsafe_b64encode(os.urandom(64)).rstrip(b"=").decode()
    type_code(scanner, forged)
    wait_result(scanner, "invalid", offline=True)
    assert queued(scanner) == 1
    screenshot(scanner, "scanner-offline-phone")
    hide_result(scanner)

    # 4. The server is unreachable too and the device reloads: the offline copy still scans. Its
    #    camera, still filming ticket 0, reads it once on start; let that pass before typing.
    door.stop()
    scanner.refresh()
    until(scanner, 10, lambda d: "(offline)" in d.title)
    until(scanner, 10, lambda d: "checked in" in d.find_element(By.CSS_SELECTOR, '[data-testid="counts"]').text)
    until(scanner, 15, lambda d: d.execute_script("return window.eventflowScanner.lastCode.text") == filmed)
    hide_result(scanner)
    type_code(scanner, later[1])
    wait_result(scanner, "already_checked_in", offline=True)  # remembered across the reload
    hide_result(scanner)
    type_code(scanner, later[2])
    wait_result(scanner, "admitted", offline=True)
    assert queued(scanner) == 2

    # 5. Back online: the queue uploads itself and the server knows both admissions.
    door.start()
    network(scanner, online=True)
    until(scanner, 20, lambda d: queued(d) == 0)
    checked = door.checked_in(staff["token"])
    ids = [t["ticket_id"] for t in door.tickets]
    assert [checked[i] is not None for i in ids] == [True, True, True, False]


def test_two_offline_devices_admit_one_ticket_and_the_organizer_sees_it(door: Door, browser) -> None:  # type: ignore[no-untyped-def]
    door.setup_event(tickets=2)
    front, back = door.staff_link("Front door"), door.staff_link("Back door")
    devices = [open_scanner(browser, front["link"]), open_scanner(browser, back["link"])]
    code = door.payload(1)
    for device in devices:
        network(device, online=False)
        until(device, 10, lambda d: "Offline" in d.find_element(By.CSS_SELECTOR, '[data-testid="network"]').text)
        type_code(device, code)
        wait_result(device, "admitted", offline=True)
    for device in devices:
        network(device, online=True)
        until(device, 20, lambda d: queued(d) == 0)
    doubles = door.api("GET", f"/events/{door.event['id']}/checkin/double-admissions", door.organizer).json()
    assert len(doubles) == 1
    assert doubles[0]["ticket_id"] == door.tickets[1]["ticket_id"]
    recorded = sorted([doubles[0]["first"]["device_id"], doubles[0]["second"]["device_id"]])
    ids = [device.execute_script("return window.eventflowScanner.deviceId") for device in devices]
    assert recorded == sorted([f"Front door · {ids[0]}", f"Back door · {ids[1]}"])

    # The organizer's dashboard lists it under "Admitted twice", with both devices.
    organizer = browser(DESKTOP)
    organizer.get(f"{door.url}/login?next=/dashboard/events/{door.event['id']}")
    wait_testid(organizer, "login-email")
    fill(organizer, "login-email", door.event["organizer_email"])
    fill(organizer, "login-password", "long enough")
    by_testid(organizer, "login-submit").click()
    twice = until(organizer, 10, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="admitted-twice"]').text)
    assert "Dora Door" in twice and "Front door" in twice and "Back door" in twice
    screenshot(organizer, "door-panel-desktop", "door-panel")


def test_revoked_device_is_told_and_its_sync_refused(door: Door, browser) -> None:  # type: ignore[no-untyped-def]
    door.setup_event(tickets=1)
    staff = door.staff_link("Temp helper")
    scanner = open_scanner(browser, staff["link"])
    network(scanner, online=False)
    until(scanner, 10, lambda d: "Offline" in d.find_element(By.CSS_SELECTOR, '[data-testid="network"]').text)
    type_code(scanner, door.payload(0))
    wait_result(scanner, "admitted", offline=True)
    revoked = door.api("DELETE", f"/events/{door.event['id']}/staff/{staff['staff_id']}", door.organizer)
    assert revoked.status_code == 200
    network(scanner, online=True)
    until(scanner, 20, lambda d: "revoked" in d.find_element(By.CSS_SELECTOR, '[data-testid="banner"]').text)
    assert queued(scanner) == 1  # kept on the device, not silently dropped
    assert door.api("GET", "/staff/me", staff["token"]).status_code == 401


def test_wallet_offline_shows_a_code_the_door_accepts(door: Door, browser) -> None:  # type: ignore[no-untyped-def]
    door.setup_event(tickets=1)
    staff = door.staff_link("Door")
    ticket = door.tickets[0]
    phone = browser(PHONE)
    install_service_worker(phone, door.url)
    phone.get(ticket["url"])
    until(phone, 10, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))
    until(phone, 10, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="qr"]').get_attribute("data-payload"))
    screenshot(phone, "wallet-phone")
    network(phone, online=False)
    door.stop()
    phone.refresh()
    until(phone, 10, lambda d: "(offline)" in d.title)
    until(phone, 10, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="offline-note"]').is_displayed())
    payload = until(phone, 10, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="qr"]')
                    .get_attribute("data-payload"))
    assert phone.find_element(By.CSS_SELECTOR, '[data-testid="qr"] svg')
    screenshot(phone, "wallet-offline-phone")
    door.start()
    answer = door.api("POST", f"/events/{door.event['id']}/checkin/scan", staff["token"],
                      json={"code": payload, "device_id": "test-door"}).json()
    assert answer["result"] == "admitted"
    assert answer["ticket"]["holder"] == "Dora Door"


def test_wallet_says_when_the_ticket_was_checked_in(door: Door, browser) -> None:  # type: ignore[no-untyped-def]
    door.setup_event(tickets=1)
    staff = door.staff_link("Door")
    ticket = door.tickets[0]
    phone = browser(PHONE)
    phone.get(ticket["url"])
    until(phone, 10, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="qr"]').get_attribute("data-payload"))
    assert not phone.find_element(By.CSS_SELECTOR, '[data-testid="checked-in"]').is_displayed()
    answer = door.api("POST", f"/events/{door.event['id']}/checkin/scan", staff["token"],
                      json={"code": door.payload(0), "device_id": "test-door"}).json()
    assert answer["result"] == "admitted"
    at = datetime.fromisoformat(answer["ticket"]["checked_in_at"]).astimezone(ZoneInfo(door.event["timezone"]))
    phone.refresh()  # the wallet shows it from its next load on
    note = until(phone, 10, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="checked-in"]').text)
    assert note == f"Checked in at {at:%H:%M}"


def test_wallet_offline_still_shows_valid_codes_three_hours_later(door: Door, browser) -> None:  # type: ignore[no-untyped-def]
    """The phone fetched its ticket once, then lost the network: three hours later (its clock
    moved on, the page reloaded offline) it shows the signed code of that moment."""
    door.setup_event(tickets=1)
    ticket = door.tickets[0]
    phone = browser(PHONE)
    install_service_worker(phone, door.url)
    phone.get(ticket["url"])
    until(phone, 10, lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))
    until(phone, 10, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="qr"]').get_attribute("data-payload"))
    network(phone, online=False)
    door.stop()
    later = timedelta(hours=3, minutes=1)
    phone.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
        f"(() => {{ const real = Date.now; Date.now = () => real() + {later.total_seconds() * 1000}; }})();")})
    phone.refresh()
    until(phone, 10, lambda d: "(offline)" in d.title)
    payload = until(phone, 10, lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="qr"]')
                    .get_attribute("data-payload"))
    assert phone.find_element(By.CSS_SELECTOR, '[data-testid="qr"] svg')
    prefix, ticket_id, step, _ = payload.split(".")
    assert (prefix, ticket_id) == ("EF2", ticket["ticket_id"])
    assert abs(int(step) - step_of(datetime.now(UTC) + later)) <= 1
    assert payload == DoorKeys(SECRET_KEY).payload(door.event["id"], ticket_id, int(step))  # the server's signature
