"""The event page's limit on new waiting-room visitors per client IP (issue 13): every new visitor is one more
ticket in the opening's random draw, and a new browser (a fresh cookie) is a new visitor, so a bot farm on one
address could buy itself a good place. Returning visitors (the same browser) keep their place unlimited; new
ones are counted by the same limiter and key as the API's join (`Services.room_join_limiter`, "ip:<address>"),
so switching between page and API gains nothing."""

from __future__ import annotations

from nicegui import ui

from eventflow.adapters.rate_limit import RateLimited
from eventflow.domain.errors import NotFound
from eventflow.domain.waiting_room import RoomStatus, TooManyRoomJoins
from eventflow.services import Services


def client_ip() -> str | None:
    """The page request's client address (None outside a page request)."""
    try:
        request = ui.context.client.request
        return request.client.host if request.client else None
    except (RuntimeError, AttributeError):
        return None


async def enter_room(services: Services, event_id: str, visitor: str, ip: str | None) -> RoomStatus:
    """This visitor's status: a returning one's at once; a new one joins after counting against its IP's
    limit (TooManyRoomJoins when over: the page says so in words; nothing is stored)."""
    try:
        return await services.off_loop(services.waiting_room.status, event_id, visitor)
    except NotFound:
        pass  # not in the room yet: a new visitor
    if ip is not None:
        try:
            services.room_join_limiter.hit(f"ip:{ip}")
        except RateLimited as limited:
            raise TooManyRoomJoins(limited.retry_after) from None
    return await services.off_loop(services.waiting_room.join, event_id, visitor)
