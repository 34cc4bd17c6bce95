"""Organizer accounts over the API: sign up, and trade a password (plus a second factor) for a token.

Plain `def` routes: password hashing is deliberately slow, so it runs in FastAPI's thread pool."""

from __future__ import annotations

from pydantic import BaseModel, Field

from eventflow.api.deps import ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict

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
    organizer = app.accounts.sign_up(body.email, body.password, body.name)
    return TokenOut(organizer_id=organizer.id, token=app.tokens.organizer_token(organizer))


@router.post("/auth/token", responses=ERRORS)
def token(body: TokenIn, app: ServicesDep) -> TokenOut:
    """With two-factor login on, `totp` (or a recovery code) is required: 401 `totp_required`."""
    organizer = app.accounts.authenticate(body.email, body.password, body.totp)
    return TokenOut(organizer_id=organizer.id, token=app.tokens.organizer_token(organizer))
