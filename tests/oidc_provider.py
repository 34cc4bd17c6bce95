"""A small but real OpenID Connect provider for tests: http.server in a thread on 127.0.0.1.

It serves discovery, `/authorize` (auto-approves `provider.user`), `/token` (client authentication,
single-use codes, redirect_uri match and PKCE S256 verification; no PKCE, no token), `/jwks` and
`/userinfo`. ID tokens are RS256-signed with a key generated at start. `tamper` makes it misbehave
on purpose (deny, wrong audience/issuer/nonce, foreign signature, expired, no ID token, token
endpoint down) so tests can check the app refuses; `requests` records every request so tests can
assert PKCE was used.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

KEY_ID = "test-key-1"
TAMPER_MODES = (
    "deny", "wrong_audience", "wrong_issuer", "wrong_nonce", "wrong_signature", "expired",
    "no_id_token", "token_down",
)


def s256(verifier: str) -> str:
    """The PKCE S256 code challenge of a code_verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]  # query string, or form body for POST
    headers: dict[str, str]


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: dict[str, Any]
    used: bool = False


@dataclass
class OidcProvider:
    client_id: str = "eventflow-test"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    user: dict[str, Any] = field(default_factory=lambda: {
        "sub": "idp-user-1", "email": "ada@idp.example", "email_verified": True, "name": "Ada IdP",
    })
    tamper: str | None = None
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})
        # Same key id, different key: what an attacker without the provider's private key can make.
        self.foreign_key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"})
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # ---- lifecycle ----
    @property
    def issuer(self) -> str:
        assert self.server is not None, "start() the provider first"
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> OidcProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider._handle(self, "GET")

            def do_POST(self) -> None:
                provider._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="oidc-provider", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> OidcProvider:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def recorded(self, path: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.tamper = None

    # ---- endpoints ----
    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
        }

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            raw = handler.rfile.read(length).decode("utf-8")
        else:
            raw = url.query
        params = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        with self.lock:
            self.requests.append(Recorded(method, url.path, params, dict(handler.headers.items())))
        routes = {
            ("GET", "/.well-known/openid-configuration"): lambda: (200, self.discovery()),
            ("GET", "/jwks"): lambda: (200, {"keys": [self.key.as_dict(private=False)]}),
            ("GET", "/authorize"): lambda: self._authorize(params),
            ("POST", "/token"): lambda: self._token(params, handler.headers.get("Authorization")),
            ("GET", "/userinfo"): lambda: self._userinfo(handler.headers.get("Authorization")),
        }
        route = routes.get((method, url.path))
        status, body = route() if route else (404, {"error": "not_found"})
        if status in (302, 303):
            handler.send_response(status)
            handler.send_header("Location", body)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Cache-Control", "no-store")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _authorize(self, params: dict[str, str]) -> tuple[int, Any]:
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_id") != self.client_id or not redirect_uri:
            return 400, {"error": "invalid_request", "error_description": "unknown client or no redirect_uri"}
        state = {"state": params["state"]} if "state" in params else {}
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return 302, f"{redirect_uri}?{urlencode({'error': 'invalid_request', **state})}"
        if self.tamper == "deny":
            return 302, f"{redirect_uri}?{urlencode({'error': 'access_denied', **state})}"
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.grants[code] = Grant(
                client_id=self.client_id, redirect_uri=redirect_uri, nonce=params.get("nonce"),
                code_challenge=params.get("code_challenge"),
                code_challenge_method=params.get("code_challenge_method"), user=dict(self.user),
            )
        return 302, f"{redirect_uri}?{urlencode({'code': code, **state})}"

    def _client_authenticated(self, params: dict[str, str], authorization: str | None) -> bool:
        if authorization and authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode("utf-8")
            client_id, _, secret = decoded.partition(":")
            client_id, secret = unquote(client_id), unquote(secret)  # RFC 6749 §2.3.1 form-encoding
        else:
            client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(secret, self.client_secret)

    def _token(self, params: dict[str, str], authorization: str | None) -> tuple[int, Any]:
        if self.tamper == "token_down":
            return 503, {"error": "temporarily_unavailable"}
        if not self._client_authenticated(params, authorization):
            return 401, {"error": "invalid_client"}
        if params.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self.lock:
            grant = self.grants.get(params.get("code", ""))
            if grant is None or grant.used:
                return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
            grant.used = True
        if params.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri mismatch"}
        verifier = params.get("code_verifier")
        if not grant.code_challenge or grant.code_challenge_method != "S256" or not verifier:
            return 400, {"error": "invalid_request", "error_description": "PKCE with S256 is required"}
        if not secrets.compare_digest(s256(verifier), grant.code_challenge):
            return 400, {"error": "invalid_grant", "error_description": "code_verifier does not match"}
        access_token = secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[access_token] = grant.user
        response: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300}
        if self.tamper != "no_id_token":
            response["id_token"] = self.id_token(grant)
        return 200, response

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": self.client_id, "sub": grant.user["sub"],
            "email": grant.user.get("email"), "email_verified": grant.user.get("email_verified", False),
            "name": grant.user.get("name"), "nonce": grant.nonce, "iat": now, "exp": now + 300,
        }
        key = self.key
        if self.tamper == "wrong_audience":
            # azp = our client keeps authlib's azp rule quiet: only a real audience check catches this.
            claims.update(aud="some-other-client", azp=self.client_id)
        elif self.tamper == "wrong_issuer":
            claims["iss"] = "https://evil.example"
        elif self.tamper == "wrong_nonce":
            claims["nonce"] = "not-the-nonce-you-sent"
        elif self.tamper == "expired":
            claims.update(iat=now - 3600, exp=now - 1800)
        elif self.tamper == "wrong_signature":
            key = self.foreign_key
        return jwt.encode({"alg": "RS256", "kid": KEY_ID, "typ": "JWT"}, claims, key)

    def _userinfo(self, authorization: str | None) -> tuple[int, Any]:
        token = (authorization or "").removeprefix("Bearer ").strip()
        with self.lock:
            user = self.access_tokens.get(token)
        if user is None:
            return 401, {"error": "invalid_token"}
        return 200, dict(user)
