"""Flyers: from an event to a print poster, a square post, a story and social captions.

`Flyers` is the use case (the organizer's own events only; one generation at a time per event; a
daily limit on the paid engine); `FlyerGenerator` is the port the two engines implement
(adapters/flyers_local.py, the default, and adapters/flyers_openai.py). An engine that fails with
`FlyerEngineFailed` is replaced by the local one for that flyer, and the organizer reads why.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from eventflow.domain.clock import Clock
from eventflow.domain.errors import N_, Conflict, NotFound, ValidationFailed
from eventflow.domain.links import event_url
from eventflow.domain.models import Event, Tier, new_id
from eventflow.domain.money import format_money

log = logging.getLogger(__name__)

FORMATS = ("poster_pdf", "square_png", "story_png")
FILE_NAMES = {"poster_pdf": "poster.pdf", "square_png": "square.png", "story_png": "story.png"}
CHANNELS = ("instagram", "x", "facebook", "email")
X_LIMIT = 280  # X counts characters; Bluesky allows 300, so one text fits both
CAPTION_LIMIT = 2200  # Instagram's, the longest of the channels
THEMES = ("classic", "night", "bold", "pastel")  # the local designer's templates
ENGINES = ("local", "openai")
PAPERS = ("A4", "A3")  # the print poster's page size (bleed-safe margins on both)
A4 = PAPERS[0]
LOCAL = "local"
ARTWORK, CAPTIONS = "artwork", "captions"  # the two parts a flyer can be remade by (`only`)
BOTH = frozenset({ARTWORK, CAPTIONS})
OPENAI_DAILY_LIMIT = 10  # generations with the paid engine per organizer in the last 24 hours (see Flyers)
# How long one generation holds its event (`Flyers.lease`): longer than the slowest engine may take, short
# enough that an instance that died mid-generation frees the event soon (app/flyers.py fits it to the AI
# engine's timeouts).
GENERATION_LEASE = timedelta(minutes=5)

Captions = Mapping[str, tuple[str, ...]]


BUSY = N_("A flyer for this event is being made; wait for it to finish")


class FlyerStatus(StrEnum):
    READY = "ready"


@dataclass(frozen=True)
class FlyerFacts:
    """What a flyer says, fixed before any engine runs: engines never invent a fact."""

    event_id: str
    title: str
    when: str  # date and time in the event's timezone, e.g. "Sun 14 Mar 2027 · 20:00"
    day: str  # the date alone, for captions
    time: str
    venue: str
    price: str  # "from €12", "Free entry" or "" (no tier on sale)
    url: str  # the event page with ?ref=flyer
    description: str
    # the same facts unformatted, for captions written in another language (adapters/flyers_captions.py)
    starts_at: datetime | None = None  # in the event's timezone
    lowest_price_minor: int | None = None  # None: no tier on sale
    currency: str = "EUR"


@dataclass(frozen=True)
class FlyerDraft:
    """An engine's answer: the files by format (FORMATS) and 3 captions per channel (CHANNELS)."""

    files: dict[str, bytes]
    captions: dict[str, tuple[str, ...]]
    hashtags: tuple[str, ...] = ()
    cost_usd: float = 0.0  # what the generation cost the operator (the paid engine's estimate)


@dataclass(frozen=True)
class Flyer:
    id: str
    event_id: str
    organizer_id: str
    created_at: datetime
    engine: str  # the engine that made it ("local" also when the asked one failed)
    theme: str
    style: str
    captions: dict[str, tuple[str, ...]]
    hashtags: tuple[str, ...] = ()
    status: FlyerStatus = FlyerStatus.READY
    asked_engine: str = LOCAL  # the engine the organizer chose (counted by the daily limit)
    notice: str = ""  # why another engine made it, in the organizer's words
    cost_usd: float = 0.0
    files: tuple[str, ...] = FORMATS
    paper: str = A4  # the poster PDF's page size (PAPERS)


class FlyerEngineFailed(Exception):
    """An engine could not make this flyer; the message is for the organizer."""


class FlyerGenerator(Protocol):
    """One engine: the facts and the organizer's theme/style in, finished files and captions out."""

    def generate(self, facts: FlyerFacts, theme: str, style: str, parts: frozenset[str] = BOTH,
                 paper: str = A4) -> FlyerDraft:
        """The files when ARTWORK is in `parts` (the poster on `paper`, one of PAPERS), the captions and
        hashtags when CAPTIONS is (an engine may return both anyway)."""
        ...


class FlyerStore(Protocol):
    """Flyer records (files live in `FlyerFiles`)."""

    def save_flyer(self, flyer: Flyer) -> None:
        """Insert or overwrite the flyer (keyed by its id)."""

    def list_flyers(self, event_id: str) -> list[Flyer]:
        """The event's flyers, newest first: ordered by (created_at, id) descending."""

    def acquire_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        """`PaymentStore.acquire_lease`, the same named leases (a conditional write): a generation holds
        `generation_lease(event_id)` while it runs, so two app instances never make one event's flyers at once."""


class FlyerFiles(Protocol):
    def save(self, flyer_id: str, name: str, data: bytes) -> None: ...

    def read(self, flyer_id: str, name: str) -> bytes | None: ...


class EventReader(Protocol):
    def get_event(self, event_id: str) -> Event | None: ...

    def get_tiers(self, event_id: str) -> list[Tier]: ...

    def list_events(self, organizer_id: str) -> list[Event]: ...


class CoverSaver(Protocol):
    def save(self, event_id: str, data: bytes) -> object: ...


def generation_lease(event_id: str) -> str:
    return f"flyer:{event_id}"


def flyer_facts(event: Event, tiers: list[Tier], base_url: str) -> FlyerFacts:
    """The facts in the event's own timezone, the lowest public price through the money formatting."""
    local = event.starts_at.astimezone(ZoneInfo(event.timezone))
    day = format_datetime(local, "EEE d MMM y", locale="en")
    time = format_datetime(local, "HH:mm", locale="en")
    prices = [t.price_minor for t in tiers if not t.hidden]
    if not prices:
        price = ""
    elif min(prices) == 0:
        price = "Free entry"
    else:
        price = "from " + format_money(min(prices), event.currency).replace(".00", "")
    return FlyerFacts(event_id=event.id, title=event.title.strip(), when=f"{day} · {time}", day=day, time=time,
                      venue=event.venue.strip(), price=price, url=f"{event_url(base_url, event.slug)}?ref=flyer",
                      description=event.description.strip(), starts_at=local,
                      lowest_price_minor=min(prices) if prices else None, currency=event.currency)


@dataclass
class Flyers:
    """Make, list and download an organizer's flyers; use one as the event's cover."""

    store: EventReader
    flyer_store: FlyerStore
    files: FlyerFiles
    engines: dict[str, FlyerGenerator]  # "local" always; "openai" when configured
    clock: Clock
    base_url: str
    covers: CoverSaver | None = None
    daily_limit: int = OPENAI_DAILY_LIMIT
    lease: timedelta = GENERATION_LEASE
    _busy: set[str] = field(default_factory=set)  # this instance's generations (the store lease spans instances)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def own_event(self, organizer_id: str, event_id: str) -> Event:
        event = self.store.get_event(event_id)
        if event is None or event.organizer_id != organizer_id:
            raise NotFound("No such event")
        return event

    def generate(self, organizer_id: str, event_id: str, theme: str = "", style: str = "",
                 engine: str = LOCAL, only: str | None = None, based_on: str | None = None,
                 paper: str = A4) -> Flyer:
        """Make a flyer now (seconds: call it off the event loop). A second call for the same event while
        one runs, in this or another app instance, is refused (Conflict): one generation at a time per event
        (the store lease `generation_lease`, handed back when it ends or, if the instance died, over after
        `lease`). `only` ("artwork" or "captions") remakes that part and keeps the other from `based_on`
        (default: the latest flyer); the poster is printed on `paper` (A4 or A3; with only captions, the
        kept poster's)."""
        if engine not in ENGINES:
            raise ValidationFailed("engine must be one of {names}", field="engine", names=", ".join(ENGINES))
        if paper not in PAPERS:
            raise ValidationFailed("paper must be one of {names}", field="paper", names=", ".join(PAPERS))
        if only not in (None, ARTWORK, CAPTIONS):
            raise ValidationFailed("only must be {artwork} or {captions}", field="only", artwork=ARTWORK,
                                   captions=CAPTIONS)
        event = self.own_event(organizer_id, event_id)
        with self._lock:
            if event_id in self._busy:
                raise Conflict(BUSY)
            self._busy.add(event_id)
        owner, now = new_id("gen"), self.clock.now()
        try:
            if not self.flyer_store.acquire_lease(generation_lease(event_id), owner, now, now + self.lease):
                raise Conflict(BUSY)  # another instance is making one
            try:
                base = self._base(organizer_id, event_id, based_on) if only else None
                return self._generate(event, theme.strip()[:200], style.strip()[:40] or THEMES[0], engine,
                                      frozenset({only}) if only else BOTH, base, paper)
            finally:
                done = self.clock.now()  # handed back: the lease ends now
                self.flyer_store.acquire_lease(generation_lease(event_id), owner, done, done)
        finally:
            with self._lock:
                self._busy.discard(event_id)

    def busy(self, event_id: str) -> bool:
        with self._lock:
            return event_id in self._busy

    def _base(self, organizer_id: str, event_id: str, based_on: str | None) -> Flyer:
        if based_on:
            return self.flyer(organizer_id, event_id, based_on)
        listed = self.flyers(organizer_id, event_id)
        if not listed:
            raise ValidationFailed("Make a flyer first; then its artwork or captions can be remade", field="only")
        return listed[0]

    def _generate(self, event: Event, theme: str, style: str, engine: str, parts: frozenset[str],
                  base: Flyer | None, paper: str) -> Flyer:
        facts = flyer_facts(event, self.store.get_tiers(event.id), self.base_url)
        notice, used = "", engine
        generator = self.engines.get(engine)
        if generator is None:
            notice, used, generator = "AI flyers are not set up on this server; made with the local designer.", \
                LOCAL, self.engines[LOCAL]
        elif engine != LOCAL and self.used_today(event.organizer_id, engine) >= self.daily_limit:
            notice, used, generator = (f"You have used today's {self.daily_limit} AI flyers; made with the local "
                                       "designer."), LOCAL, self.engines[LOCAL]
        if base is not None and ARTWORK not in parts:
            paper = base.paper  # the kept poster's page
        try:
            draft = generator.generate(facts, theme, style, parts=parts, paper=paper)
        except FlyerEngineFailed as error:
            log.warning("flyer engine %s failed for event %s: %s", used, event.id, error)
            notice, used = f"{error} Made with the local designer instead.", LOCAL
            draft = self.engines[LOCAL].generate(facts, theme, style, parts=parts, paper=paper)
        if base is not None:
            draft = self._keep(base, draft, parts)
        flyer = Flyer(id=new_id("fly"), event_id=event.id, organizer_id=event.organizer_id,
                      created_at=self.clock.now(), engine=used, theme=theme, style=style,
                      captions=draft.captions, hashtags=draft.hashtags, asked_engine=engine, notice=notice,
                      cost_usd=draft.cost_usd, files=tuple(f for f in FORMATS if f in draft.files), paper=paper)
        for name in flyer.files:
            self.files.save(flyer.id, FILE_NAMES[name], draft.files[name])
        self.flyer_store.save_flyer(flyer)
        if draft.cost_usd:
            log.info("flyer %s for organizer %s cost about $%.4f", flyer.id, event.organizer_id, draft.cost_usd)
        return flyer

    def _keep(self, base: Flyer, draft: FlyerDraft, parts: frozenset[str]) -> FlyerDraft:
        """The remade part from `draft`, the other from `base`."""
        if ARTWORK not in parts:
            files = {fmt: data for fmt in base.files
                     if (data := self.files.read(base.id, FILE_NAMES[fmt])) is not None}
            return FlyerDraft(files=files, captions=draft.captions, hashtags=draft.hashtags, cost_usd=draft.cost_usd)
        return FlyerDraft(files=draft.files, captions=dict(base.captions), hashtags=base.hashtags,
                          cost_usd=draft.cost_usd)

    def used_today(self, organizer_id: str, engine: str) -> int:
        """Flyers asked of `engine` by this organizer in the last 24 hours (the daily limit's count)."""
        since = self.clock.now() - timedelta(days=1)
        return sum(1 for event in self.store.list_events(organizer_id)
                   for flyer in self.flyer_store.list_flyers(event.id)
                   if flyer.asked_engine == engine and flyer.created_at >= since)

    def flyers(self, organizer_id: str, event_id: str) -> list[Flyer]:
        self.own_event(organizer_id, event_id)
        return self.flyer_store.list_flyers(event_id)

    def flyer(self, organizer_id: str, event_id: str, flyer_id: str) -> Flyer:
        for flyer in self.flyers(organizer_id, event_id):
            if flyer.id == flyer_id:
                return flyer
        raise NotFound("No such flyer")

    def file(self, organizer_id: str, event_id: str, flyer_id: str, name: str) -> bytes:
        """One file of the flyer by format (FORMATS) or file name (FILE_NAMES)."""
        formats = {file_name: fmt for fmt, file_name in FILE_NAMES.items()}
        fmt = formats.get(name, name)
        flyer = self.flyer(organizer_id, event_id, flyer_id)
        data = self.files.read(flyer.id, FILE_NAMES[fmt]) if fmt in flyer.files else None
        if data is None:
            raise NotFound("No such flyer file")
        return data

    def edit_caption(self, organizer_id: str, event_id: str, flyer_id: str, channel: str, index: int,
                     text: str) -> Flyer:
        """The organizer's own wording for one caption variant, kept with the flyer (X's within X_LIMIT)."""
        flyer = self.flyer(organizer_id, event_id, flyer_id)
        variants = list(flyer.captions.get(channel, ()))
        if channel not in CHANNELS or not 0 <= index < len(variants):
            raise NotFound("No such caption")
        text = text.strip()
        limit = X_LIMIT if channel == "x" else CAPTION_LIMIT
        if not text or len(text) > limit:
            raise ValidationFailed("A caption has 1 to {most} characters", field="text", most=limit)
        variants[index] = text
        edited = replace(flyer, captions={**flyer.captions, channel: tuple(variants)})
        self.flyer_store.save_flyer(edited)
        return edited

    def use_as_cover(self, organizer_id: str, event_id: str, flyer_id: str) -> None:
        """The flyer's square post becomes the event's cover and social-share image."""
        if self.covers is None:
            raise ValidationFailed("Covers are not available on this server")
        self.covers.save(event_id, self.file(organizer_id, event_id, flyer_id, "square_png"))
