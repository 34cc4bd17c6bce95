"""The event page's waiting room (issue 13, domain/waiting_room.py): on a sale with a waiting room the buy
form appears only once this browser's turn has come; until then the visitor sees their place and an
estimated wait, refreshed every few seconds over the page's websocket (a `ui.timer` on the server: one
store read per open page and poll, nothing in the browser to trust).

The page's visitor id comes from the browser's id (buyer_guard.browser_token), so reloading keeps the place
and does not buy a new draw. The buy form's reserve asks for the same visitor's pass (`require_room_pass`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from zoneinfo import ZoneInfo

from nicegui import ui

from eventflow.domain.errors import NotFound
from eventflow.domain.models import Event
from eventflow.domain.waiting_room import RoomStateName, RoomStatus, TooManyRoomJoins, WaitingRoomRequired
from eventflow.i18n import _, error_text
from eventflow.pages.components.buyer_guard import browser_token
from eventflow.pages.components.room_join_guard import client_ip, enter_room
from eventflow.services import Services

POLL_SECONDS = 3.0  # the soonest poll; far from the front a page polls every tenth of its wait, up to a minute
LONGEST_POLL_SECONDS = 60.0


def page_visitor(event_id: str) -> str | None:
    """This browser's visitor id in the event's room (None outside a page request)."""
    token = browser_token()
    if token is None:
        return None
    return "wb_" + hashlib.sha256(f"{token}\n{event_id}".encode()).hexdigest()[:24]


async def has_room(services: Services, event_id: str) -> bool:
    rules = services.waiting_room.rules
    settings = rules.cached(event_id)
    if settings is None:  # older than a second: read off the loop
        settings = await services.off_loop(rules.settings, event_id)
    return settings.has_room


async def require_room_pass(services: Services, event_id: str) -> None:
    """Before the buy form's reserve: nothing without a room; else this browser's pass, or
    WaitingRoomRequired (shown as the form's message)."""
    if not await has_room(services, event_id):
        return
    visitor = page_visitor(event_id)
    if visitor is None:
        raise WaitingRoomRequired()
    try:
        status = await services.off_loop(services.waiting_room.status, event_id, visitor)
    except NotFound:
        raise WaitingRoomRequired() from None
    services.waiting_room.check_reserve(event_id, status.room_pass)


async def waiting_room_or(services: Services, event: Event, build_form: Callable[[], None]) -> None:
    """The buy form at once without a waiting room; else the room's card, and the form once admitted."""
    visitor = page_visitor(event.id)
    if visitor is None or not await has_room(services, event.id):
        build_form()
        return
    try:
        status = await enter_room(services, event.id, visitor, client_ip())
    except TooManyRoomJoins as refused:  # too many new visitors from this address: said, nothing stored
        ui.label(error_text(refused)).classes("text-base text-red-700").props("data-testid=room-refused")
        return
    with ui.card().classes("w-full gap-1 border border-indigo-200 bg-indigo-50").props("data-testid=waiting-room"):
        ui.label(_("Waiting room")).classes("text-lg font-semibold")
        place = ui.label("").classes("text-xl font-bold").props("data-testid=room-place")
        detail = ui.label("").classes("text-sm text-slate-700").props("data-testid=room-detail")
        ui.label(_("Keep this page open: it updates by itself.")).classes("text-xs text-slate-500")
    form_slot = ui.column().classes("w-full")
    built = False

    def show(current: RoomStatus) -> None:
        nonlocal built
        place.set_text(place_words(current))
        detail.set_text(detail_words(current, event))
        if current.state is RoomStateName.ADMITTED and not built:
            built = True
            with form_slot:
                build_form()

    async def poll() -> None:
        current = await services.off_loop(services.waiting_room.status, event.id, visitor)
        show(current)
        if current.state is RoomStateName.ADMITTED:
            timer.deactivate()
        # Store reads scale with the crowd: a million waiting pages at 3 s would be 333,000 reads/s
        # (benchmarks/sim_waiting_room.py); the estimate is good enough far from the front. Sold out: tickets
        # may come back (an expired hold), so keep asking, once a minute.
        wait = LONGEST_POLL_SECONDS if current.state is RoomStateName.SOLD_OUT else (current.wait_seconds or 0) / 10
        timer.interval = min(LONGEST_POLL_SECONDS, max(POLL_SECONDS, wait))

    show(status)
    timer = ui.timer(POLL_SECONDS, poll, active=status.state is not RoomStateName.ADMITTED)


def place_words(status: RoomStatus) -> str:
    if status.state is RoomStateName.ADMITTED:
        return _("It's your turn! Choose your tickets below.")
    if status.state is RoomStateName.SOLD_OUT:
        return _("Sold out: no tickets left for the people still waiting.")
    if status.position is None:
        return _("You are in the waiting room.")
    return _("You are number {position} in the queue.").format(position=status.position)


def detail_words(status: RoomStatus, event: Event) -> str:
    if status.state is RoomStateName.BEFORE_OPENING and status.opens_at is not None:
        opens = status.opens_at.astimezone(ZoneInfo(event.timezone)).strftime("%Y-%m-%d %H:%M")
        return _("The sale opens at {time} ({zone}). Everyone here before then gets a place in a random draw "
                 "at the opening: no need to refresh.").format(time=opens, zone=event.timezone)
    if status.state is RoomStateName.WAITING and status.ahead is not None and status.wait_seconds is not None:
        minutes = max(1, -(-status.wait_seconds // 60))
        return _("{ahead} ahead of you, about {minutes} min.").format(ahead=status.ahead, minutes=minutes)
    return ""
