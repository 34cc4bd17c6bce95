"""Bearer tokens for the API: JWTs (authlib.jose, HS256) signed with the app secret."""

from __future__ import annotations

import warnings
from datetime import timedelta

import authlib.deprecate  # noqa: F401  (installs its own "always" filter; must come first)

from eventflow.domain.clock import Clock
from eventflow.domain.errors import Unauthorized
from eventflow.domain.models import Organizer

with warnings.catch_warnings():
    # authlib announces a move of jose to joserfc; its API stays until 2.0.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebToken
    from authlib.jose.errors import JoseError

ORGANIZER_TOKEN_LIFETIME = timedelta(days=30)  # API bearer tokens
SESSION_LIFETIME = timedelta(hours=12)  # browser sessions of the dashboard
ISSUER = "eventflow"


class TokenIssuer:
    def __init__(self, secret_key: str, clock: Clock) -> None:
        self._key = secret_key.encode()
        self._clock = clock
        self._jwt = JsonWebToken(["HS256"])

    def organizer_token(self, organizer: Organizer) -> str:
        return self._issue(organizer, "organizer", ORGANIZER_TOKEN_LIFETIME)

    def session_token(self, organizer: Organizer) -> str:
        return self._issue(organizer, "session", SESSION_LIFETIME)

    def _issue(self, organizer: Organizer, kind: str, lifetime: timedelta) -> str:
        now = self._clock.now()
        claims = {
            "iss": ISSUER,
            "sub": organizer.id,
            "typ": kind,
            "epoch": organizer.session_epoch,
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
        }
        return self._jwt.encode({"alg": "HS256"}, claims, self._key).decode()

    def organizer_id(self, token: str, kind: str = "organizer") -> tuple[str, int]:
        """(organizer id, session epoch) of a valid token of this kind, or Unauthorized.

        The caller compares the epoch with the organizer's current one ("log out everywhere")."""
        try:
            claims = self._jwt.decode(token, self._key)
            claims.validate(now=int(self._clock.now().timestamp()), leeway=0)
        except (JoseError, ValueError):
            raise Unauthorized("Invalid or expired token") from None
        if claims.get("iss") != ISSUER or claims.get("typ") != kind or not claims.get("sub"):
            raise Unauthorized("Invalid or expired token")
        return str(claims["sub"]), int(claims.get("epoch", 0))
