"""The page's side of the limits against bots (issue 13): the browser's token (NiceGUI's per-browser
id, kept in its signed cookie) that identifies a buyer across holds, and the reserve rate limit per
client IP and buyer (adapters/rate_limit.py), whose refusal (`RateLimited`, a DomainError) the buy
form shows as its readable message."""

from __future__ import annotations

from nicegui import app, ui

from eventflow.domain.models import Buyer
from eventflow.domain.reservations import limit_keys
from eventflow.services import Services


def browser_token() -> str | None:
    """This browser's id (None outside a page request)."""
    try:
        token = app.storage.browser.get("id")
    except (RuntimeError, AttributeError, KeyError):
        return None
    return str(token) if token else None


def check_reserve_limits(services: Services, buyer: Buyer, token: str | None) -> None:
    """Count this reserve against the rate limits; RateLimited when over (nothing when they are off)."""
    if not services.reserve_limiter.enabled:
        return
    try:
        request = ui.context.client.request
        ip = request.client.host if request.client else None
    except (RuntimeError, AttributeError):
        ip = None
    services.reserve_limiter.hit(*limit_keys(ip, buyer, token))
