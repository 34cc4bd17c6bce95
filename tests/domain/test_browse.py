"""Browse, follows and recommendations on the in-memory store: the catalogue's saves keep the listing,
a first publication mails confirmed followers once, popular this week comes from real sales."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventflow.domain.browse import Browse
from eventflow.domain.clock import ManualClock
from eventflow.domain.discovery import ListingQuery
from eventflow.domain.errors import NotFound, ValidationFailed
from eventflow.domain.follows import Follows
from eventflow.domain.models import Event
from eventflow.domain.outbox import Outbox
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import BUYER
from tests.fakes.memory_store import InMemoryStore


@pytest.fixture
def browse(store: InMemoryStore, service: Ticketing, clock: ManualClock) -> Browse:
    follows = Follows(store, Outbox(store, clock), clock, "https://tickets.example")
    browse = Browse(store, clock, follows, "https://tickets.example", cache_seconds=0)
    service.catalog.after_save = browse.event_saved
    return browse


def new_event(service: Ticketing, organizer_id: str, title: str, days: int, venue: str = "Hall, Berlin",
              capacity: int = 100, publish: bool = True) -> Event:
    starts = service.clock.now() + timedelta(days=days)
    event = service.catalog.create_event(organizer_id, title=title, starts_at=starts,
                                         ends_at=starts + timedelta(hours=3), timezone="Europe/Berlin", venue=venue)
    service.catalog.add_tier(organizer_id, event.id, name="Entry", price_minor=0, capacity=capacity)
    return service.catalog.publish(organizer_id, event.id) if publish else event


def titles(cards: tuple) -> list[str]:  # type: ignore[type-arg]
    return [card.listing.title for card in cards]


def test_saves_keep_the_listing_and_only_published_events_are_found(service: Ticketing, browse: Browse) -> None:
    org = service.sign_up("jazz@example.com", "correct horse", "Blue Note")
    draft = new_event(service, org.id, "Draft Night", 3, publish=False)
    shown = new_event(service, org.id, "Late Jazz", 5)
    assert browse.set_tags(org.id, draft.id, "Jazz, open air") == ("jazz", "open-air")
    assert titles(browse.search(ListingQuery(), 10).cards) == ["Late Jazz"]
    service.catalog.publish(org.id, draft.id)
    assert titles(browse.search(ListingQuery.of(tag="jazz"), 10).cards) == ["Draft Night"]  # tags kept
    service.catalog.update_event(org.id, shown.id, title="Late Jazz Trio", starts_at=shown.starts_at,
                                 ends_at=shown.ends_at, timezone=shown.timezone, venue="Club, Köln",
                                 currency="EUR", description="", fee_mode=shown.fee_mode)
    assert titles(browse.search(ListingQuery.of(city="koln", text="trio"), 10).cards) == ["Late Jazz Trio"]
    service.catalog.cancel(org.id, shown.id)
    assert titles(browse.search(ListingQuery(), 10).cards) == ["Draft Night"]
    other = service.sign_up("other@example.com", "correct horse", "Other")
    with pytest.raises(NotFound):
        browse.set_tags(other.id, draft.id, "x")
    with pytest.raises(ValidationFailed):
        browse.set_tags(org.id, draft.id, "a, b, c, d, e, f")


def test_first_publication_gives_an_address_and_mails_confirmed_followers_once(
        store: InMemoryStore, service: Ticketing, browse: Browse, clock: ManualClock) -> None:
    org = service.sign_up("club@example.com", "correct horse", "Club Night!")
    first = new_event(service, org.id, "Opening", 3)
    slug = browse.organizer_slug(org.id)
    assert slug == "club-night"
    profile = browse.organizer_profile(slug)
    assert profile is not None and profile.name == "Club Night!" and titles(profile.cards) == ["Opening"]
    assert follows_of(browse).ask(org.id, "Club Night!", "Fan@Example.com ") is None
    follows_of(browse).ask(org.id, "Club Night!", "fan@example.com")  # again at once: no second mail
    follows_of(browse).ask(org.id, "Club Night!", "lurker@example.com")  # never confirms
    confirms = [m for m in store.due_outbox_messages(clock.now(), 50) if m.key.startswith("follow-confirm:")]
    assert sorted(m.mail.to for m in confirms) == ["fan@example.com", "lurker@example.com"]
    token = next(m for m in confirms if m.mail.to == "fan@example.com").key.split(":", 1)[1]
    assert f"/follow/confirm/{token}" in confirms[0].mail.text or f"/follow/confirm/{token}" in confirms[1].mail.text
    assert follows_of(browse).confirm(token) is not None
    second = new_event(service, org.id, "Second Night", 10)
    service.catalog.unpublish(org.id, second.id)
    service.catalog.publish(org.id, second.id)  # published again: no second announcement
    news = [m for m in store.due_outbox_messages(clock.now(), 50) if m.key.startswith("follow:")]
    assert [(m.mail.to, m.key) for m in news] == [("fan@example.com", f"follow:{second.id}:{token}")]
    assert "Second Night" in news[0].mail.subject and f"/follow/stop/{token}" in news[0].mail.text
    assert "https://tickets.example/e/" in news[0].mail.text
    assert first.id not in news[0].key
    assert follows_of(browse).stop(token) is not None
    third = new_event(service, org.id, "Third", 12)
    assert not [m for m in store.due_outbox_messages(clock.now(), 50) if m.key.startswith(f"follow:{third.id}")]
    assert follows_of(browse).confirm(token) is None  # a stopped follow is not revived by the old link
    with pytest.raises(ValidationFailed):
        follows_of(browse).ask(org.id, "x", "not-an-address")


def follows_of(browse: Browse) -> Follows:
    assert browse.follows is not None
    return browse.follows


def test_markers_and_popular_this_week_from_sales(service: Ticketing, browse: Browse, clock: ManualClock) -> None:
    org = service.sign_up("p@example.com", "correct horse", "Popular")
    quiet = new_event(service, org.id, "Quiet", 20)
    busy = new_event(service, org.id, "Busy", 9, capacity=20)
    old_hit = new_event(service, org.id, "Old Hit", 6)
    for event, count in ((busy, 3), (old_hit, 2)):
        tier = service.catalog.event_view(event.id).tiers[0]
        for _ in range(count):
            held = service.reserve(event.id, [LineRequest(tier.id, 2)], BUYER)
            service.confirm(held.id, payment_ref="demo")
    clock.advance(timedelta(days=8))  # Old Hit's sales are now more than a week old
    tier = service.catalog.event_view(busy.id).tiers[0]
    held = service.reserve(busy.id, [LineRequest(tier.id, 9)], BUYER)  # 5 of 20 left
    service.confirm(held.id, payment_ref="demo")
    popular = browse.popular_this_week()
    assert titles(popular) == ["Busy"] and popular[0].tickets_this_week == 9
    cards = {c.listing.title: c for c in browse.search(ListingQuery(), 10).cards}
    assert cards["Busy"].almost_sold_out and not cards["Quiet"].almost_sold_out
    assert not cards["Busy"].new  # first published more than a week ago
    assert quiet.id not in {c.listing.event_id for c in popular}


def test_more_like_this_prefers_organizer_tags_and_city(service: Ticketing, browse: Browse) -> None:
    org = service.sign_up("a@example.com", "correct horse", "A")
    rival = service.sign_up("b@example.com", "correct horse", "B")
    this = new_event(service, org.id, "This One", 10, venue="Club, Berlin")
    browse.set_tags(org.id, this.id, "jazz")
    same_org = new_event(service, org.id, "Same Organizer", 40, venue="Elsewhere, Hamburg")
    tagged = new_event(service, rival.id, "Tagged Jazz", 60, venue="Bar, Hamburg")
    browse.set_tags(rival.id, tagged.id, "jazz")
    same_city = new_event(service, rival.id, "Same City", 80, venue="Kino, Berlin")
    new_event(service, rival.id, "Unrelated", 200, venue="Halle, München")
    draft = new_event(service, org.id, "Unpublished", 11, publish=False)
    assert titles(browse.more_like_this(this.id)) == ["Same Organizer", "Tagged Jazz", "Same City"]
    assert draft.id and same_org.id and same_city.id
    assert browse.more_like_this("evt_nope") == ()


def test_backfill_lists_events_published_before_browse_existed(store: InMemoryStore, service: Ticketing,
                                                                 clock: ManualClock) -> None:
    org = service.sign_up("old@example.com", "correct horse", "Old Timer")
    for n in range(5):
        new_event(service, org.id, f"Old {n}", 3 + n)  # no after-save hook yet: no listing
    new_event(service, org.id, "Old draft", 2, publish=False)
    browse = Browse(store, clock, None, cache_seconds=0)
    assert browse.search(ListingQuery(), 10).cards == ()
    assert browse.backfill(chunk=2) == 5
    cards = browse.search(ListingQuery(), 10).cards
    assert titles(cards) == [f"Old {n}" for n in range(5)] and all(c.new for c in cards)
    assert browse.backfill() == 0  # once is enough
