"""The catalogue's tier rules are one set: adding a tier and editing it accept and refuse the same."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from eventflow.domain.errors import Conflict, ValidationFailed
from eventflow.domain.models import Tier
from eventflow.domain.reservations import Ticketing
from tests.conftest import publish_event

GOOD: dict[str, Any] = {"name": "Balcony", "price_minor": 1500, "capacity": 20, "max_per_order": 4,
                        "sales_start": None, "sales_end": None, "hidden": False}


def add_and_edit(service: Ticketing, **fields: Any) -> list[Tier | ValidationFailed]:
    """What add_tier and update_tier each make of the same fields: the tier, or the refusal."""
    event, tiers = publish_event(service)
    outcomes: list[Tier | ValidationFailed] = []
    for write in (
        lambda: service.catalog.add_tier(event.organizer_id, event.id, **{**GOOD, **fields}),
        lambda: service.catalog.update_tier(event.organizer_id, event.id, tiers[0].id, **{**GOOD, **fields}),
    ):
        try:
            outcomes.append(write())
        except ValidationFailed as refused:
            outcomes.append(refused)
    return outcomes


@pytest.mark.parametrize(("fields", "field"), [
    ({"max_per_order": 51}, "max_per_order"),
    ({"max_per_order": 0}, "max_per_order"),
    ({"capacity": 0}, "capacity"),
    ({"price_minor": -1}, "price_minor"),
    ({"name": "  "}, "name"),
])
def test_add_and_edit_refuse_the_same_fields_by_name(service: Ticketing, fields: dict[str, Any], field: str) -> None:
    added, edited = add_and_edit(service, **fields)
    assert isinstance(added, ValidationFailed) and isinstance(edited, ValidationFailed)
    assert added.field == edited.field == field


def test_a_sales_window_that_ends_before_it_starts_is_refused_both_ways(service: Ticketing) -> None:
    start = service.clock.now() + timedelta(days=1)
    added, edited = add_and_edit(service, sales_start=start, sales_end=start - timedelta(hours=1))
    assert isinstance(added, ValidationFailed) and isinstance(edited, ValidationFailed)
    assert added.field == edited.field == "sales_end"


def test_max_per_order_above_capacity_is_kept_as_given_both_ways(service: Ticketing) -> None:
    added, edited = add_and_edit(service, capacity=3, max_per_order=10)
    assert isinstance(added, Tier) and isinstance(edited, Tier)
    assert added.max_per_order == edited.max_per_order == 10


def test_left_out_max_per_order_is_ten_or_the_capacity(service: Ticketing) -> None:
    event, _ = publish_event(service)
    small = service.catalog.add_tier(event.organizer_id, event.id, name="Box", price_minor=0, capacity=3)
    large = service.catalog.add_tier(event.organizer_id, event.id, name="Floor", price_minor=0, capacity=300)
    assert (small.max_per_order, large.max_per_order) == (3, 10)


def test_a_cancelled_events_tiers_can_neither_be_added_nor_edited(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    service.catalog.cancel(event.organizer_id, event.id)
    with pytest.raises(Conflict):
        service.catalog.add_tier(event.organizer_id, event.id, **GOOD)
    with pytest.raises(Conflict):
        service.catalog.update_tier(event.organizer_id, event.id, tiers[0].id, **GOOD)
