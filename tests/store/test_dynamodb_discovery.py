"""Discovery on DynamoDB at size: the contract's 2,000-event search on one table loaded once, and the
requests per search page counted on the wire (botocore's before-send hook): bounded, and not more
with 2,000 events than with 200."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from moto import mock_aws

from eventflow.domain.browse import Browse
from eventflow.domain.clock import ManualClock
from eventflow.domain.discovery import ListingQuery
from eventflow.store.dynamodb.discovery import MAX_QUERIES
from eventflow.store.dynamodb.store import DynamoStore
from tests.store.test_contract_discovery import NOW, check_search, many

QUERIES = {
    "everything": ListingQuery(),
    "tag": ListingQuery.of(tag="jazz"),
    "city": ListingQuery.of(city="Köln"),
    "text": ListingQuery.of(text="festival"),
    "text and city": ListingQuery.of(text="cafe", city="berlin"),
    "organizer": ListingQuery.of(organizer_id="org_4"),
    "dates": ListingQuery.of(date_from=NOW + timedelta(days=90)),
}


@pytest.fixture(scope="module")
def tables() -> Iterator[dict[int, DynamoStore]]:
    with mock_aws():
        stores = {}
        for size in (200, 2_000):
            store = DynamoStore(f"discovery-{size}", region_name="eu-west-1")
            store.create_table()
            store.save_listings(list(many(size)))
            stores[size] = store
        yield stores


def requests_of(store: DynamoStore, call: Any) -> list[str]:
    sent: list[str] = []

    def count(**kwargs: Any) -> None:
        sent.append(kwargs["event_name"].rsplit(".", 1)[1])

    store.client.meta.events.register("before-send.dynamodb", count)
    try:
        call()
    finally:
        store.client.meta.events.unregister("before-send.dynamodb", count)
    return sent


def test_searching_2000_events_on_dynamodb(tables: dict[int, DynamoStore]) -> None:
    check_search(tables[2_000], many(2_000), limit=100)


def test_requests_per_search_page_are_bounded_and_do_not_grow(tables: dict[int, DynamoStore]) -> None:
    counted: dict[str, tuple[int, int]] = {}
    for name, query in QUERIES.items():
        small, large = (len(requests_of(tables[size], lambda s=size, q=query: tables[s].search_listings(q, NOW, 24)))
                        for size in (200, 2_000))
        counted[name] = (small, large)
        assert large <= MAX_QUERIES + 1 and small <= MAX_QUERIES + 1, (name, small, large)
        assert large <= small, (name, small, large)
    print("requests per first page (200 events, 2,000 events):", counted)
    # The browse page adds its markers: one tier_counts (two requests), whatever the page holds.
    browse = Browse(tables[2_000], ManualClock(NOW), cache_seconds=0)  # type: ignore[arg-type]
    sent = requests_of(tables[2_000], lambda: browse.search(ListingQuery(), 24))
    assert len(sent) <= MAX_QUERIES + 1 + 2, sent


def test_following_a_short_page_cursor_finds_the_rest(tables: dict[int, DynamoStore]) -> None:
    """A rare word over every month spends the page's budget: the page ends early with a cursor, and
    the pages after it still give every match once."""
    store = tables[200]
    query = ListingQuery.of(text="quartet 1")
    first = store.search_listings(query, NOW, 24)
    want = [x.event_id for x in sorted(many(200), key=lambda x: x.key) if query.matches(x, NOW)]
    assert first.next_after is not None and len(first.listings) < min(24, len(want))  # ended early
    got, after = list(first.listings), first.next_after
    while after is not None:
        page = store.search_listings(query, NOW, 24, after)
        got += page.listings
        after = page.next_after
    assert [x.event_id for x in got] == want
