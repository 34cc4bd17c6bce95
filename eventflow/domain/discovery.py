"""Being found: the public listing of events (browse and search), organizer addresses, the port.

Every event an organizer saves gets a `Listing`: the fields a search needs (title, venue, city,
tags, dates) copied from the event and folded into `words`, kept by the `DiscoveryStore` next to
the event. Only published listings are searchable. The store indexes them so a search reads a
bounded slice, never every event (SQLite: indexes and FTS5; DynamoDB: discovery partitions per
month, tag, city and organizer, docs/dynamodb.md "Discovery").

What a search matches, the same on every store (the contract in tests/store/test_contract_discovery.py):
- published listings that have not ended (`ends_at > now`) and started at most `LONG_RUNNING`
  before the window's start (`date_from`, or now): a festival running for weeks drops out of
  browse a week after it began;
- `starts_at` in [`date_from`, `date_to`) when given; `city` equal (folded); `tag` among the tags;
  `organizer_id` equal;
- every word of `text` is the beginning of a word of the title, venue, city or tags (folded:
  case, accents and punctuation do not matter; at most `MAX_QUERY_WORDS` words are used);
- ordered by (starts_at, event_id), keyset-paged like the home page.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from eventflow.domain.errors import Conflict, ValidationFailed
from eventflow.domain.models import Event, EventStatus, slugify

LONG_RUNNING = timedelta(days=7)  # how long after its start a running event stays in browse
MAX_TAGS = 5
MAX_TAG_LENGTH = 30
MAX_QUERY_WORDS = 8
MAX_WORD_LENGTH = 40
NEW_FOR = timedelta(days=7)  # "new": first published within this long


def fold(text: str) -> str:
    """Lower case without accents: what every comparison of words, tags and cities uses."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words_of(text: str) -> list[str]:
    """The folded words of a text: runs of letters and digits (emoji and punctuation separate them)."""
    return [w[:MAX_WORD_LENGTH] for w in re.findall(r"[^\W_]+", fold(text))]


def query_words(text: str) -> tuple[str, ...]:
    """The words a search asks for, de-duplicated, at most MAX_QUERY_WORDS."""
    return tuple(dict.fromkeys(words_of(text)))[:MAX_QUERY_WORDS]


def clean_tag(text: str) -> str:
    """One tag as stored: folded words joined by '-', e.g. 'Jazz & Blues' -> 'jazz-blues'."""
    return "-".join(words_of(text))[:MAX_TAG_LENGTH].strip("-")


def clean_tags(tags: list[str] | tuple[str, ...] | str) -> tuple[str, ...]:
    """An organizer's tags (a list, or one comma-separated text): cleaned, unique, at most MAX_TAGS."""
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    cleaned = tuple(dict.fromkeys(t for t in (clean_tag(str(item)) for item in items) if t))
    if len(cleaned) > MAX_TAGS:
        raise ValidationFailed("At most {most} tags", field="tags", most=MAX_TAGS)
    return cleaned


def city_of(venue: str) -> str:
    """The city a venue names: its last comma-separated part ('Kulturhaus, Berlin' -> 'berlin')."""
    parts = [p for p in venue.split(",") if p.strip()]
    return " ".join(words_of(parts[-1])) if parts else ""


class AddressTaken(Conflict):
    """This address is taken by another organizer: choose another."""


@dataclass(frozen=True, slots=True)
class Listing:
    """What browse, search and recommendations know of one event."""

    event_id: str
    organizer_id: str
    slug: str
    title: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    published: bool
    tags: tuple[str, ...] = ()
    first_published_at: datetime | None = None  # "new" counts from here; set once

    @property
    def city(self) -> str:
        return city_of(self.venue)

    @property
    def words(self) -> str:
        """The searchable words, space-separated with a space at each end (' jazz night berlin ')."""
        text = " ".join((self.title, self.venue, *self.tags))
        return " " + " ".join(dict.fromkeys(words_of(text))) + " "

    @property
    def key(self) -> tuple[datetime, str]:
        return self.starts_at, self.event_id

    def to_json(self) -> str:
        data: dict[str, Any] = asdict(self)
        for name in ("starts_at", "ends_at", "first_published_at"):
            data[name] = data[name].astimezone(UTC).isoformat() if data[name] else None
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> Listing:
        data = json.loads(text)
        for name in ("starts_at", "ends_at", "first_published_at"):
            data[name] = datetime.fromisoformat(data[name]) if data[name] else None
        data["tags"] = tuple(data["tags"])
        return Listing(**data)


def listing_of(event: Event, previous: Listing | None, now: datetime) -> Listing:
    """The listing of an event as saved now, keeping its tags and first publication."""
    published = event.status is EventStatus.PUBLISHED
    first = previous.first_published_at if previous else None
    return Listing(
        event_id=event.id, organizer_id=event.organizer_id, slug=event.slug, title=event.title, venue=event.venue,
        starts_at=event.starts_at, ends_at=event.ends_at, timezone=event.timezone, published=published,
        tags=previous.tags if previous else (), first_published_at=first or (now if published else None))


@dataclass(frozen=True, slots=True)
class ListingQuery:
    """What a visitor asked for; every part optional. Build with `ListingQuery.of` to check it."""

    text: tuple[str, ...] = ()  # folded words (query_words)
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive
    city: str = ""  # folded (city_of)
    tag: str = ""  # cleaned (clean_tag)
    organizer_id: str = ""

    @staticmethod
    def of(text: str = "", date_from: datetime | None = None, date_to: datetime | None = None, city: str = "",
           tag: str = "", organizer_id: str = "") -> ListingQuery:
        if date_from and date_to and date_to <= date_from:
            raise ValidationFailed("'to' must be after 'from'", field="to")
        for name, value in (("from", date_from), ("to", date_to)):
            if value is not None and value.tzinfo is None:
                raise ValidationFailed("'{name}' needs a timezone", field=name, name=name)
        return ListingQuery(query_words(text[:400]), date_from, date_to, city_of(city[:200]),
                            clean_tag(tag[:200]), organizer_id)

    def window_start(self, now: datetime) -> datetime:
        """The earliest start a matching listing can have (see the module docstring)."""
        return self.date_from if self.date_from is not None else now - LONG_RUNNING

    def matches(self, listing: Listing, now: datetime) -> bool:
        """The rule itself, in Python: the fake store's search and the tests' expectation."""
        words = listing.words
        return (listing.published and listing.ends_at > now and listing.starts_at >= self.window_start(now)
                and (self.date_to is None or listing.starts_at < self.date_to)
                and (not self.city or listing.city == self.city)
                and (not self.tag or self.tag in listing.tags)
                and (not self.organizer_id or listing.organizer_id == self.organizer_id)
                and all(f" {word}" in words for word in self.text))


@dataclass(frozen=True, slots=True)
class ListingPage:
    """One page of a search. `next_after` is the cursor of the next page (None: nothing after).
    A page may be shorter than asked and still have a next one: a networked store stops after a
    bounded amount of reading (docs/dynamodb.md); following the cursors returns every match once."""

    listings: tuple[Listing, ...]
    next_after: tuple[datetime, str] | None


@dataclass(frozen=True, slots=True)
class OrganizerAddress:
    """`/o/<slug>`: an organizer's public address, unique, chosen in account settings."""

    organizer_id: str
    slug: str


class DiscoveryStore(Protocol):
    """Listings and organizer addresses, implemented by every store (store/*/discovery.py)."""

    def save_listing(self, listing: Listing) -> None:
        """Create or replace the listing of `listing.event_id`, with its index entries."""

    def save_listings(self, listings: list[Listing]) -> None:
        """Many `save_listing`s at once (a first load or a re-index); each listing whole, not the set."""

    def get_listing(self, event_id: str) -> Listing | None: ...

    def search_listings(self, query: ListingQuery, now: datetime, limit: int,
                        after: tuple[datetime, str] | None = None) -> ListingPage:
        """One page of matches (module docstring), keyset after `after`; at most `limit` (>= 1)."""

    def set_organizer_slug(self, organizer_id: str, slug: str) -> None:
        """Give the organizer this address (freeing their old one); AddressTaken if another has it."""

    def organizer_slug(self, organizer_id: str) -> str | None: ...

    def find_organizer_by_slug(self, slug: str) -> str | None:
        """The organizer id at this address, or None."""


def clean_organizer_slug(text: str) -> str:
    """An address as typed ('Jazz Club Berlin!') -> 'jazz-club-berlin'; refused when empty or too short."""
    slug = slugify(text) if text.strip() else ""
    if len(slug) < 3 or slug == "event":
        raise ValidationFailed("Choose an address of at least 3 letters or digits", field="slug")
    return slug[:40].strip("-")


@dataclass(frozen=True, slots=True)
class BrowseCard:
    """A listing as browse shows it: with its markers."""

    listing: Listing
    almost_sold_out: bool = False
    sold_out: bool = False
    new: bool = False
    tickets_this_week: int = 0  # "popular this week" only


@dataclass(frozen=True, slots=True)
class BrowsePage:
    cards: tuple[BrowseCard, ...]
    next_after: tuple[datetime, str] | None
    popular: tuple[BrowseCard, ...] = field(default_factory=tuple)


def with_tags(listing: Listing, tags: tuple[str, ...]) -> Listing:
    return replace(listing, tags=tags)


# ---------------------------------------------------------------- what visitors type into a URL
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_PAGE_TOKEN = 200


def page_token(after: tuple[datetime, str]) -> str:
    """A page cursor as text: `<microseconds since 1970>_<event id>` (exact, URL-safe)."""
    return f"{(after[0] - EPOCH) // timedelta(microseconds=1)}_{after[1]}"


def read_page_token(text: str | None) -> tuple[datetime, str] | None:
    """The cursor a page token names; None for none; ValidationFailed for one that is not ours."""
    if not text:
        return None
    micros, sep, event_id = text.partition("_")
    if len(text) > MAX_PAGE_TOKEN or not sep or not micros.lstrip("-").isdigit() or len(micros) > 20:
        raise ValidationFailed("This page link is not valid; start from the first page", field="page")
    try:
        return EPOCH + timedelta(microseconds=int(micros)), event_id
    except OverflowError:
        raise ValidationFailed("This page link is not valid; start from the first page", field="page") from None


def read_day_or_instant(name: str, text: str | None, *, end: bool = False) -> datetime | None:
    """`2026-12-24` (a UTC day: its start, or with `end` the next day's start) or an ISO instant with
    its offset; ValidationFailed for anything else (2026-02-30, a naive time, garbage)."""
    if not text or not text.strip():
        return None
    text = text.strip()[:40]
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) if end else day
        instant = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise ValidationFailed("'{name}' is a date like 2026-12-24 or an instant like 2026-12-24T18:00+01:00",
                               field=name, name=name) from None
    if instant.tzinfo is None:
        raise ValidationFailed("'{name}' needs a timezone offset (e.g. +01:00 or Z)", field=name, name=name)
    return instant.astimezone(UTC)
