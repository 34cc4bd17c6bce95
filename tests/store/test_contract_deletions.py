"""Deleting a tier without sales and a draft event, on every store (SQLite, DynamoDB via moto, and
sharded; the fake re-runs it in tests/fakes): a hold or a sale wins over the delete, a deleted
draft frees its slug, and the catalogue's rule (Catalog.delete_tier / delete_event) says 409."""

from __future__ import annotations

from dataclasses import replace

import pytest

from eventflow.domain.errors import EventNotDeletable, NotFound, TierHasSales
from eventflow.domain.models import EventStatus
from eventflow.domain.ports import Store
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import BUYER, make_service, publish_event


@pytest.fixture
def service(store: Store, clock):  # type: ignore[no-untyped-def]
    return make_service(store, clock)


def test_a_tier_goes_only_while_nothing_of_it_is_held_or_sold(service: Ticketing, store: Store) -> None:
    event, tiers = publish_event(service, capacities=(5, 5, 5))
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER)
    sold = service.reserve(event.id, [LineRequest(tiers[1].id, 1)], BUYER)
    service.confirm(sold.id, payment_ref="demo")
    for tier in tiers[:2]:
        with pytest.raises(TierHasSales):
            store.delete_tier(event.id, tier.id)
    store.delete_tier(event.id, tiers[2].id)
    store.delete_tier(event.id, tiers[2].id)  # gone already: nothing happens
    store.delete_tier(event.id, "tier_unknown")
    assert [t.id for t in store.get_tiers(event.id)] == [tiers[0].id, tiers[1].id]
    assert [len(c) for c in store.tier_counts([event.id]).values()] == [2]
    service.cancel(held.id)
    store.delete_tier(event.id, tiers[0].id)  # its hold was given back
    assert [t.id for t in store.get_tiers(event.id)] == [tiers[1].id]
    with pytest.raises(TierHasSales):
        service.catalog.delete_tier(event.organizer_id, event.id, tiers[1].id)


def test_a_draft_without_tiers_goes_and_frees_its_slug(service: Ticketing, store: Store) -> None:
    event, _ = publish_event(service)
    with pytest.raises(EventNotDeletable):
        service.catalog.delete_event(event.organizer_id, event.id)  # published
    service.catalog.unpublish(event.organizer_id, event.id)
    with pytest.raises(EventNotDeletable):
        store.delete_event(event.id)  # tiers left: the store's own condition
    service.catalog.delete_event(event.organizer_id, event.id)
    assert store.get_event(event.id) is None and store.find_event_by_slug(event.slug) is None
    assert store.get_tiers(event.id) == [] and store.list_events(event.organizer_id) == []
    store.delete_event(event.id)  # gone already: nothing happens
    store.add_event(replace(event, id="evt_again", status=EventStatus.DRAFT))  # the slug is free
    assert store.find_event_by_slug(event.slug).id == "evt_again"  # type: ignore[union-attr]


def test_a_draft_with_orders_is_cancelled_instead(service: Ticketing, store: Store) -> None:
    event, tiers = publish_event(service)
    service.confirm(service.reserve(event.id, [LineRequest(tiers[1].id, 1)], BUYER).id, payment_ref="demo")
    service.catalog.unpublish(event.organizer_id, event.id)
    with pytest.raises(EventNotDeletable) as refused:
        service.catalog.delete_event(event.organizer_id, event.id)
    assert (refused.value.status, refused.value.code) == (409, "event_not_deletable")
    with pytest.raises(NotFound):
        service.catalog.delete_event("org_someone_else", event.id)
    assert store.get_event(event.id) is not None and len(store.get_tiers(event.id)) == 3
