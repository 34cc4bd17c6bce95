"""The home page's listing, `list_upcoming_published`, on every store: keyset-paged by (starts_at, id).

Events that share a start are ordered by id, so paging with the last event's key as the cursor
lists every upcoming published event exactly once (no duplicate, no miss, whatever the page size);
events that ended, and drafts and cancelled events, are never listed; a cursor past the last event
gives an empty page. tests/fakes/test_memory_contract_paging.py runs this on the fake too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from eventflow.domain.models import Event, EventStatus
from tests.store.test_contract_edges import NOW, STARTS, an_event, an_organizer


def key(event: Event) -> tuple[datetime, str]:
    return event.starts_at, event.id


def every_page(store: Any, limit: int, now: datetime = NOW) -> list[list[Event]]:
    pages: list[list[Event]] = []
    after = None
    while True:
        page = store.list_upcoming_published(now, limit, after)
        assert len(page) <= limit
        pages.append(page)
        if len(page) < limit:
            return pages
        after = key(page[-1])


def a_catalogue(store: Any) -> list[Event]:
    """17 upcoming published events (ties on start included), and others that must not be listed."""
    store.add_organizer(an_organizer())
    upcoming = [an_event(f"evt_{n:02d}", starts_at=STARTS + timedelta(hours=n // 4)) for n in range(16)]
    # already started, not ended yet: still on sale, listed first
    running = an_event("evt_running", starts_at=NOW - timedelta(hours=1))
    upcoming.append(replace(running, ends_at=NOW + timedelta(hours=1)))
    hidden = [
        an_event("evt_draft", status=EventStatus.DRAFT),
        an_event("evt_cancelled", status=EventStatus.CANCELLED),
        an_event("evt_ended", starts_at=NOW - timedelta(days=1)),  # ended yesterday (4 hours long)
        replace(an_event("evt_ends_now", starts_at=NOW - timedelta(hours=2)), ends_at=NOW),  # ended exactly now
    ]
    for event in reversed(upcoming + hidden):  # stored out of order
        store.add_event(event)
    return sorted(upcoming, key=key)


def test_a_page_lists_upcoming_published_events_soonest_first_ties_by_id(store: Any) -> None:
    expected = a_catalogue(store)
    page = store.list_upcoming_published(NOW, 6)
    assert [e.id for e in page] == [e.id for e in expected[:6]]
    assert page[0].id == "evt_running"
    assert [e.id for e in page[1:5]] == ["evt_00", "evt_01", "evt_02", "evt_03"]  # one start, by id
    assert page[1] == expected[1]  # whole events, as stored


@pytest.mark.parametrize("limit", [1, 3, 4, 5, 17, 100])
def test_paging_through_lists_every_upcoming_event_exactly_once(store: Any, limit: int) -> None:
    expected = a_catalogue(store)
    pages = every_page(store, limit)
    listed = [e.id for page in pages for e in page]
    assert listed == [e.id for e in expected]
    assert all(len(page) == limit for page in pages[:-1])


def test_a_cursor_between_tied_events_continues_after_it(store: Any) -> None:
    expected = a_catalogue(store)
    tied = next(e for e in expected if e.id == "evt_01")
    page = store.list_upcoming_published(NOW, 3, key(tied))
    assert [e.id for e in page] == ["evt_02", "evt_03", "evt_04"]


def test_ended_draft_and_cancelled_events_are_never_listed(store: Any) -> None:
    a_catalogue(store)
    listed = {e.id for page in every_page(store, 4) for e in page}
    assert not listed & {"evt_draft", "evt_cancelled", "evt_ended", "evt_ends_now"}
    later = {e.id for page in every_page(store, 4, now=STARTS + timedelta(hours=4, minutes=30)) for e in page}
    assert later == {f"evt_{n:02d}" for n in range(4, 16)}  # the first four ended by then


def test_an_unpublished_event_leaves_the_listing(store: Any) -> None:
    expected = a_catalogue(store)
    store.save_event(replace(expected[1], status=EventStatus.DRAFT))
    assert expected[1].id not in {e.id for e in store.list_upcoming_published(NOW, 100)}


def test_a_cursor_past_the_last_event_gives_an_empty_page(store: Any) -> None:
    expected = a_catalogue(store)
    assert store.list_upcoming_published(NOW, 5, key(expected[-1])) == []
    assert store.list_upcoming_published(NOW, 5, (STARTS + timedelta(days=3650), "evt_")) == []


def test_an_empty_catalogue_gives_an_empty_page(store: Any) -> None:
    assert store.list_upcoming_published(NOW, 24) == []
