"""Forgot password, end to end in the pages (NiceGUI's simulated user): the login page links to it,
asking answers the same for any email, the mailed link sets a new password once, and a used or
made-up link says so instead of offering the form."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from eventflow.domain.errors import Unauthorized
from tests.pages import test_pages_user
from tests.pages.test_pages_user import PASSWORD, Site, by_testid

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio
NEW = "a brand new password"


def mailed_token(site: Site, email: str) -> str:
    """The token in the newest reset mail to `email` (read back from the outbox of the real store)."""
    rows = site.store.due_outbox_messages(site.clock.now(), 100)
    [text] = [m.mail.text for m in rows if m.mail.to == email and m.key.startswith("password-reset:")]
    [link] = re.findall(r"\S+/reset-password\?\S+", text)
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_a_forgotten_password_is_replaced_through_the_mailed_link(site: Site) -> None:
    organizer = site.organizer()
    user = site.user
    await user.open("/login")
    await user.should_see("Forgot your password?")
    for email in ("nobody@example.com", organizer.email):
        await user.open("/forgot-password")
        by_testid(user, "forgot-email").type(email)
        by_testid(user, "forgot-submit").click()
        await user.should_see("If an organizer account uses this email")  # the same words either way

    token = mailed_token(site, organizer.email)
    await user.open(f"/reset-password?token={token}")
    by_testid(user, "reset-password").type("short")
    by_testid(user, "reset-submit").click()
    await user.should_see("at least 8 characters")
    by_testid(user, "reset-password").clear().type(NEW)
    by_testid(user, "reset-submit").click()
    await user.should_see("Your password is changed")
    site.services.accounts.authenticate(organizer.email, NEW)
    with pytest.raises(Unauthorized):
        site.services.accounts.authenticate(organizer.email, PASSWORD)

    await user.open(f"/reset-password?token={token}")  # used: no form any more
    await user.should_see("This link has expired or was used already.")
    await user.should_not_see("Save the new password")
    await user.open("/reset-password?token=org_x.9999999999.forged")
    await user.should_see("This link has expired or was used already.")


async def test_the_account_page_changes_the_password_by_mail_link(site: Site) -> None:
    organizer = site.organizer()
    await test_pages_user.log_in(site, organizer)
    await site.user.open("/account")
    by_testid(site.user, "change-password").click()
    await site.user.should_see(f"A link to choose a new password is on its way to {organizer.email}")
    token = mailed_token(site, organizer.email)
    await site.user.open(f"/reset-password?token={token}")
    by_testid(site.user, "reset-password").type(NEW)
    by_testid(site.user, "reset-submit").click()
    await site.user.should_see("Your password is changed")
    site.services.accounts.authenticate(organizer.email, NEW)
