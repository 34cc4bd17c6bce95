"""Bearer tokens for the API: JWTs (authlib.jose, HS256) signed with the app secret."""

from __future__ import annotations

import warnings
from datetime import timedelta

import authlib.deprecate  # noqa: F401  (installs its own "always" filter; must come first)

from eventflow.domain.clock import Clock
from eventflow.domain.errors import Unauthorized

with warnings.catch_warnings():
    # authlib announces a move of jose to joserfc; its API stays until 2.0.
    warnings.simplefilter("ignore")
    from authlib.jose import JsonWebToken
    from authlib.jose.errors import JoseError

ORGANIZER_TOKEN_LIFETIME = timedelta(days=30)
ISSUER = "eventflow"


class TokenIssuer:
    def __init__(self, secret_key: str, clock: Clock) -> None:
        self._key = secret_key.encode()
        self._clock = clock
        self._jwt = JsonWebToken(["HS256"])

    def organizer_token(self, organizer_id: str) -> str:
        now = self._clock.now()
        claims = {
            "iss": ISSUER,
            "sub": organizer_id,
            "typ": "organizer",
            "iat": int(now.timestamp()),
            "exp": int((now + ORGANIZER_TOKEN_LIFETIME).timestamp()),
        }
        return self._jwt.encode({"alg": "HS256"}, claims, self._key).decode()

    def organizer_id(self, token: str) -> str:
        """The organizer a token speaks for, or Unauthorized."""
        try:
            claims = self._jwt.decode(token, self._key)
            claims.validate(now=int(self._clock.now().timestamp()), leeway=0)
        except (JoseError, ValueError):
            raise Unauthorized("Invalid or expired token") from None
        if claims.get("iss") != ISSUER or claims.get("typ") != "organizer" or not claims.get("sub"):
            raise Unauthorized("Invalid or expired token")
        return str(claims["sub"])
