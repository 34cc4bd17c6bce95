"""OpenID Connect "Log in with <provider>": authorization code flow with PKCE (S256), via authlib.

The provider is found through `<issuer>/.well-known/openid-configuration`. authlib keeps the state,
nonce and PKCE code_verifier of a login in the (signed) Starlette session cookie, exchanges the code
at the token endpoint and validates the ID token's signature against the provider's JWKS; we add
strict claim checks (issuer, audience = our client id, subject, nonce) on top of its defaults.

Both routes are plain FastAPI routes: NiceGUI's RequestTrackingMiddleware puts every HTTP request in
`app.storage.user`'s context, so `log_in` works here and the callback can answer with a real 303
redirect. Failures never reach the user as a 500: they land on `/auth/oidc/error`, a NiceGUI page that
explains what happened and links back to /login.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from authlib.integrations.starlette_client.apps import StarletteOAuth2App
from fastapi import FastAPI, Request
from joserfc.errors import JoseError
from nicegui import app as nicegui_app
from nicegui import ui
from starlette.responses import RedirectResponse

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Organizer
from eventflow.pages.components.frame import frame
from eventflow.pages.components.session import log_in, safe_next
from eventflow.services import Services

log = logging.getLogger("eventflow.adapters.oidc")

LOGIN_PATH = "/auth/oidc/login"
CALLBACK_PATH = "/auth/oidc/callback"
ERROR_PATH = "/auth/oidc/error"
CLIENT_NAME = "eventflow_oidc"  # authlib keeps `_state_eventflow_oidc_<state>` in the session
NEXT_KEY = "eventflow_oidc_next"  # where to go after the login, in the session cookie
ERROR_KEY = "oidc_error"  # the message the error page shows, in app.storage.user
SCOPE = "openid email profile"
HTTP_TIMEOUT_SECONDS = 10


class LoginFailed(Exception):
    """A login that did not work out, with a message fit to show to the person trying."""


def install(app: FastAPI, services: Services) -> None:
    """Register the OIDC login, callback and error page (only called when an issuer is configured)."""
    settings = services.settings
    issuer = (settings.oidc_issuer or "").rstrip("/")
    provider = settings.oidc_provider_name
    redirect_uri = settings.public_url + CALLBACK_PATH
    oauth = OAuth()
    client: StarletteOAuth2App = oauth.register(
        name=CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": HTTP_TIMEOUT_SECONDS},
    )

    async def provider_metadata() -> dict[str, Any]:
        """The discovery document (fetched once, then cached by authlib), checked against our issuer."""
        try:
            metadata = await client.load_server_metadata()
        except Exception as problem:
            log.warning("OIDC discovery at %s failed: %r", issuer, problem)
            raise LoginFailed(f"{provider} cannot be reached right now. Please try again in a moment.") \
                from problem
        if str(metadata.get("issuer", "")).rstrip("/") != issuer:
            # OpenID Connect Discovery §4.3: the document must name the issuer we asked.
            client.server_metadata.pop("_loaded_at", None)  # look again next time
            log.error("OIDC discovery at %s names issuer %r", issuer, metadata.get("issuer"))
            raise LoginFailed(f"{provider} is not set up correctly (its issuer does not match).")
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" not in methods and "client_secret_post" in methods:
            client.client_kwargs["token_endpoint_auth_method"] = "client_secret_post"
        return metadata

    def show_error(message: str) -> RedirectResponse:
        nicegui_app.storage.user[ERROR_KEY] = message
        return RedirectResponse(ERROR_PATH, status_code=303)

    async def authenticate(request: Request) -> Organizer:
        error = request.query_params.get("error")
        if error:
            if error == "access_denied":
                raise LoginFailed(f"The login at {provider} was cancelled or refused.")
            description = (request.query_params.get("error_description") or "").strip()[:200]
            raise LoginFailed(
                f"{provider} could not log you in ({error[:60]}{': ' + description if description else ''})."
            )
        metadata = await provider_metadata()
        claims_options: dict[str, Any] = {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": settings.oidc_client_id},
            "sub": {"essential": True},
            "nonce": {"essential": True},  # authlib also compares it with the nonce we sent
        }
        try:
            token = await client.authorize_access_token(request, claims_options=claims_options)
        except OAuthError as problem:  # includes MismatchingStateError
            log.info("OIDC callback refused: %s %s", problem.error, problem.description)
            if problem.error == "mismatching_state":
                raise LoginFailed(
                    "This login attempt has expired or was already used (or cookies are blocked). "
                    "Please start again."
                ) from problem
            raise LoginFailed(f"{provider} refused the login ({problem.error}).") from problem
        except JoseError as problem:
            log.warning("OIDC ID token rejected: %r", problem)
            raise LoginFailed(
                f"The identity token from {provider} was not valid, so you were not logged in."
            ) from problem
        except Exception as problem:  # provider down, 5xx, not JSON, ...
            log.warning("OIDC token exchange failed: %r", problem)
            raise LoginFailed(f"{provider} did not answer as expected. Please try again in a moment.") \
                from problem
        claims = token.get("userinfo")
        if not claims:  # authlib skips ID token validation when the response has no ID token
            raise LoginFailed(f"{provider} did not send an identity token, so you were not logged in.")
        claims = dict(claims)
        if not claims.get("email") and metadata.get("userinfo_endpoint"):
            claims = {**await userinfo(token), **claims}
        verified = claims.get("email_verified") in (True, "true")  # some providers send a string
        try:
            return await asyncio.to_thread(
                services.accounts.login_with_identity,
                str(claims["iss"]), str(claims["sub"]), claims.get("email"), claims.get("name"), verified,
            )
        except DomainError as problem:
            raise LoginFailed(problem.detail) from problem

    async def userinfo(token: dict[str, Any]) -> dict[str, Any]:
        """Claims from the UserInfo endpoint, for providers that keep email out of the ID token."""
        try:
            extra = dict(await client.userinfo(token=token))
        except Exception as problem:
            log.warning("OIDC userinfo request failed: %r", problem)
            return {}
        return extra if extra.get("sub") == token["userinfo"]["sub"] else {}  # OIDC Core §5.3.2

    @app.get(LOGIN_PATH, include_in_schema=False)
    async def oidc_login(request: Request, next: str = "/dashboard") -> RedirectResponse:
        request.session[NEXT_KEY] = safe_next(next)
        try:
            await provider_metadata()
            return await client.authorize_redirect(request, redirect_uri)
        except LoginFailed as problem:
            return show_error(str(problem))
        except Exception:
            log.exception("starting the OIDC login failed")
            return show_error(f"The login with {provider} could not be started. Please try again.")

    @app.get(CALLBACK_PATH, include_in_schema=False)
    async def oidc_callback(request: Request) -> RedirectResponse:
        target = safe_next(request.session.pop(NEXT_KEY, None))
        try:
            organizer = await authenticate(request)
        except LoginFailed as problem:
            return show_error(str(problem))
        except Exception:
            log.exception("OIDC callback failed")
            return show_error(f"The login with {provider} failed unexpectedly. Please try again.")
        log_in(services, organizer)
        return RedirectResponse(target, status_code=303)

    @ui.page(ERROR_PATH)
    def oidc_error_page() -> None:
        message = nicegui_app.storage.user.pop(ERROR_KEY, None)
        message = message or f"The login with {provider} did not complete."
        with frame("Login failed"), ui.card().classes("w-full max-w-md mx-auto gap-3"):
            ui.label(f"Could not log in with {provider}").classes("text-2xl font-bold")
            ui.label(message).classes("text-red-700").props("data-testid=oidc-error")
            ui.link("Back to the login page", "/login").props("data-testid=oidc-back")
