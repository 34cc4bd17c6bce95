"""Browse, organizer pages and recommendations: the use cases over the discovery listings.

`Browse.event_saved` is the catalogue's after-save hook (wired in app/wiring.py): every saved event
refreshes its listing, and the first publication of an event tells the organizer's followers.
Reads are bounded on every store: a search page reads the index slice it needs
(domain/discovery.py), the markers of a page cost one `tier_counts`, "popular this week" reads the
dashboard's sales aggregates of at most `POPULAR_CANDIDATES` upcoming events (cached), and "more
like this" runs a handful of small searches (cached per event).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from eventflow.domain.attendee_mail import when_text
from eventflow.domain.clock import Clock
from eventflow.domain.discovery import (
    NEW_FOR,
    BrowseCard,
    BrowsePage,
    DiscoveryStore,
    Listing,
    ListingQuery,
    clean_organizer_slug,
    clean_tags,
    listing_of,
)
from eventflow.domain.errors import Conflict, NotFound
from eventflow.domain.follows import Announcement, Follows
from eventflow.domain.links import event_url
from eventflow.domain.models import AvailabilityBand, Event, Organizer, TierCount, availability_band, slugify
from eventflow.domain.sales_stats import SalesSummary

POPULAR_CANDIDATES = 40  # the soonest upcoming events whose week of sales is compared
POPULAR_SHOWN = 4
POPULAR_CACHE_SECONDS = 300.0
LIKE_CACHE_SECONDS = 60.0
MORE_LIKE_THIS = 4
BACKFILL_MARKER = "browse-backfill"  # a store lease: held while listing old events, then kept as "done"
BACKFILL_LEASE = timedelta(minutes=15)
BACKFILL_DONE = timedelta(days=36_500)
T = TypeVar("T")


class BrowseStore(DiscoveryStore, Protocol):
    """What browse needs of the store besides the listings."""

    def get_event(self, event_id: str) -> Event | None: ...

    def list_published_events(self) -> list[Event]: ...

    def get_organizer(self, organizer_id: str) -> Organizer | None: ...

    def tier_counts(self, event_ids: Sequence[str]) -> dict[str, list[TierCount]]: ...

    def sales_summary(self, event_id: str, since: datetime | None = None) -> SalesSummary: ...

    def acquire_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool: ...


@dataclass(frozen=True, slots=True)
class OrganizerProfile:
    organizer_id: str
    name: str
    slug: str
    cards: tuple[BrowseCard, ...]
    next_after: tuple[datetime, str] | None


class _Cache:
    """A few computed answers kept for a while (per process): popular and similar events change slowly."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and time.monotonic() - entry[0] < self.seconds:
            return entry[1]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            if len(self._entries) > 2_000:
                self._entries.clear()
            self._entries[key] = (time.monotonic(), value)
        return value


class Browse:
    def __init__(self, store: BrowseStore, clock: Clock, follows: Follows | None = None,
                 public_url: str = "", cache_seconds: float | None = None) -> None:
        self.store = store
        self.clock = clock
        self.follows = follows
        self.public_url = public_url
        self._popular = _Cache(POPULAR_CACHE_SECONDS if cache_seconds is None else cache_seconds)
        self._like = _Cache(LIKE_CACHE_SECONDS if cache_seconds is None else cache_seconds)

    # ---------------------------------------------------------------- writes
    def event_saved(self, event: Event) -> None:
        """The catalogue saved `event`: refresh its listing; on its first publication, give the
        organizer an address if they have none and tell their followers."""
        previous = self.store.get_listing(event.id)
        listing = listing_of(event, previous, self.clock.now())
        if listing == previous:
            return
        self.store.save_listing(listing)
        if listing.published and (previous is None or previous.first_published_at is None):
            organizer = self.store.get_organizer(event.organizer_id)
            name = organizer.name if organizer else "An organizer"
            if organizer is not None and self.store.organizer_slug(organizer.id) is None:
                self._give_address(organizer)
            if self.follows is not None:
                self.follows.announce(event.organizer_id, event.id, Announcement(
                    organizer_name=name, title=event.title, when=when_text(event), venue=event.venue,
                    event_url=event_url(self.public_url, event.slug), event=event))

    def backfill_once(self, chunk: int = 100) -> int:
        """`backfill`, once per data store: the lease `BACKFILL_MARKER` is taken for `BACKFILL_LEASE` while
        it runs (one instance at a time) and then kept for a century, the store's mark that it is done, so
        later starts read no events. A failed run leaves the short lease, which a later start takes over."""
        owner, now = secrets.token_hex(8), self.clock.now()
        if not self.store.acquire_lease(BACKFILL_MARKER, owner, now, now + BACKFILL_LEASE):
            return 0  # done before (the marker), or another instance is at it right now
        written = self.backfill(chunk)
        self.store.acquire_lease(BACKFILL_MARKER, owner, now, now + BACKFILL_DONE)
        return written

    def backfill(self, chunk: int = 100) -> int:
        """List the published events that have no listing yet (events from before browse existed);
        run once at start-up, in the background. Their "new" counts from their creation. Returns how many."""
        written, missing = 0, []
        for event in self.store.list_published_events():
            if self.store.get_listing(event.id) is None:
                missing.append(listing_of(event, None, event.created_at))
            if len(missing) == chunk:
                self.store.save_listings(missing)
                written, missing = written + len(missing), []
        if missing:
            self.store.save_listings(missing)
        return written + len(missing)

    def set_tags(self, organizer_id: str, event_id: str, tags: list[str] | str) -> tuple[str, ...]:
        event = self.store.get_event(event_id)
        if event is None or event.organizer_id != organizer_id:
            raise NotFound("No such event")
        cleaned = clean_tags(tags)
        previous = self.store.get_listing(event_id)
        self.store.save_listing(replace(listing_of(event, previous, self.clock.now()), tags=cleaned))
        return cleaned

    def tags_of(self, event_id: str) -> tuple[str, ...]:
        listing = self.store.get_listing(event_id)
        return listing.tags if listing else ()

    def set_organizer_slug(self, organizer_id: str, text: str) -> str:
        slug = clean_organizer_slug(text)
        self.store.set_organizer_slug(organizer_id, slug)
        return slug

    def organizer_slug(self, organizer_id: str) -> str | None:
        return self.store.organizer_slug(organizer_id)

    def _give_address(self, organizer: Organizer) -> None:
        base = slugify(organizer.name)[:32].strip("-")
        base = base if len(base) >= 3 and base != "event" else "organizer"
        for attempt in range(10):
            try:
                self.store.set_organizer_slug(organizer.id, base if attempt == 0 else f"{base}-{secrets.token_hex(2)}")
                return
            except Conflict:
                continue

    # ---------------------------------------------------------------- reads
    def search(self, query: ListingQuery, limit: int, after: tuple[datetime, str] | None = None) -> BrowsePage:
        now = self.clock.now()
        page = self.store.search_listings(query, now, limit, after)
        return BrowsePage(self.cards(page.listings, now), page.next_after)

    def cards(self, listings: Sequence[Listing], now: datetime,
              sold: dict[str, int] | None = None) -> tuple[BrowseCard, ...]:
        """The listings with their markers: one `tier_counts` for all of them."""
        counts = self.store.tier_counts([listing.event_id for listing in listings]) if listings else {}
        cards = []
        for listing in listings:
            tiers = counts.get(listing.event_id, [])
            capacity, available = sum(t.capacity for t in tiers), sum(t.available for t in tiers)
            band = availability_band(available, capacity) if tiers else AvailabilityBand.PLENTY
            fresh = listing.first_published_at is not None and listing.first_published_at >= now - NEW_FOR
            cards.append(BrowseCard(listing, almost_sold_out=band is AvailabilityBand.FEW,
                                    sold_out=band is AvailabilityBand.NONE, new=fresh,
                                    tickets_this_week=(sold or {}).get(listing.event_id, 0)))
        return tuple(cards)

    def popular_this_week(self) -> tuple[BrowseCard, ...]:
        """The upcoming events that sold most tickets in the last 7 days, from the dashboard's
        hourly aggregates (no order is read); cached for a few minutes."""
        return self._popular.get("popular", self._compute_popular)

    def _compute_popular(self) -> tuple[BrowseCard, ...]:
        now = self.clock.now()
        since = now - timedelta(days=7)
        candidates = self.store.search_listings(ListingQuery(), now, POPULAR_CANDIDATES).listings
        sold: dict[str, int] = {}
        for listing in candidates:
            summary = self.store.sales_summary(listing.event_id, since=since)
            sold[listing.event_id] = sum(b.tickets for b in summary.buckets if b.hour >= since - timedelta(hours=1))
        ranked = sorted((c for c in candidates if sold[c.event_id] > 0),
                        key=lambda c: (-sold[c.event_id], c.starts_at, c.event_id))[:POPULAR_SHOWN]
        return self.cards(ranked, now, sold)

    def more_like_this(self, event_id: str) -> tuple[BrowseCard, ...]:
        """Up to MORE_LIKE_THIS upcoming events like this one: same organizer, shared tags, same
        city, nearby dates (scored in that order); cached per event for a minute."""
        return self._like.get(event_id, lambda: self._compute_like(event_id))

    def _compute_like(self, event_id: str) -> tuple[BrowseCard, ...]:
        listing = self.store.get_listing(event_id)
        if listing is None:
            return ()
        now = self.clock.now()
        near_from = max(now, listing.starts_at - timedelta(days=3))
        queries = [ListingQuery(organizer_id=listing.organizer_id), *(ListingQuery(tag=t) for t in listing.tags[:2]),
                   ListingQuery(date_from=near_from, date_to=listing.starts_at + timedelta(days=4))]
        if listing.city:
            queries.append(ListingQuery(city=listing.city))
        found: dict[str, Listing] = {}
        for query in queries:
            for other in self.store.search_listings(query, now, 8).listings:
                found.setdefault(other.event_id, other)
        found.pop(event_id, None)

        def score(other: Listing) -> tuple[int, datetime, str]:
            points = (3 * (other.organizer_id == listing.organizer_id) + 2 * len(set(other.tags) & set(listing.tags))
                      + 2 * (bool(listing.city) and other.city == listing.city)
                      + (abs(other.starts_at - listing.starts_at) <= timedelta(days=7)))
            return -points, other.starts_at, other.event_id

        return self.cards(sorted(found.values(), key=score)[:MORE_LIKE_THIS], now)

    def organizer_profile(self, slug: str, limit: int = 24,
                          after: tuple[datetime, str] | None = None) -> OrganizerProfile | None:
        organizer_id = self.store.find_organizer_by_slug(slug.strip().lower()[:60]) if slug else None
        organizer = self.store.get_organizer(organizer_id) if organizer_id else None
        if organizer is None:
            return None
        page = self.search(ListingQuery(organizer_id=organizer.id), limit, after)
        return OrganizerProfile(organizer.id, organizer.name, slug.strip().lower(), page.cards, page.next_after)
