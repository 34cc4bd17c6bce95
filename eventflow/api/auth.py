"""Organizer accounts over the API: sign up, and trade a password (plus a second factor) for a token.

Plain `def` routes: password hashing is deliberately slow, so it runs in FastAPI's thread pool.
Failed token requests are limited per account and per client address (domain/login_limits.py):
past the limit the answer is 429 `rate_limited` with a Retry-After header."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from eventflow.api.deps import ServicesDep, resource_router
from eventflow.api.errors import ERRORS, ErrorOut
from eventflow.api.schemas import Strict
from eventflow.domain.errors import TooManyAttempts

router = resource_router()


class SignupIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    name: str = Field(max_length=120)


class TokenIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    totp: str | None = Field(default=None, max_length=20)


class TokenOut(BaseModel):
    organizer_id: str
    token: str


@router.post("/auth/signup", status_code=201, responses=ERRORS)
def sign_up(body: SignupIn, app: ServicesDep) -> TokenOut:
    organizer = app.email_checks.sign_up(body.email, body.password, body.name) if app.email_checks \
        else app.accounts.sign_up(body.email, body.password, body.name)
    return TokenOut(organizer_id=organizer.id, token=app.tokens.organizer_token(organizer))


class RateLimitedOut(ErrorOut):
    retry_after: int


@router.post("/auth/token", response_model=TokenOut,
             responses={**ERRORS, 429: {"model": RateLimitedOut, "description": "Too many failed attempts"}})
def token(body: TokenIn, request: Request, app: ServicesDep) -> Any:
    """With two-factor login on, `totp` (or a recovery code) is required: 401 `totp_required`.

    After too many failures for this account or from this client: 429 `rate_limited`, Retry-After."""
    client = request.client.host if request.client else None
    try:
        organizer = app.accounts.authenticate(body.email, body.password, body.totp, client=client)
    except TooManyAttempts as limited:
        return rate_limited(limited)
    return TokenOut(organizer_id=organizer.id, token=app.tokens.organizer_token(organizer))


def rate_limited(limited: TooManyAttempts) -> JSONResponse:
    return JSONResponse(
        {"error": limited.code, "detail": limited.detail, "retry_after": limited.retry_after},
        status_code=limited.status, headers={"Retry-After": str(limited.retry_after)},
    )
