"""OpenID Connect "Log in with <provider>": authorization code flow with PKCE (S256), via authlib.

The provider is found through `<issuer>/.well-known/openid-configuration`. authlib keeps the state,
nonce and PKCE code_verifier of a login in the (signed) Starlette session cookie, exchanges the code
at the token endpoint and validates the ID token's signature against the provider's JWKS; we add
strict claim checks (issuer, audience = our client id, subject, nonce) on top of its defaults.

This module is the protocol only: it starts a login and turns the provider's answer into an
`Identity` (or a `LoginFailed` fit to show). The routes, the session and the error page live in
eventflow/pages/oidc_login.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from authlib.integrations.starlette_client.apps import StarletteOAuth2App
from joserfc.errors import JoseError
from starlette.requests import Request
from starlette.responses import Response

from eventflow.config import Settings
from eventflow.domain.errors import N_

log = logging.getLogger("eventflow.adapters.oidc")

CLIENT_NAME = "eventflow_oidc"  # authlib keeps `_state_eventflow_oidc_<state>` in the session
SCOPE = "openid email profile"
HTTP_TIMEOUT_SECONDS = 10


class LoginFailed(Exception):
    """A login that did not work out, with a message fit to show to the person trying: an English template
    (marked `N_`, translated where it is shown: pages/oidc_login.py) and its named parameters."""

    def __init__(self, template: str, **params: str) -> None:
        self.template, self.params = template, params
        super().__init__(template.format(**params))


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider says logged in (the ID token's claims, checked)."""

    issuer: str
    subject: str
    email: str | None
    name: str | None
    email_verified: bool


class OidcClient:
    """One configured OpenID provider."""

    def __init__(self, settings: Settings) -> None:
        self.issuer = (settings.oidc_issuer or "").rstrip("/")
        self.provider = settings.oidc_provider_name
        self.client_id = settings.oidc_client_id
        self._client: StarletteOAuth2App = OAuth().register(
            name=CLIENT_NAME,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": HTTP_TIMEOUT_SECONDS},
        )

    async def start(self, request: Request, redirect_uri: str) -> Response:
        """The redirect to the provider's login (state, nonce and PKCE verifier kept in the session)."""
        await self.provider_metadata()
        response: Response = await self._client.authorize_redirect(request, redirect_uri)
        return response

    async def provider_metadata(self) -> dict[str, Any]:
        """The discovery document (fetched once, then cached by authlib), checked against our issuer."""
        client, provider = self._client, self.provider
        try:
            metadata: dict[str, Any] = await client.load_server_metadata()
        except Exception as problem:
            log.warning("OIDC discovery at %s failed: %r", self.issuer, problem)
            raise LoginFailed(N_("{provider} cannot be reached right now. Please try again in a moment."),
                              provider=provider) from problem
        if str(metadata.get("issuer", "")).rstrip("/") != self.issuer:
            # OpenID Connect Discovery §4.3: the document must name the issuer we asked.
            client.server_metadata.pop("_loaded_at", None)  # look again next time
            log.error("OIDC discovery at %s names issuer %r", self.issuer, metadata.get("issuer"))
            raise LoginFailed(N_("{provider} is not set up correctly (its issuer does not match)."), provider=provider)
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" not in methods and "client_secret_post" in methods:
            client.client_kwargs["token_endpoint_auth_method"] = "client_secret_post"
        return metadata

    async def identity(self, request: Request) -> Identity:
        """The provider's answer at the callback, checked; raises LoginFailed with a readable reason."""
        self._refused(request)
        metadata = await self.provider_metadata()
        token = await self._exchange(request, metadata)
        claims = token.get("userinfo")
        if not claims:  # authlib skips ID token validation when the response has no ID token
            raise LoginFailed(N_("{provider} did not send an identity token, so you were not logged in."),
                              provider=self.provider)
        claims = dict(claims)
        if not claims.get("email") and metadata.get("userinfo_endpoint"):
            claims = {**await self._userinfo(token), **claims}
        return Identity(
            issuer=str(claims["iss"]), subject=str(claims["sub"]), email=claims.get("email"),
            name=claims.get("name"),
            email_verified=claims.get("email_verified") in (True, "true"),  # some providers send a string
        )

    def _refused(self, request: Request) -> None:
        error = request.query_params.get("error")
        if not error:
            return
        if error == "access_denied":
            raise LoginFailed(N_("The login at {provider} was cancelled or refused."), provider=self.provider)
        description = (request.query_params.get("error_description") or "").strip()[:200]
        raise LoginFailed(N_("{provider} could not log you in ({error})."), provider=self.provider,
                          error=error[:60] + (": " + description if description else ""))

    async def _exchange(self, request: Request, metadata: dict[str, Any]) -> dict[str, Any]:
        """The code for tokens at the token endpoint, with the ID token's claims checked."""
        provider = self.provider
        claims_options: dict[str, Any] = {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": self.client_id},
            "sub": {"essential": True},
            "nonce": {"essential": True},  # authlib also compares it with the nonce we sent
        }
        try:
            token: dict[str, Any] = await self._client.authorize_access_token(request, claims_options=claims_options)
            return token
        except OAuthError as problem:  # includes MismatchingStateError
            log.info("OIDC callback refused: %s %s", problem.error, problem.description)
            if problem.error == "mismatching_state":
                raise LoginFailed(N_("This login attempt has expired or was already used (or cookies are "
                                     "blocked). Please start again.")) from problem
            raise LoginFailed(N_("{provider} refused the login ({error})."), provider=provider,
                              error=str(problem.error)) from problem
        except JoseError as problem:
            log.warning("OIDC ID token rejected: %r", problem)
            raise LoginFailed(N_("The identity token from {provider} was not valid, so you were not logged in."),
                              provider=provider) from problem
        except Exception as problem:  # provider down, 5xx, not JSON, ...
            log.warning("OIDC token exchange failed: %r", problem)
            raise LoginFailed(N_("{provider} did not answer as expected. Please try again in a moment."),
                              provider=provider) from problem

    async def _userinfo(self, token: dict[str, Any]) -> dict[str, Any]:
        """Claims from the UserInfo endpoint, for providers that keep email out of the ID token."""
        try:
            extra = dict(await self._client.userinfo(token=token))
        except Exception as problem:
            log.warning("OIDC userinfo request failed: %r", problem)
            return {}
        return extra if extra.get("sub") == token["userinfo"]["sub"] else {}  # OIDC Core §5.3.2
