"""'Log in with <provider>' in chromium against a real local OpenID Connect provider (oidc_provider.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.oidc_provider import OidcProvider, s256
from tests.server import free_port, running_app

pytestmark = pytest.mark.browser

PROVIDER_NAME = "Test IdP"
ADA = {"sub": "idp-user-1", "email": "ada@idp.example", "email_verified": True, "name": "Ada IdP"}


@dataclass
class OidcApp:
    url: str
    data_dir: Path


def oidc_env(provider: OidcProvider, url: str) -> dict[str, str]:
    return {
        "EVENTFLOW_OIDC_ISSUER": provider.issuer,
        "EVENTFLOW_OIDC_CLIENT_ID": provider.client_id,
        "EVENTFLOW_OIDC_CLIENT_SECRET": provider.client_secret,
        "EVENTFLOW_OIDC_PROVIDER_NAME": PROVIDER_NAME,
        "EVENTFLOW_BASE_URL": url,
    }


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    with OidcProvider(client_id="eventflow-test") as running:
        yield running


@pytest.fixture(scope="module")
def oidc_app(provider: OidcProvider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcApp]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp("oidc-app")
    with running_app(data_dir, port=port, **oidc_env(provider, url)) as started:
        assert started == url
        yield OidcApp(url, data_dir)


@pytest.fixture(autouse=True)
def fresh_provider(provider: OidcProvider) -> None:
    provider.reset()
    provider.user = dict(ADA)


@pytest.fixture
def store(oidc_app: OidcApp):  # type: ignore[no-untyped-def]
    """The running app's SQLite store, opened read-mostly from the test process."""
    from eventflow.store.sqlite.store import SqliteStore

    opened = SqliteStore(oidc_app.data_dir / "eventflow.db")
    yield opened
    opened.close()


def by_testid(driver, name: str, timeout: float = 10):  # type: ignore[no-untyped-def]
    selector = f'[data-testid="{name}"]'
    return WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, selector))[0]


def label(element) -> str:  # type: ignore[no-untyped-def]
    """The text as written, not as shown (Quasar buttons show it in capitals)."""
    return element.get_attribute("textContent") or ""


def path_of(driver) -> str:  # type: ignore[no-untyped-def]
    return urlsplit(driver.current_url).path


def click_idp_button(driver, app_url: str, next_path: str | None = "/account"):  # type: ignore[no-untyped-def]
    driver.get(f"{app_url}/login" + (f"?next={next_path}" if next_path else ""))
    button = by_testid(driver, "login-oidc")
    assert f"Log in with {PROVIDER_NAME}" in label(button)
    button.click()


def assert_logged_in_on(driver, path: str) -> None:  # type: ignore[no-untyped-def]
    WebDriverWait(driver, 15).until(lambda d: path_of(d) == path)
    by_testid(driver, "logout")  # the frame shows "Log out" only to a logged-in organizer


def assert_not_logged_in(driver, app_url: str) -> None:  # type: ignore[no-untyped-def]
    driver.get(f"{app_url}/account")
    WebDriverWait(driver, 10).until(lambda d: path_of(d) == "/login")


def test_the_idp_button_appears_only_when_oidc_is_configured(app_url, oidc_app, browser) -> None:  # type: ignore[no-untyped-def]
    window = browser()
    window.get(f"{app_url}/login")
    by_testid(window, "login-submit")
    assert window.find_elements(By.CSS_SELECTOR, '[data-testid="login-oidc"]') == []
    assert f"Log in with {PROVIDER_NAME}" not in window.page_source

    window.get(f"{oidc_app.url}/login")
    assert f"Log in with {PROVIDER_NAME}" in label(by_testid(window, "login-oidc"))


def test_first_login_creates_the_organizer_and_the_next_one_maps_to_it(  # type: ignore[no-untyped-def]
    oidc_app, provider, store, browser
) -> None:
    first = browser()
    click_idp_button(first, oidc_app.url, "/account")
    assert_logged_in_on(first, "/account")

    # The organizer was created from the ID token, with no password, and linked to the IdP subject.
    organizer = store.find_organizer_by_email(ADA["email"])
    assert organizer is not None
    assert organizer.name == ADA["name"]
    assert organizer.password_hash == "!external"
    linked = store.find_organizer_by_identity(f"{provider.issuer}|{ADA['sub']}")
    assert linked is not None and linked.id == organizer.id

    # PKCE with S256 and a nonce went out; the token request proved the verifier and used our callback.
    [authorize] = provider.recorded("/authorize")
    assert authorize.params["code_challenge_method"] == "S256"
    assert len(authorize.params["code_challenge"]) == 43
    assert authorize.params["nonce"] and authorize.params["state"]
    assert set(authorize.params["scope"].split()) >= {"openid", "email"}
    assert authorize.params["redirect_uri"] == f"{oidc_app.url}/auth/oidc/callback"
    [token] = provider.recorded("/token")
    verifier = token.params["code_verifier"]
    assert 43 <= len(verifier) <= 128
    assert s256(verifier) == authorize.params["code_challenge"]
    assert token.params["redirect_uri"] == authorize.params["redirect_uri"]
    assert token.headers["Authorization"].startswith("Basic ")  # client_secret_basic

    # Second login, in another browser, after the user changed their email at the IdP: the same
    # organizer (identity link by issuer + subject, not by email); default target is the dashboard.
    provider.reset()
    provider.user = {**ADA, "email": "ada.renamed@idp.example"}
    second = browser()
    click_idp_button(second, oidc_app.url, next_path=None)
    assert_logged_in_on(second, "/dashboard")
    assert store.find_organizer_by_email("ada.renamed@idp.example") is None
    again = store.find_organizer_by_identity(f"{provider.issuer}|{ADA['sub']}")
    assert again is not None and again.id == organizer.id
    assert len(provider.recorded("/token")) == 1


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("deny", "was cancelled or refused"),
        ("wrong_audience", "identity token from Test IdP was not valid"),
        ("wrong_issuer", "identity token from Test IdP was not valid"),
        ("wrong_nonce", "identity token from Test IdP was not valid"),
        ("wrong_signature", "identity token from Test IdP was not valid"),
        ("expired", "identity token from Test IdP was not valid"),
        ("no_id_token", "did not send an identity token"),
        ("token_down", "Test IdP did not answer as expected"),
        ("unverified_email", "did not confirm an email address"),
    ],
)
def test_a_refused_login_shows_a_readable_page(  # type: ignore[no-untyped-def]
    tamper, message, oidc_app, provider, store, browser
) -> None:
    if tamper == "unverified_email":  # a new subject: nothing is linked yet, so email must be verified
        provider.user = {
            **ADA, "sub": "idp-user-unverified", "email": "eve@idp.example", "email_verified": False,
        }
    else:
        provider.user = {**ADA, "sub": f"idp-user-{tamper}", "email": f"{tamper}@idp.example"}
        provider.tamper = tamper
    window = browser()
    click_idp_button(window, oidc_app.url)
    WebDriverWait(window, 15).until(lambda d: path_of(d) == "/auth/oidc/error")
    assert message in by_testid(window, "oidc-error").text
    back = by_testid(window, "oidc-back")
    assert back.get_attribute("href") == f"{oidc_app.url}/login"
    assert_not_logged_in(window, oidc_app.url)
    assert store.find_organizer_by_identity(f"{provider.issuer}|{provider.user['sub']}") is None
    assert store.find_organizer_by_email(provider.user["email"]) is None
    if tamper != "deny":  # the code was exchanged with a valid PKCE verifier all the same
        [authorize], [token] = provider.recorded("/authorize"), provider.recorded("/token")
        assert s256(token.params["code_verifier"]) == authorize.params["code_challenge"]


def test_a_forged_callback_is_refused_without_a_server_error(oidc_app) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=oidc_app.url) as client:
        response = client.get("/auth/oidc/callback", params={"code": "stolen", "state": "made-up"})
        assert response.status_code == 303
        assert response.headers["location"] == "/auth/oidc/error"
        page = client.get("/auth/oidc/error")
        assert page.status_code == 200
        assert "expired or was already used" in page.text


def test_the_provider_really_enforces_pkce(provider) -> None:  # type: ignore[no-untyped-def]
    """The app's successful logins prove a valid verifier only if the provider refuses bad ones."""
    redirect_uri = "http://127.0.0.1:9/callback"
    verifier = "v" * 50

    def code(challenge: str | None) -> str:
        params = {"response_type": "code", "client_id": provider.client_id, "redirect_uri": redirect_uri,
                  "scope": "openid email", "state": "s", "nonce": "n"}
        if challenge:
            params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
        answer = httpx.get(f"{provider.issuer}/authorize", params=params)
        assert answer.status_code == 302
        return dict(httpx.URL(answer.headers["location"]).params)["code"]

    def exchange(found: str, code_verifier: str | None) -> httpx.Response:
        form = {"grant_type": "authorization_code", "code": found, "redirect_uri": redirect_uri}
        if code_verifier:
            form["code_verifier"] = code_verifier
        client = (provider.client_id, provider.client_secret)
        return httpx.post(f"{provider.issuer}/token", data=form, auth=client)

    assert exchange(code(s256(verifier)), None).status_code == 400
    assert exchange(code(s256(verifier)), "w" * 50).json()["error"] == "invalid_grant"
    assert exchange(code(None), verifier).status_code == 400
    wrong_secret = httpx.post(f"{provider.issuer}/token", data={"grant_type": "authorization_code",
                              "code": code(s256(verifier)), "code_verifier": verifier,
                              "redirect_uri": redirect_uri}, auth=(provider.client_id, "nope"))
    assert wrong_secret.status_code == 401
    good = exchange(code(s256(verifier)), verifier)
    assert good.status_code == 200
    keys = KeySet.import_key_set(httpx.get(f"{provider.issuer}/jwks").json())
    claims = jwt.decode(good.json()["id_token"], keys).claims
    assert claims["aud"] == provider.client_id and claims["nonce"] == "n" and claims["sub"] == ADA["sub"]


def test_an_unreachable_provider_shows_a_readable_page(tmp_path, browser) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    nobody = OidcProvider(client_id="eventflow-test")
    nobody.start()
    nobody.stop()  # its port is closed now: discovery cannot connect
    with running_app(tmp_path, port=port, **oidc_env(nobody, url)):
        window = browser()
        click_idp_button(window, url)
        WebDriverWait(window, 15).until(lambda d: path_of(d) == "/auth/oidc/error")
        assert "Test IdP cannot be reached right now" in by_testid(window, "oidc-error").text


def test_next_never_leaves_the_site(oidc_app, provider) -> None:  # type: ignore[no-untyped-def]
    """The whole redirect dance over plain HTTP: a foreign `next` falls back to the dashboard."""
    with httpx.Client(base_url=oidc_app.url) as app_client:
        start = app_client.get("/auth/oidc/login", params={"next": "//evil.example/phish"})
        assert start.status_code == 302
        assert start.headers["location"].startswith(f"{provider.issuer}/authorize?")
        back = httpx.get(start.headers["location"])
        assert back.status_code == 302
        callback = app_client.get(back.headers["location"])
        assert callback.status_code == 303
        assert callback.headers["location"] == "/dashboard"



def sign_up_by_api(app_url: str, email: str, password: str) -> None:
    response = httpx.post(f"{app_url}/api/v1/auth/signup", json={"email": email, "password": password, "name": "Pat"})
    assert response.status_code == 201, response.text


def test_a_password_login_with_a_foreign_next_lands_on_the_dashboard(oidc_app, browser) -> None:  # type: ignore[no-untyped-def]
    """The form logs in over the websocket and the browser is sent on by script: in a real browser,
    `/\\host` or a tab after the slash (which chromium would follow off the site) end on /dashboard."""
    sign_up_by_api(oidc_app.url, "pat@example.com", "pat's long password")
    window = browser()
    for evil in ("/%5Cevil.example/phish", "/%09/evil.example", "//evil.example"):
        window.get(f"{oidc_app.url}/login?next={evil}")
        by_testid(window, "login-email").send_keys("pat@example.com")
        by_testid(window, "login-password").send_keys("pat's long password")
        by_testid(window, "login-submit").click()
        assert_logged_in_on(window, "/dashboard")
        assert urlsplit(window.current_url).netloc == urlsplit(oidc_app.url).netloc
        by_testid(window, "logout").click()  # a POST from the header
        WebDriverWait(window, 10).until(lambda d: path_of(d) == "/login")


def test_the_idp_is_linked_to_a_password_account_only_after_its_password(  # type: ignore[no-untyped-def]
    oidc_app, provider, store, browser
) -> None:
    sign_up_by_api(oidc_app.url, "lin@example.com", "lin's long password")
    provider.user = {"sub": "idp-lin", "email": "lin@example.com", "email_verified": True, "name": "Lin"}
    window = browser()
    click_idp_button(window, oidc_app.url, "/account")
    WebDriverWait(window, 15).until(lambda d: path_of(d) == "/auth/oidc/confirm")
    assert store.find_organizer_by_identity(f"{provider.issuer}|idp-lin") is None
    by_testid(window, "confirm-password").send_keys("lin's long password")
    by_testid(window, "confirm-submit").click()
    assert_logged_in_on(window, "/account")
    linked = store.find_organizer_by_identity(f"{provider.issuer}|idp-lin")
    assert linked is not None and linked.email == "lin@example.com"
