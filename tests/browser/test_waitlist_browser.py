"""The waitlist in real browsers (issue 13): a sold-out tier, a phone joins its waitlist while another
window holds the last ticket (and watches "People waiting: 1" arrive live); the hold runs out (15 s, long
enough for the phone to join; the reaper every half second), the ticket goes to the waitlist, not the
public, and the claim link in the mail (the .eml the FileMailer writes) buys it."""

from __future__ import annotations

import email
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_checkout_flow import by_testid, fill, until, wait_testid
from tests.browser.test_live_event_page import make_event
from tests.server import running_app

pytestmark = pytest.mark.browser


def offer_mail(mail_dir: Path, timeout: float = 40) -> str:
    """The text of the first waitlist offer mail, once the outbox wrote it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(mail_dir.glob("waitlist-offer*.eml")) if mail_dir.exists() else []
        if found:
            message = email.message_from_bytes(found[0].read_bytes())
            part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
        time.sleep(0.1)
    raise AssertionError("no waitlist offer mail was written")


def test_a_hold_that_runs_out_goes_to_the_waitlist_and_the_mail_link_buys_it(tmp_path: Path, browser) -> None:  # type: ignore[no-untyped-def]
    with running_app(tmp_path, EVENTFLOW_HOLD_MINUTES="0.25", EVENTFLOW_REAPER_INTERVAL_SECONDS="0.5",
                     EVENTFLOW_OUTBOX_INTERVAL_SECONDS="0.5") as url:
        event = make_event(url, capacities=(5, 1))
        tier = event["tiers"][1]  # Standing: free, one ticket
        desktop = browser(DESKTOP)
        desktop.get(f"{url}/e/{event['slug']}")
        wait_testid(desktop, f"plus-{tier['id']}").click()
        fill(desktop, "buyer-name", "Holding Hal")
        fill(desktop, "buyer-email", "hal@example.com")
        by_testid(desktop, "reserve").click()
        until(desktop, 10, lambda d: "/checkout/" in d.current_url)
        desktop.get(f"{url}/e/{event['slug']}")  # back on the event page: it shows the queue live
        wait_testid(desktop, f"waitlist-open-{tier['id']}")

        phone = browser(PHONE)
        phone.get(f"{url}/e/{event['slug']}")
        wait_testid(phone, f"waitlist-open-{tier['id']}").click()
        fill(phone, f"waitlist-email-{tier['id']}", "wanda@example.com")
        fill(phone, f"waitlist-name-{tier['id']}", "Waiting Wanda")
        screenshot(phone, "waitlist-join-phone")
        by_testid(phone, f"waitlist-join-{tier['id']}").click()
        until(phone, 10, lambda d: "/waitlist/" in d.current_url or by_testid(d, f"waitlist-problem-{tier['id']}").text)
        assert "/waitlist/" in phone.current_url, by_testid(phone, f"waitlist-problem-{tier['id']}").text
        assert "number 1" in wait_testid(phone, "waitlist-status").text
        until(desktop, 10, lambda d: by_testid(d, f"waiting-{tier['id']}").text == "People waiting: 1")
        screenshot(phone, "waitlist-place-phone")

        text = offer_mail(tmp_path / "mail")  # the hold ran out: the ticket was offered to Wanda
        assert httpx.get(f"{url}/api/v1/events/{event['id']}").json()["tiers"][1]["available"] == 0
        claim = re.search(r"https?://\S+/checkout/res_[\w-]+", text)
        assert claim is not None, text
        phone.get(claim.group(0))
        assert "free" in wait_testid(phone, "pay").text.lower()
        by_testid(phone, "pay").click()
        wait_testid(phone, "order-confirmed")
        phone.get(re.search(r"https?://\S+/waitlist/\S+", text).group(0))  # type: ignore[union-attr]
        until(phone, 10, lambda d: "claimed" in by_testid(d, "waitlist-status").text)
        tiers = httpx.get(f"{url}/api/v1/events/{event['id']}").json()["tiers"]
        assert (tiers[1]["available"], tiers[1]["capacity"]) == (0, 1)
