"""Store contract for discovery: listings searched and paged the same on every store, organizer
addresses, follows. The rule itself is `ListingQuery.matches` (domain/discovery.py); here every
store's pages, followed cursor by cursor, must give exactly its matches in (starts_at, id) order."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest

from eventflow.domain.discovery import AddressTaken, Listing, ListingQuery
from eventflow.domain.follows import Follow

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
CITIES = ("Berlin", "München", "São Paulo", "Köln", "New York", "")
TAGS = ("jazz", "rock", "techno", "kids", "comedy", "open-air")
WORDS = ("night", "Café", "Zürich", "festival", "🎷sax", "quartet", "DJ", "NEAR", "\"quoted\"", "late-show")


def listing(event_id: str, starts_at: datetime = NOW + timedelta(days=1), **fields: Any) -> Listing:
    values: dict[str, Any] = {
        "organizer_id": "org_1", "slug": event_id, "title": f"Event {event_id}", "venue": "Hall, Berlin",
        "ends_at": starts_at + timedelta(hours=3), "timezone": "Europe/Berlin", "published": True,
        "first_published_at": NOW - timedelta(days=30)}
    values.update(fields)
    return Listing(event_id=event_id, starts_at=starts_at, **values)


@cache
def many(count: int, seed: int = 7) -> tuple[Listing, ...]:
    """`count` listings over ~13 months around NOW: ties in start, long runs, drafts, past events."""
    rng = random.Random(seed)
    made = []
    for index in range(count):
        starts = NOW + timedelta(days=rng.randint(-20, 380), hours=rng.choice((0, 0, 19, 20)),
                                 minutes=rng.choice((0, 0, 30)))
        city = rng.choice(CITIES)
        title = " ".join(rng.sample(WORDS, 2)) + f" {index}"
        made.append(listing(
            f"evt_{index:05d}", starts, title=title, venue=f"Hall {index % 13}, {city}" if city else "",
            ends_at=starts + timedelta(hours=rng.choice((2, 4, 30, 24 * 10))), published=rng.random() < 0.9,
            organizer_id=f"org_{index % 20}", tags=tuple(rng.sample(TAGS, rng.choice((0, 1, 1, 2))))))
    return tuple(made)


def every_page(store: Any, query: ListingQuery, limit: int, max_pages: int = 1_000) -> list[Listing]:
    got: list[Listing] = []
    after = None
    for _page in range(max_pages):
        page = store.search_listings(query, NOW, limit, after)
        assert len(page.listings) <= limit
        got += page.listings
        if page.next_after is None:
            return got
        assert not page.listings or page.next_after >= page.listings[-1].key
        after = page.next_after
    return got


def expected(listings: tuple[Listing, ...], query: ListingQuery) -> list[Listing]:
    return sorted((x for x in listings if query.matches(x, NOW)), key=lambda x: x.key)


QUERIES = (
    ListingQuery.of(tag="jazz"),
    ListingQuery.of(city="münchen"),
    ListingQuery.of(text="cafe", date_to=NOW + timedelta(days=60)),
    ListingQuery.of(text="ZÜRICH  night", date_from=NOW + timedelta(days=100), date_to=NOW + timedelta(days=160)),
    ListingQuery.of(text="sax", city="Berlin"),
    ListingQuery.of(tag="Open Air", date_from=NOW + timedelta(days=30), date_to=NOW + timedelta(days=90)),
    ListingQuery.of(organizer_id="org_3"),
    ListingQuery.of(text='"quoted" NEAR( * AND OR -', date_to=NOW + timedelta(days=40)),
    ListingQuery.of(text="nothing-matches-this", date_to=NOW + timedelta(days=40)),
    ListingQuery.of(date_from=NOW + timedelta(days=200), date_to=NOW + timedelta(days=215)),
)


def check_search(store: Any, data: tuple[Listing, ...], limit: int = 25) -> None:
    """Every query of QUERIES paged to the end gives exactly its matches, in order; the unfiltered
    listing's first pages are its soonest matches."""
    for query in QUERIES:
        want = expected(data, query)
        assert [x.event_id for x in every_page(store, query, limit)] == [x.event_id for x in want], query
    unfiltered = expected(data, ListingQuery())
    assert len(unfiltered) > len(data) // 2
    first = every_page(store, ListingQuery(), 40, max_pages=3)
    assert [x.event_id for x in first] == [x.event_id for x in unfiltered[:len(first)]]
    assert len(first) >= 40
    assert first[0] == unfiltered[0]  # the whole record comes back


def test_searching_2000_events_gives_exactly_the_matches_in_order(store: Any) -> None:
    if hasattr(store, "client"):  # DynamoDB: the same check on one table loaded once for its module
        pytest.skip("run by tests/store/test_dynamodb_discovery.py on a module-wide table of 2,000 events")
    data = many(2_000)
    store.save_listings(list(data))
    check_search(store, data)


def test_a_listing_round_trips_and_is_replaced(store: Any) -> None:
    saved = listing("evt_a", tags=("jazz", "kids"), title="Ünïcode ✓ 🎷 ジャズ", first_published_at=NOW)
    store.save_listing(saved)
    assert store.get_listing("evt_a") == saved
    assert store.get_listing("evt_none") is None
    moved = replace(saved, starts_at=NOW + timedelta(days=70), ends_at=NOW + timedelta(days=70, hours=2),
                    tags=("rock",), venue="Club, Köln")
    store.save_listing(moved)
    assert store.get_listing("evt_a") == moved
    assert every_page(store, ListingQuery.of(tag="jazz"), 10) == []
    assert every_page(store, ListingQuery.of(city="Berlin"), 10) == []
    assert every_page(store, ListingQuery.of(tag="rock"), 10) == [moved]
    assert every_page(store, ListingQuery.of(city="koln"), 10) == [moved]
    assert every_page(store, ListingQuery.of(text="ジャズ"), 10) == [moved]
    store.save_listing(replace(moved, published=False))
    assert every_page(store, ListingQuery(), 10) == []
    assert every_page(store, ListingQuery.of(organizer_id="org_1"), 10) == []
    assert store.get_listing("evt_a") == replace(moved, published=False)


def test_ended_and_long_running_events(store: Any) -> None:
    store.save_listings([
        listing("evt_ended", NOW - timedelta(hours=5)),  # ended two hours ago
        listing("evt_running", NOW - timedelta(hours=1)),
        listing("evt_week", NOW - timedelta(days=6), ends_at=NOW + timedelta(days=3)),
        listing("evt_month", NOW - timedelta(days=20), ends_at=NOW + timedelta(days=3)),  # began too long ago
        listing("evt_later", NOW + timedelta(days=1)),
    ])
    assert [x.event_id for x in every_page(store, ListingQuery(), 10)] == ["evt_week", "evt_running", "evt_later"]


def test_ties_in_start_page_by_id_without_loss(store: Any) -> None:
    same = NOW + timedelta(days=2)
    store.save_listings([listing(f"evt_{i}", same) for i in (5, 1, 4, 2, 3)] + [listing("evt_0", same - timedelta(1))])
    pages = []
    after = None
    while True:
        page = store.search_listings(ListingQuery(), NOW, 2, after)
        pages.append([x.event_id for x in page.listings])
        if page.next_after is None:
            break
        after = page.next_after
    assert [i for p in pages for i in p] == ["evt_0", "evt_1", "evt_2", "evt_3", "evt_4", "evt_5"]


def test_organizer_addresses_are_unique(store: Any) -> None:
    assert store.organizer_slug("org_1") is None
    store.set_organizer_slug("org_1", "jazz-club")
    assert store.find_organizer_by_slug("jazz-club") == "org_1"
    with pytest.raises(AddressTaken):
        store.set_organizer_slug("org_2", "jazz-club")
    store.set_organizer_slug("org_1", "jazz-club")  # its own: fine
    store.set_organizer_slug("org_1", "jazz-club-berlin")
    assert store.find_organizer_by_slug("jazz-club") is None  # freed
    assert store.organizer_slug("org_1") == "jazz-club-berlin"
    store.set_organizer_slug("org_2", "jazz-club")
    assert store.find_organizer_by_slug("jazz-club") == "org_2"
    assert store.find_organizer_by_slug("nobody") is None


def test_follows(store: Any) -> None:
    ada = Follow(token="tok_a", organizer_id="org_1", email="ada@example.com", created_at=NOW)
    bob = Follow(token="tok_b", organizer_id="org_1", email="bob@example.com", created_at=NOW,
                 confirmed_at=NOW + timedelta(minutes=1))
    store.save_follow(ada)
    store.save_follow(bob)
    store.save_follow(replace(bob, organizer_id="org_2", token="tok_b2"))
    assert store.get_follow("org_1", "ada@example.com") == ada
    assert store.find_follow("tok_b") == bob
    assert store.list_followers("org_1") == [bob]  # ada has not confirmed
    renewed = replace(ada, token="tok_a2", created_at=NOW + timedelta(hours=2))
    store.save_follow(renewed)
    assert store.find_follow("tok_a") is None  # the old link stops working
    assert store.find_follow("tok_a2") == renewed
    store.save_follow(replace(renewed, confirmed_at=NOW + timedelta(hours=3)))
    store.save_follow(replace(bob, stopped_at=NOW + timedelta(hours=4)))
    assert [f.email for f in store.list_followers("org_1")] == ["ada@example.com"]
    assert store.find_follow("nope") is None
    assert store.list_followers("org_none") == []
