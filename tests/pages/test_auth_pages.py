"""Logging in, in-process (NiceGUI's simulated user, no browser): where a login may lead, limits on
guessing as the page shows them, recovery codes used up, "log out everywhere", and "Log in with
<provider>" against the local OpenID provider (tests/oidc_provider.py), including an account
that already exists with the provider's email."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyotp
import pytest
from nicegui import app as nicegui_app
from nicegui.storage import Storage

from eventflow.app.wiring import build_services
from eventflow.config import Settings
from eventflow.domain.accounts import Accounts
from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import Unauthorized
from eventflow.domain.models import Organizer
from eventflow.pages.components.session import safe_next
from tests.conftest import FAST_HASHER
from tests.oidc_provider import OidcProvider
from tests.pages.test_pages_user import (
    PASSWORD,
    Site,
    anyio_backend,  # noqa: F401  (the fixture the anyio marker uses)
    by_testid,
    element,
    log_in,
    path_now,
    simulated_user,
    site,  # noqa: F401
    until,
)

pytestmark = pytest.mark.anyio
EVIL = ["//evil.example", "/\\evil.example", "/\t/evil.example", "/%2F%2Fevil.example", "https://evil.example"]


async def password_login(where: Site, email: str, password: str = PASSWORD, code: str | None = None,
                         next_path: str | None = None) -> None:
    user = where.user
    await user.open("/login" + (f"?next={httpx.QueryParams({'next': next_path})['next']}" if next_path else ""))
    by_testid(user, "login-email").type(email)
    by_testid(user, "login-password").type(password)
    if code is not None:
        by_testid(user, "login-code").type(code)
    by_testid(user, "login-submit").click()


# ------------------------------------------------------------------ where a login leads
@pytest.mark.parametrize("evil", EVIL)
async def test_a_password_login_never_leaves_the_site(site: Site, evil: str) -> None:  # noqa: F811
    organizer = site.organizer()
    user = site.user
    await user.open(f"/login?{httpx.QueryParams({'next': evil})}")
    by_testid(user, "login-email").type(organizer.email)
    by_testid(user, "login-password").type(PASSWORD)
    by_testid(user, "login-submit").click()
    await until(lambda: path_now(user) == "/dashboard")
    assert not any("evil" in visited for visited in user.back_history if not visited.startswith("/login?"))


async def test_a_login_link_sent_to_someone_else_does_not_log_them_in(site: Site) -> None:  # noqa: F811
    """/login/done works only for the browser that logged in, and only once."""
    organizer = site.organizer()
    await password_login(site, organizer.email)
    await until(lambda: path_now(site.user) == "/dashboard")
    done = next(path for path in site.user.back_history if path.startswith("/login/done"))
    async with httpx.AsyncClient(transport=site.user.http_client._transport, base_url="http://test") as other:
        page = await other.get(done)
        assert page.status_code == 200
        assert (await other.get("/account")).status_code == 303  # not logged in by the link


def test_safe_next_reads_targets_as_a_browser_does() -> None:
    for evil in [*EVIL, "\\\\evil", "/%5Cevil", "/%252F%252Fevil", "javascript:alert(1)", " //evil", "/\u3000/x", "",
                 None, "/" + "a" * 3000]:
        assert safe_next(evil) == "/dashboard", evil
    for good in ["/account", "/e/lantern-market?tier=1", "/dashboard/events/evt_1/edit", "/e/caf%C3%A9"]:
        assert safe_next(good) == good


# ------------------------------------------------------------------ guessing, codes
async def test_the_page_says_so_when_too_many_passwords_were_wrong(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    user = site.user
    await user.open("/login")
    by_testid(user, "login-email").type(organizer.email)
    for n in range(5):
        by_testid(user, "login-password").clear().type(f"guess {n}")
        by_testid(user, "login-submit").click()
        await until(lambda: element(user, "login-error").text == "Wrong email or password")
        element(user, "login-error").text = ""
    by_testid(user, "login-password").clear().type(PASSWORD)
    by_testid(user, "login-submit").click()
    await until(lambda: "Too many failed attempts" in element(user, "login-error").text)
    assert "try again in 1 minute" in element(user, "login-error").text
    assert path_now(user) == "/login"


async def test_a_recovery_code_works_once(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    secret = Accounts.new_totp_secret()
    codes = site.services.accounts.enable_totp(organizer.id, secret, pyotp.TOTP(secret).at(site.clock.now()))
    await password_login(site, organizer.email, code=codes[3])
    await until(lambda: path_now(site.user) == "/dashboard")
    stored = site.store.get_organizer(organizer.id)
    assert stored is not None and len(stored.recovery_code_hashes) == 9
    assert (await site.user.http_client.post("/logout")).status_code == 303

    await password_login(site, organizer.email, code=codes[3])
    await until(lambda: "code is not right" in element(site.user, "login-error").text)
    assert path_now(site.user).startswith("/login")


async def test_a_totp_code_is_refused_the_second_time(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    secret = Accounts.new_totp_secret()
    totp = pyotp.TOTP(secret)
    accounts = site.services.accounts
    accounts.enable_totp(organizer.id, secret, totp.at(site.clock.now()))
    site.clock.advance(seconds=30)
    code = totp.at(site.clock.now())
    assert accounts.authenticate(organizer.email, PASSWORD, code).id == organizer.id
    with pytest.raises(Unauthorized, match="code is not right"):
        accounts.authenticate(organizer.email, PASSWORD, code)
    site.clock.advance(seconds=30)  # the next code is fine
    assert accounts.authenticate(organizer.email, PASSWORD, totp.at(site.clock.now())).id == organizer.id


# ------------------------------------------------------------------ log out everywhere
async def test_log_out_everywhere_ends_other_sessions_and_tokens_and_keeps_this_one(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    services = site.services
    api_token = services.tokens.organizer_token(organizer)
    other_browser = services.tokens.session_token(organizer)
    await log_in(site, organizer)
    user = site.user
    await user.open("/account")
    by_testid(user, "logout-everywhere").click()
    await user.should_see("Logged out everywhere else")
    for token, kind in ((api_token, "organizer"), (other_browser, "session")):
        with pytest.raises(Unauthorized):
            services.organizer_for_token(token, kind)
    await user.open("/account")
    await user.should_see("Your account")  # this browser goes on


async def test_a_session_ends_when_another_device_logs_out_everywhere(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    await log_in(site, organizer)
    site.services.accounts.log_out_everywhere(organizer.id)
    assert (await site.user.http_client.get("/account")).status_code == 303
    await site.user.open("/account")
    await site.user.should_see("Organizer login")


# ------------------------------------------------------------------ Log in with <provider>
@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with OidcProvider(client_id="eventflow-pages") as running:
        yield running


@pytest.fixture
async def oidc_site(
    provider: OidcProvider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Site]:
    """The `site` of test_pages_user, with "Log in with Test IdP" configured."""
    monkeypatch.setenv("NICEGUI_USER_SIMULATION", "true")
    monkeypatch.setattr(Storage, "path", tmp_path / "nicegui")
    monkeypatch.setattr(nicegui_app, "storage", Storage())
    modules = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "eventflow"}
    clock = ManualClock(datetime.now(UTC))  # the provider's ID tokens carry real times
    (tmp_path / "data").mkdir()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", secret_key="pages-oidc", demo_data=False,
        reaper_interval_seconds=3600, base_url="http://test", oidc_issuer=provider.issuer,
        oidc_client_id=provider.client_id, oidc_client_secret=provider.client_secret,
        oidc_provider_name="Test IdP",
    )
    services = build_services(settings, clock)
    services.ticketing.accounts = Accounts(services.ticketing.store, clock, FAST_HASHER, secret_key="pages-oidc")
    try:
        async with simulated_user(services) as user:
            yield Site(user, services, clock)
    finally:
        sys.modules.update(modules)
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def idp_login(where: Site, next_path: str = "/account") -> str:
    """Through the provider and back over HTTP; where the callback sends the browser."""
    client = where.user.http_client
    start = await client.get("/auth/oidc/login", params={"next": next_path})
    assert start.status_code == 302
    back = httpx.get(start.headers["location"])
    assert back.status_code == 302 and back.headers["location"].startswith("http://test/auth/oidc/callback?")
    callback = await client.get(back.headers["location"].removeprefix("http://test"))
    assert callback.status_code == 303
    return str(callback.headers["location"])


async def test_a_first_idp_login_makes_an_account_and_logs_in(oidc_site: Site, provider: OidcProvider) -> None:
    assert await idp_login(oidc_site, "/account") == "/account"
    await oidc_site.user.open("/account")
    await oidc_site.user.should_see("Ada IdP · ada@idp.example")
    organizer = oidc_site.store.find_organizer_by_identity(f"{provider.issuer}|idp-user-1")
    assert organizer is not None and organizer.password_hash == "!external"
    assert [r.path for r in provider.recorded("/token")] == ["/token"]


async def test_the_idp_cannot_take_over_a_password_account_with_the_same_email(
    oidc_site: Site, provider: OidcProvider
) -> None:
    existing = oidc_site.organizer("Ada Password")  # ada@example.com
    provider.user = {"sub": "idp-ada", "email": existing.email, "email_verified": True, "name": "Ada"}
    assert await idp_login(oidc_site, "/account") == "/auth/oidc/confirm"
    assert (await oidc_site.user.http_client.get("/account")).status_code == 303  # not logged in
    assert oidc_site.store.find_organizer_by_identity(f"{provider.issuer}|idp-ada") is None

    user = oidc_site.user
    await user.open("/auth/oidc/confirm")
    await user.should_see(f"Confirm it is you, {existing.email}")
    by_testid(user, "confirm-password").type("not the password")
    by_testid(user, "confirm-submit").click()
    await until(lambda: element(user, "confirm-error").text == "Wrong email or password")
    by_testid(user, "confirm-password").clear().type(PASSWORD)
    by_testid(user, "confirm-submit").click()
    await until(lambda: path_now(user) == "/account")
    await user.should_see(f"Ada Password · {existing.email}")
    linked = oidc_site.store.find_organizer_by_identity(f"{provider.issuer}|idp-ada")
    assert linked is not None and linked.id == existing.id

    # Linked now: the next login through the provider goes straight in.
    assert (await user.http_client.post("/logout")).status_code == 303
    assert await idp_login(oidc_site, "/account") == "/account"


async def test_an_account_with_two_factor_asks_for_its_code_after_the_idp(
    oidc_site: Site, provider: OidcProvider
) -> None:
    assert await idp_login(oidc_site) == "/account"
    organizer = oidc_site.store.find_organizer_by_identity(f"{provider.issuer}|idp-user-1")
    assert isinstance(organizer, Organizer)
    secret = Accounts.new_totp_secret()
    totp = pyotp.TOTP(secret)
    oidc_site.services.accounts.enable_totp(organizer.id, secret, totp.at(oidc_site.clock.now()))
    assert (await oidc_site.user.http_client.post("/logout")).status_code == 303

    assert await idp_login(oidc_site, "/account") == "/auth/oidc/confirm"
    user = oidc_site.user
    await user.open("/auth/oidc/confirm")
    assert not element(user, "confirm-password").visible and element(user, "confirm-code").visible
    by_testid(user, "confirm-code").type("000000" if totp.at(oidc_site.clock.now()) != "000000" else "111111")
    by_testid(user, "confirm-submit").click()
    await until(lambda: "code is not right" in element(user, "confirm-error").text)
    by_testid(user, "confirm-code").clear().type(totp.at(oidc_site.clock.now()))
    by_testid(user, "confirm-submit").click()
    await until(lambda: path_now(user) == "/account")
    await user.should_see("Two-factor login")
