"""`InMemoryStore`'s discovery listings, organizer addresses and follows: dicts, searched by the rule itself
(`ListingQuery.matches`), so the fake is the contract's plain statement."""

from __future__ import annotations

import threading
from datetime import datetime

from eventflow.domain.discovery import AddressTaken, Listing, ListingPage, ListingQuery
from eventflow.domain.follows import Follow
from tests.fakes.round_trip import as_stored


class InMemoryDiscoveryMixin:
    def __init__(self) -> None:
        self._listings: dict[str, Listing] = {}
        self._org_slugs: dict[str, str] = {}  # organizer id -> slug
        self._follows: dict[tuple[str, str], Follow] = {}
        self._discovery_lock = threading.Lock()

    def save_listing(self, listing: Listing) -> None:
        with self._discovery_lock:
            self._listings[listing.event_id] = as_stored(listing)

    def save_listings(self, listings: list[Listing]) -> None:
        for listing in listings:
            self.save_listing(listing)

    def get_listing(self, event_id: str) -> Listing | None:
        with self._discovery_lock:
            return self._listings.get(event_id)

    def search_listings(self, query: ListingQuery, now: datetime, limit: int,
                        after: tuple[datetime, str] | None = None) -> ListingPage:
        with self._discovery_lock:
            matches = sorted((x for x in self._listings.values() if query.matches(x, now)), key=lambda x: x.key)
        if after is not None:
            matches = [x for x in matches if x.key > after]
        page = matches[:max(limit, 1)]
        more = len(matches) > len(page)
        return ListingPage(tuple(page), page[-1].key if more else None)

    def set_organizer_slug(self, organizer_id: str, slug: str) -> None:
        with self._discovery_lock:
            if any(s == slug and o != organizer_id for o, s in self._org_slugs.items()):
                raise AddressTaken()
            self._org_slugs[organizer_id] = slug

    def organizer_slug(self, organizer_id: str) -> str | None:
        with self._discovery_lock:
            return self._org_slugs.get(organizer_id)

    def find_organizer_by_slug(self, slug: str) -> str | None:
        with self._discovery_lock:
            return next((o for o, s in self._org_slugs.items() if s == slug), None)

    def save_follow(self, follow: Follow) -> None:
        with self._discovery_lock:
            self._follows[(follow.organizer_id, follow.email)] = as_stored(follow)

    def get_follow(self, organizer_id: str, email: str) -> Follow | None:
        with self._discovery_lock:
            return self._follows.get((organizer_id, email))

    def find_follow(self, token: str) -> Follow | None:
        with self._discovery_lock:
            return next((f for f in self._follows.values() if f.token == token), None)

    def list_followers(self, organizer_id: str) -> list[Follow]:
        with self._discovery_lock:
            mine = [f for f in self._follows.values() if f.organizer_id == organizer_id and f.active]
        return sorted(mine, key=lambda f: f.email)
