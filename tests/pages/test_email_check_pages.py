"""The email check in the pages and the API (NiceGUI's simulated user, in-process): a new organizer
prepares a draft, is told to confirm their email, cannot publish (page message; API 409
`email_not_verified`), asks for a new link, opens it, and then publishes."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from eventflow.app.demo_data import DEMO_EMAIL, DEMO_PASSWORD
from tests.app.test_first_run import seeded
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend


def mailed_token(site: Site, email: str) -> str:
    rows = site.store.due_outbox_messages(site.clock.now(), 100)
    texts = [m.mail.text for m in rows if m.mail.to == email and m.key.startswith("verify-email:")]
    [link] = re.findall(r"\S+/verify-email\?\S+", texts[-1])
    return parse_qs(urlsplit(link).query)["token"][0]


@pytest.mark.anyio
async def test_an_organizer_confirms_their_email_before_publishing(site: Site) -> None:
    checks = site.services.email_checks
    assert checks is not None
    checks.required = True  # as on a server that sends mail (Settings.requires_email_verification)
    site.services.catalog.publish_check = checks.require_verified
    user, api = site.user, site.user.http_client
    signup = await api.post("/api/v1/auth/signup", json={
        "email": "nell@example.com", "password": test_pages_user.PASSWORD, "name": "Nell"})
    auth = {"Authorization": f"Bearer {signup.json()['token']}"}
    organizer = site.services.accounts.organizer(signup.json()["organizer_id"])
    event, _ = site.event(organizer, [{"name": "Door", "price_minor": 0, "capacity": 20}], publish=False)
    refused = await api.post(f"/api/v1/events/{event.id}/publish", headers=auth)
    assert refused.status_code == 409 and refused.json()["error"] == "email_not_verified"

    await test_pages_user.log_in(site, organizer)
    await user.open(f"/dashboard/events/{event.id}/edit")
    await user.should_see("Confirm your email to publish")
    by_testid(user, "publish").click()
    await user.should_see("Confirm your email address before publishing")
    by_testid(user, "email-check-resend").click()
    await user.should_see("A new link is on its way to nell@example.com")
    await user.open("/account")
    await user.should_see("Confirm your email to publish")

    await user.open("/verify-email?token=org_x.9999999999.forged")
    await user.should_see("This confirmation link has expired or is not for this account")
    await user.open(f"/verify-email?token={mailed_token(site, organizer.email)}")
    await user.should_see("nell@example.com is confirmed")
    await user.open(f"/dashboard/events/{event.id}/edit")
    await user.should_see("only you can see it")  # the draft's badge: the page is up
    await user.should_not_see("Confirm your email to publish")
    by_testid(user, "publish").click()
    await user.should_see("published on its public page")
    assert (await api.post(f"/api/v1/events/{event.id}/publish", headers=auth)).status_code == 200


def test_the_demo_organizer_publishes_where_the_check_is_required(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    services, _ = seeded(tmp_path, caplog, host="127.0.0.1", email_verification=True)
    [event] = services.catalog.store.list_events(services.accounts.authenticate(DEMO_EMAIL, DEMO_PASSWORD).id)
    assert event.status == "published"  # the demo organizer counts as verified
