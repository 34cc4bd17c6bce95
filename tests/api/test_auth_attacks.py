"""Attacks on logging in, each run over real HTTP against a running app (with a local OpenID provider).

Password and code guessing hit a limit (429 `rate_limited` with Retry-After); a TOTP code and a
recovery code work once; TOTP secrets are sealed at rest (old plain ones still work and get sealed);
`next=` never leads off the site (whatever the browser tricks); logging out is a POST; a session
cookie planted before a login is not logged in by it; the cookie is Secure under https.

Failures are counted per client address as well: every test speaks as its own client through
`X-Forwarded-For`, which uvicorn honours from 127.0.0.1 (its default `forwarded_allow_ips`)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pyotp
import pytest

from eventflow.domain.accounts import Accounts
from eventflow.domain.clock import SystemClock
from eventflow.domain.totp import SEALED_PREFIX
from eventflow.store.sqlite.store import SqliteStore
from tests.oidc_provider import OidcProvider
from tests.server import free_port, running_app

SECRET_KEY = "auth-attacks-secret-key"
PASSWORD = "correct horse battery"
ADA = {"sub": "idp-attack-1", "email": "ada.attack@idp.example", "email_verified": True, "name": "Ada"}
EVIL_TARGETS = [
    "//evil.example/phish",
    "/\\evil.example/phish",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%09/evil.example",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",
    "/%5Cevil.example",
    "https://evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/ /evil.example",
]


@dataclass
class Site:
    url: str
    data_dir: Path
    provider: OidcProvider


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp("auth-attacks")
    with OidcProvider(client_id="eventflow-attacks") as provider, running_app(
        data_dir, port=port, EVENTFLOW_SECRET_KEY=SECRET_KEY, EVENTFLOW_BASE_URL=url,
        EVENTFLOW_OIDC_ISSUER=provider.issuer, EVENTFLOW_OIDC_CLIENT_ID=provider.client_id,
        EVENTFLOW_OIDC_CLIENT_SECRET=provider.client_secret, EVENTFLOW_OIDC_PROVIDER_NAME="Test IdP",
    ):
        yield Site(url, data_dir, provider)


@pytest.fixture
def store(site: Site) -> Iterator[SqliteStore]:
    """The running app's database, opened from the test (as an operator's script would)."""
    opened = SqliteStore(site.data_dir / "eventflow.db")
    yield opened
    opened.close()


def a_client(site: Site) -> httpx.Client:
    """A client the app sees at an address of its own (see the module doc)."""
    forwarded = f"203.0.113.{secrets.randbelow(250) + 1}"
    return httpx.Client(base_url=site.url, timeout=10, headers={"X-Forwarded-For": forwarded})


def sign_up(client: httpx.Client) -> str:
    email = f"org-{secrets.token_hex(4)}@example.com"
    response = client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": "Org"})
    assert response.status_code == 201, response.text
    return email


def token(client: httpx.Client, email: str, password: str = PASSWORD, totp: str | None = None) -> httpx.Response:
    body = {"email": email, "password": password} | ({"totp": totp} if totp else {})
    return client.post("/api/v1/auth/token", json=body)


def turn_on_two_factor(store: SqliteStore, email: str) -> tuple[pyotp.TOTP, list[str]]:
    accounts = Accounts(store, SystemClock(), secret_key=SECRET_KEY)
    organizer = store.find_organizer_by_email(email)
    assert organizer is not None
    secret = accounts.new_totp_secret()
    codes = accounts.enable_totp(organizer.id, secret, pyotp.TOTP(secret).now())
    return pyotp.TOTP(secret), codes


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["error"] == "rate_limited" and "try again" in body["detail"]
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 3600 and body["retry_after"] == retry_after


# ------------------------------------------------------------------ guessing
def test_password_guessing_on_one_account_is_cut_off(site: Site) -> None:
    with a_client(site) as client:
        email = sign_up(client)
        for n in range(5):
            assert token(client, email, f"guess number {n}").status_code == 401
        # The sixth try is refused before the password is looked at, even the right one,
        assert_rate_limited(token(client, email))
        # from any address: the limit is the account's.
        with a_client(site) as elsewhere:
            assert_rate_limited(token(elsewhere, email))
            other = sign_up(elsewhere)
            assert token(elsewhere, other).status_code == 200  # other accounts are not affected


def test_one_client_guessing_across_many_accounts_is_cut_off(site: Site) -> None:
    with a_client(site) as client:
        email = sign_up(client)
        for n in range(20):  # a password list sprayed over accounts: each account sees one failure
            assert token(client, f"victim-{n}@example.com", "Summer2026!").status_code == 401
        assert_rate_limited(token(client, email))  # even a real account with its password
        with a_client(site) as elsewhere:
            assert token(elsewhere, email).status_code == 200  # the account itself is fine


def test_two_factor_code_guessing_is_cut_off(site: Site, store: SqliteStore) -> None:
    with a_client(site) as client:
        email = sign_up(client)
        totp, _ = turn_on_two_factor(store, email)
        assert token(client, email).json()["error"] == "totp_required"  # right password: not a failure
        wrong = [f"{n:06d}" for n in range(1000, 1010) if f"{n:06d}" != totp.now()][:5]
        for code in wrong:
            assert token(client, email, totp=code).status_code == 401
        assert_rate_limited(token(client, email, totp=totp.now()))


# ------------------------------------------------------------------ codes work once
def test_a_totp_code_and_a_recovery_code_work_once(site: Site, store: SqliteStore) -> None:
    with a_client(site) as client:
        email = sign_up(client)
        totp, recovery = turn_on_two_factor(store, email)
        organizer = store.find_organizer_by_email(email)
        assert organizer is not None and organizer.totp_secret is not None
        assert organizer.totp_secret.startswith(SEALED_PREFIX) and totp.secret not in organizer.totp_secret

        code = totp.now()
        assert token(client, email, totp=code).status_code == 200
        replayed = token(client, email, totp=code)
        assert replayed.status_code == 401 and replayed.json()["error"] == "unauthorized"

        assert token(client, email, totp=recovery[0]).status_code == 200
        assert token(client, email, totp=recovery[0]).status_code == 401
        assert token(client, email, totp=recovery[1].upper()).status_code == 200  # as typed from paper


def test_a_secret_stored_in_plain_text_still_works_and_is_sealed_on_first_use(
    site: Site, store: SqliteStore
) -> None:
    with a_client(site) as client:
        email = sign_up(client)
        organizer = store.find_organizer_by_email(email)
        assert organizer is not None
        secret = pyotp.random_base32()
        store.save_organizer(replace(organizer, totp_secret=secret))  # as stored before sealing existed
        assert token(client, email, totp=pyotp.TOTP(secret).now()).status_code == 200
        stored = store.get_organizer(organizer.id)
        assert stored is not None and stored.totp_secret is not None
        assert stored.totp_secret.startswith(SEALED_PREFIX) and secret not in stored.totp_secret
        assert stored.totp_last_step > 0


# ------------------------------------------------------------------ next= and the session cookie
def oidc_log_in(client: httpx.Client, site: Site, next_path: str) -> httpx.Response:
    """The whole "Log in with <provider>" dance over plain HTTP; the app's last answer."""
    start = client.get("/auth/oidc/login", params={"next": next_path})
    assert start.status_code == 302 and start.headers["location"].startswith(site.provider.issuer)
    back = httpx.get(start.headers["location"])
    assert back.status_code == 302
    return client.get(back.headers["location"])


@pytest.mark.parametrize("evil", EVIL_TARGETS)
def test_next_never_leaves_the_site(site: Site, evil: str) -> None:
    site.provider.user = dict(ADA)
    with a_client(site) as client:
        callback = oidc_log_in(client, site, evil)
        assert callback.status_code == 303 and callback.headers["location"] == "/dashboard"
        # Logged in now, the login page sends the browser on at once: to the dashboard too.
        again = client.get("/login", params={"next": evil})
        assert again.status_code == 303 and again.headers["location"] == "/dashboard"


def test_a_path_on_the_site_is_kept(site: Site) -> None:
    site.provider.user = dict(ADA)
    with a_client(site) as client:
        assert oidc_log_in(client, site, "/account").headers["location"] == "/account"
        assert client.get("/login", params={"next": "/dashboard/payments"}).headers["location"] == \
            "/dashboard/payments"


def test_logging_out_is_a_post(site: Site) -> None:
    site.provider.user = dict(ADA)
    with a_client(site) as client:
        oidc_log_in(client, site, "/account")
        assert client.get("/account").status_code == 200
        asked = client.get("/logout")  # what a link or an <img> elsewhere would do
        assert asked.status_code == 200 and "logout-confirm" in asked.text  # a page with a button
        assert client.get("/account").status_code == 200  # still logged in
        done = client.post("/logout")
        assert done.status_code == 303 and done.headers["location"] == "/login"
        assert client.get("/account").status_code == 303


def test_a_cookie_planted_before_the_login_is_not_logged_in_by_it(site: Site) -> None:
    site.provider.user = dict(ADA)
    with a_client(site) as victim, a_client(site) as attacker:
        victim.get("/login")
        planted = victim.cookies["session"]  # the attacker got the victim's browser to use this one
        attacker.cookies.set("session", planted)
        assert oidc_log_in(victim, site, "/account").status_code == 303
        assert victim.get("/account").status_code == 200
        assert victim.cookies["session"] != planted  # the login set a new cookie
        refused = attacker.get("/account")
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


def test_the_session_cookie_is_secure_under_https(tmp_path: Path) -> None:
    port = free_port()
    with running_app(tmp_path, port=port, EVENTFLOW_BASE_URL=f"https://127.0.0.1:{port}") as url:
        cookie = httpx.get(f"{url}/login").headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_the_session_cookie_is_not_marked_secure_over_plain_http(site: Site) -> None:
    cookie = httpx.get(f"{site.url}/login").headers["set-cookie"].lower()
    assert "secure" not in cookie and "httponly" in cookie


def test_a_database_from_before_totp_steps_gets_the_column(tmp_path: Path) -> None:
    """Files created before `totp_last_step` existed open, keep their organizers, and remember steps."""
    import sqlite3

    from eventflow.store.codec import instant_to_text

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE organizers (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
            " password_hash TEXT NOT NULL, created_at TEXT NOT NULL, totp_secret TEXT,"
            " recovery_code_hashes TEXT NOT NULL DEFAULT '[]', session_epoch INTEGER NOT NULL DEFAULT 0)"
        )
        created = instant_to_text(SystemClock().now())
        old.execute("INSERT INTO organizers VALUES ('org_old', 'old@example.com', 'Old', 'x', ?,"
                    " 'JBSWY3DPEHPK3PXP', '[]', 2)", (created,))
    opened = SqliteStore(path)
    try:
        organizer = opened.get_organizer("org_old")
        assert organizer is not None and organizer.totp_last_step == 0 and organizer.session_epoch == 2
        opened.save_organizer(replace(organizer, totp_last_step=58_000_000))
        assert opened.get_organizer("org_old") == replace(organizer, totp_last_step=58_000_000)
    finally:
        opened.close()
    SqliteStore(path).close()  # and it opens again, the column already there
