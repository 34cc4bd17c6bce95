"""A wallet pass at a door with no network (issue 17), on the shared server: the scanner cached its manifest,
loses the network, and the pass's static code typed (as a keyboard-wedge scanner types it) is admitted by the
scanner's own check; a forged one is refused; back online, the admission is uploaded and the server keeps it.

The shared server made its secret key itself: the test finds it in the server's data folder (the key whose
event key is the manifest's) and plays the server making the pass's code, as a pass would carry it."""

from __future__ import annotations

import httpx
import pytest
from selenium.webdriver.common.by import By

from eventflow.domain.door_keys import DoorKeys
from tests.browser.conftest import screenshot
from tests.browser.test_checkout_flow import until
from tests.browser.test_door import hide_result, make_event, network, open_scanner, type_code, wait_result

pytestmark = pytest.mark.browser


def server_keys(tmp_path_factory: pytest.TempPathFactory, event_id: str, public_key: str) -> DoorKeys:
    """The shared server's door keys: the secret key file in its data folder whose key the manifest shows."""
    for path in sorted(tmp_path_factory.getbasetemp().glob("*/secret_key")):
        keys = DoorKeys(path.read_text().strip())
        if keys.public_key(event_id) == public_key:
            return keys
    raise AssertionError("the shared server's secret key was not found")


def test_an_offline_scanner_admits_a_wallet_pass_and_refuses_a_forged_one(  # type: ignore[no-untyped-def]
        app_url: str, browser, tmp_path_factory: pytest.TempPathFactory) -> None:
    event = make_event(app_url, capacities=(10,))
    with httpx.Client(base_url=f"{app_url}/api/v1", timeout=10) as api:
        held = api.post(f"/events/{event['id']}/reservations", json={
            "lines": [{"tier_id": event["tiers"][0]["id"], "quantity": 1}],
            "buyer": {"email": "ann@example.com", "name": "Ann Buyer"}}).json()
        api.post(f"/reservations/{held['id']}/checkout")
        [ticket] = api.post(f"/demo-payments/{held['id']}/pay").json()["tickets"]
        staff = api.post(f"/events/{event['id']}/staff", json={"label": "Gate"},
                         headers={"Authorization": f"Bearer {event['organizer_token']}"}).json()
        staff_auth = {"Authorization": f"Bearer {staff['token']}"}
        manifest = api.get(f"/events/{event['id']}/checkin/manifest", headers=staff_auth).json()
    keys = server_keys(tmp_path_factory, event["id"], manifest["public_key"])
    pass_code = f"EFP.{ticket['ticket_id']}.{keys.sign_pass(event['id'], ticket['ticket_id'])}"
    forged = f"EFP.{ticket['ticket_id']}.{DoorKeys('not the server').sign_pass(event['id'], ticket['ticket_id'])}"

    scanner = open_scanner(browser, f"{app_url}/scan/{event['id']}#staff={staff['token']}")  # manifest cached
    network(scanner, online=False)
    until(scanner, 10, lambda d: "Offline" in d.find_element(By.CSS_SELECTOR, '[data-testid="network"]').text)
    type_code(scanner, forged)
    wait_result(scanner, "invalid", offline=True)
    hide_result(scanner)
    type_code(scanner, pass_code)
    wait_result(scanner, "admitted", offline=True)
    assert "Ann Buyer" in scanner.find_element(By.CSS_SELECTOR, '[data-testid="result"]').text
    screenshot(scanner, "wallet-pass-offline-door-phone")
    network(scanner, online=True)  # the queued admission goes up and the server keeps it
    until(scanner, 20, lambda d: httpx.get(f"{app_url}/api/v1/events/{event['id']}/checkin/manifest",
                                           headers=staff_auth).json()["tickets"][0].get("checked_in_at"))
