"""The waiting room for hot on-sales (issue 13): a fair queue in front of `reserve`.

An event with a waiting room (domain/sale_settings.py) opens its sale at `opens_at`:
- Everyone who arrives BEFORE the opening gets a random draw key at arrival; at the opening the store
  ranks the early arrivals by that key (`WaitingRoomStore.draw_waiting_room`, an index walk once, not a
  scan per admission): position 1..N in a random order, so refreshing at :00.000 gains nothing and a bot
  cannot tell its rank from its arrival.
- Later arrivals join the end: position = N + their number from an atomic counter (SQLite: a counter row
  in the join's transaction; DynamoDB: an atomic ADD on the room's item).
- The room admits positions at a rate (`sale_settings.admission_rate`): by `t` seconds after the opening
  positions up to floor(rate * (t + HEAD_START) / 60) are in. Admission is a function of the clock, so it
  writes nothing: no scan, no counter, the same answer on every instance.
- An admitted visitor gets a signed pass (HMAC of event, visitor and expiry; `RoomPass`); `reserve` (API and
  page, `Services.reserve` / the buy form) checks it without a store read. No pass: 403 `waiting_room`.
A pass also names its visitor, who becomes the hold's buyer token: one pass, one standing hold.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from eventflow.domain.errors import DomainError, NotFound, ValidationFailed
from eventflow.domain.sale_settings import SaleRules, SaleSettings, admission_rate

if TYPE_CHECKING:  # reservations imports sale_settings, not this module; typed only
    from eventflow.domain.reservations import Ticketing

HEAD_START_SECONDS = 10  # the first ten seconds' admissions go in at the opening
PASS_LIFETIME = timedelta(minutes=30)  # from the admission: time to choose and reserve (a hold then runs on its own)
RANDOM_KEY_BITS = 62  # the draw key: random, fits a signed 64-bit integer and a DynamoDB number exactly
MAX_VISITOR_ID = 64


class WaitingRoomRequired(DomainError):
    """This sale has a waiting room: please queue for your turn."""

    code = "waiting_room"
    status = 403

    def __init__(self, queue_url: str = "", detail: str = "") -> None:
        super().__init__(detail)
        self.queue_url = queue_url  # where to queue (the API's join route)


class TooManyRoomJoins(DomainError):
    """Many people joined this waiting room from your network just now. Please try again in a minute."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after  # seconds until this network may bring one more visitor in


class RoomStateName(StrEnum):
    BEFORE_OPENING = "before_opening"  # in the room; the order is drawn at the opening
    WAITING = "waiting"  # has a position, not yet admitted
    ADMITTED = "admitted"  # has a pass
    SOLD_OUT = "sold_out"  # nothing left for the positions still waiting


@dataclass(frozen=True, slots=True)
class RoomEntry:
    event_id: str
    visitor_id: str
    joined_at: datetime
    random_key: int  # the draw key (early arrivals)
    early: bool  # arrived before the opening: placed by the draw
    late_number: int | None = None  # 1, 2, ... for later arrivals, from the room's counter
    drawn_position: int | None = None  # an early arrival's place, written by the draw


@dataclass(frozen=True, slots=True)
class RoomState:
    event_id: str
    drawn: bool = False  # the early arrivals are ranked; no more early joins
    early_total: int = 0  # how many arrived early (set by the draw)
    late_count: int = 0  # later arrivals so far

    def position(self, entry: RoomEntry) -> int | None:
        """The entry's place in the queue (1 = first); None for an early arrival before the draw."""
        if entry.early:
            return entry.drawn_position if self.drawn else None
        if not self.drawn or entry.late_number is None:
            return None
        return self.early_total + entry.late_number


class WaitingRoomStore(Protocol):
    def join_waiting_room(self, entry: RoomEntry, opens_at: datetime) -> RoomEntry:
        """Put the visitor in the room once: a second join returns the stored entry unchanged. The store
        decides early or late atomically: early when `entry.joined_at < opens_at` and the room is not drawn
        yet (no early join lands after the draw started); otherwise late, numbered by the room's counter."""

    def get_room_entry(self, event_id: str, visitor_id: str) -> RoomEntry | None: ...

    def get_room_state(self, event_id: str) -> RoomState:
        """The room's counters (all zero and not drawn for a room nobody joined)."""

    def draw_waiting_room(self, event_id: str) -> RoomState:
        """Close the room to early joins, rank the early arrivals by (random_key, visitor_id), write each its
        position, then mark the room drawn with the early total. Idempotent, safe on several instances at
        once: the ranking of a closed set is the same whoever computes it."""


@dataclass(frozen=True, slots=True)
class RoomStatus:
    state: RoomStateName
    visitor_id: str
    position: int | None = None
    ahead: int | None = None  # positions before this one still waiting
    wait_seconds: int | None = None  # estimated wait until admission
    opens_at: datetime | None = None
    room_pass: str | None = None  # when admitted
    pass_expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RoomSummary:
    """What the event's public view says about its sale: a waiting room, a drop, the opening, the queue."""

    waiting_room: bool
    opens_at: datetime | None  # the sale's opening (set with or without a room)
    is_open: bool  # the opening has passed (or there is none)
    drop_mode: bool  # holds are short while this sale runs
    queue_length: int | None = None  # positions given so far; None before the draw (not counted until then)


class RoomPasses:
    """Signed admission passes: `wr1.<event>.<visitor>.<expiry>.<signature>`, HMAC-SHA256 under a key
    derived from the app secret (as adapters/tokens.py signs with it): forged or altered -> refused."""

    def __init__(self, secret_key: str) -> None:
        self._key = hmac.new(secret_key.encode(), b"eventflow waiting room pass", hashlib.sha256).digest()

    def issue(self, event_id: str, visitor_id: str, expires_at: datetime) -> str:
        body = f"wr1.{event_id}.{visitor_id}.{int(expires_at.timestamp())}"
        return f"{body}.{self._sign(body)}"

    def visitor(self, room_pass: str | None, event_id: str, now: datetime) -> str | None:
        """The visitor a valid, unexpired pass of this event names; None otherwise."""
        if not room_pass or len(room_pass) > 300:
            return None
        body, _, signature = room_pass.rpartition(".")
        parts = body.split(".")
        if len(parts) != 4 or parts[0] != "wr1" or not hmac.compare_digest(signature, self._sign(body)):
            return None
        _, pass_event, visitor, expiry = parts
        if pass_event != event_id or not expiry.isdigit() or int(expiry) <= now.timestamp():
            return None
        return visitor

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode()


def admitted_positions(rate_per_minute: int, opens_at: datetime, now: datetime) -> int:
    """How many positions are in by `now` (0 before the opening)."""
    if now < opens_at:
        return 0
    return math.floor(rate_per_minute * ((now - opens_at).total_seconds() + HEAD_START_SECONDS) / 60)


def admitted_at(position: int, rate_per_minute: int, opens_at: datetime) -> datetime:
    """When `position` gets in (the inverse of `admitted_positions`): the pass's expiry counts from it."""
    seconds = max(0.0, position * 60 / rate_per_minute - HEAD_START_SECONDS)
    return opens_at + timedelta(seconds=math.ceil(seconds))


def new_visitor_id() -> str:
    return "wv_" + secrets.token_urlsafe(12)


def valid_visitor_id(visitor_id: str) -> str:
    if not 1 <= len(visitor_id) <= MAX_VISITOR_ID or not all(c.isalnum() or c in "_-" for c in visitor_id):
        raise ValidationFailed("Not a waiting-room visitor id", field="visitor_id")
    return visitor_id


class WaitingRoom:
    """Join, see your place, get your pass; and the check `reserve` makes."""

    def __init__(self, store: WaitingRoomStore, rules: SaleRules, passes: RoomPasses,
                 capacity_of: CapacityReader, hold: timedelta, now: NowReader) -> None:
        self.store = store
        self.rules = rules
        self.passes = passes
        self.capacity_of = capacity_of
        self.hold = hold
        self.now = now
        self._drawn: dict[str, RoomState] = {}  # rooms drawn, as this process saw them
        self._drawing: set[str] = set()  # rooms this process is drawing now (a big DynamoDB draw takes minutes)
        self._draw_lock = threading.Lock()

    def room(self, event_id: str) -> SaleSettings:
        settings = self.rules.settings(event_id)
        if not settings.has_room:
            raise NotFound("This sale has no waiting room")
        return settings

    def join(self, event_id: str, visitor_id: str | None = None) -> RoomStatus:
        """Enter the room (again: the same place) and get the current status."""
        settings = self.room(event_id)
        assert settings.opens_at is not None
        visitor = valid_visitor_id(visitor_id) if visitor_id else new_visitor_id()
        entry = self.store.get_room_entry(event_id, visitor)
        if entry is None:
            entry = self.store.join_waiting_room(
                RoomEntry(event_id, visitor, self.now(), secrets.randbits(RANDOM_KEY_BITS), early=False),
                settings.opens_at)
        return self._status(settings, entry)

    def status(self, event_id: str, visitor_id: str) -> RoomStatus:
        settings = self.room(event_id)
        entry = self.store.get_room_entry(event_id, valid_visitor_id(visitor_id))
        if entry is None:
            raise NotFound("Not in this waiting room; join it first")
        return self._status(settings, entry)

    def _status(self, settings: SaleSettings, entry: RoomEntry) -> RoomStatus:
        assert settings.opens_at is not None
        now = self.now()
        if now < settings.opens_at:
            return RoomStatus(RoomStateName.BEFORE_OPENING, entry.visitor_id, opens_at=settings.opens_at)
        state = self._drawn.get(entry.event_id) or self.store.get_room_state(entry.event_id)
        if not state.drawn:  # the first visitor after the opening draws (idempotent on every instance)
            if not self._start_draw(entry.event_id):  # this process draws already: no second copy of it
                return RoomStatus(RoomStateName.WAITING, entry.visitor_id, opens_at=settings.opens_at)
            try:
                state = self.store.draw_waiting_room(entry.event_id)
            finally:
                with self._draw_lock:
                    self._drawing.discard(entry.event_id)
            entry = self.store.get_room_entry(entry.event_id, entry.visitor_id) or entry  # with its position
        if state.drawn:  # final: its early total never changes, so no read of the room's item per poll
            self._drawn[entry.event_id] = state
        position = state.position(entry)
        if position is None:  # a late entry stored before the room's state was read: read again shortly
            return RoomStatus(RoomStateName.WAITING, entry.visitor_id, opens_at=settings.opens_at)
        capacity, available = self.capacity_of(entry.event_id)
        rate = admission_rate(settings, capacity, self.hold)
        admitted = admitted_positions(rate, settings.opens_at, now)
        if available <= 0:  # before the pass: nobody is sent to a sold-out form (tickets back: admitted again)
            return RoomStatus(RoomStateName.SOLD_OUT, entry.visitor_id, position, opens_at=settings.opens_at)
        if position <= admitted:
            expires = admitted_at(position, rate, settings.opens_at) + PASS_LIFETIME
            if expires > now:
                return RoomStatus(RoomStateName.ADMITTED, entry.visitor_id, position, 0, 0, settings.opens_at,
                                  self.passes.issue(entry.event_id, entry.visitor_id, expires), expires)
        ahead = max(0, position - admitted - 1)
        wait = max(0, math.ceil((position - admitted) * 60 / rate))
        return RoomStatus(RoomStateName.WAITING, entry.visitor_id, position, ahead, wait, settings.opens_at)

    def summary(self, event_id: str) -> RoomSummary:
        """The sale's room at a glance: the recent copy of the settings, plus for a room after its opening one
        read of its counters (no scan: the drawn early total and the late arrivals' counter)."""
        settings = self.rules.settings(event_id)
        now = self.now()
        is_open = settings.opens_at is None or now >= settings.opens_at
        queue = None
        if settings.has_room and is_open:
            state = self.store.get_room_state(event_id)  # not the drawn copy: its late count moves on
            queue = state.early_total + state.late_count if state.drawn else None
        return RoomSummary(settings.has_room, settings.opens_at, is_open,
                           self.rules.drop_hold(event_id) is not None, queue)

    def _start_draw(self, event_id: str) -> bool:
        """Claim this room's draw for the calling thread: the polls meanwhile wait instead of each drawing."""
        with self._draw_lock:
            if event_id in self._drawing:
                return False
            self._drawing.add(event_id)
            return True

    def check_reserve(self, event_id: str, room_pass: str | None, queue_url: str = "") -> str | None:
        """Before a reserve: None for a sale without a waiting room (from the recent copy of the settings:
        no store read per reserve); the pass's visitor for a valid pass; else WaitingRoomRequired."""
        settings = self.rules.settings(event_id)
        if not settings.has_room:
            return None
        visitor = self.passes.visitor(room_pass, event_id, self.now())
        if visitor is None:
            raise WaitingRoomRequired(queue_url)
        return visitor


class CapacityReader(Protocol):
    def __call__(self, event_id: str) -> tuple[int, int]:
        """(capacity, available) of the event's public tiers, from a recent read."""


class NowReader(Protocol):
    def __call__(self) -> datetime: ...


def waiting_room_for(ticketing: Ticketing, secret_key: str, one_hold_default: bool, drop_minutes: float) -> WaitingRoom:
    """The app's waiting room on the ticketing's store, catalogue and clock; installs the per-event sale
    rules in `ticketing` when the wiring has not."""
    if ticketing.sale_rules is None:
        drop = timedelta(minutes=drop_minutes) if drop_minutes else None
        ticketing.sale_rules = SaleRules(ticketing.store, one_hold_default, drop)
    catalog = ticketing.catalog

    def capacity_of(event_id: str) -> tuple[int, int]:
        tiers = [tier for tier in catalog.recent_view(event_id).tiers if not tier.hidden]
        return sum(t.capacity for t in tiers), sum(t.available for t in tiers)

    return WaitingRoom(ticketing.store, ticketing.sale_rules, RoomPasses(secret_key), capacity_of,
                       ticketing.hold_duration, ticketing.clock.now)
