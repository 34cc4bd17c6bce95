"""The catalogue's date rules: events and sales windows in 2000..2100 with a timezone, sales within the event.

An event start in the year 154 once made the home page answer 500 for everyone; now every date an
organizer sets is checked here (and at the API's edge), named by field, before anything is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from eventflow.domain.dates import EARLIEST, LATEST
from eventflow.domain.errors import ValidationFailed
from eventflow.domain.reservations import Ticketing
from tests.conftest import publish_event

MICROSECOND = timedelta(microseconds=1)
BAD_INSTANTS = [
    datetime(154, 6, 1, 20, 0, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5, minutes=45))),  # would overflow if converted
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
    EARLIEST - MICROSECOND,
    LATEST + MICROSECOND,
    datetime(2026, 7, 1, 20, 0),  # no timezone
]


def event_fields(**changes: Any) -> dict[str, Any]:
    starts = datetime(2026, 7, 1, 20, 0, tzinfo=UTC)
    return {"title": "Night Market", "starts_at": starts, "ends_at": starts + timedelta(hours=5),
            "timezone": "Europe/Berlin", **changes}


@pytest.mark.parametrize("instant", BAD_INSTANTS)
@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_an_event_date_outside_the_range_is_refused_by_name(service: Ticketing, field: str,
                                                             instant: datetime) -> None:
    organizer = service.sign_up("dates@example.com", "correct horse", "Org")
    with pytest.raises(ValidationFailed) as refused:
        service.catalog.create_event(organizer.id, **event_fields(**{field: instant}))
    assert refused.value.field == field and field in refused.value.detail
    assert service.store.list_events(organizer.id) == []
    event = service.catalog.create_event(organizer.id, **event_fields())
    with pytest.raises(ValidationFailed) as refused:
        service.catalog.update_event(organizer.id, event.id, **event_fields(**{field: instant}), venue="",
                                     currency="EUR", description="", fee_mode="buyer_pays")
    assert refused.value.field == field
    assert service.store.get_event(event.id) == event


def test_the_edges_of_the_range_are_accepted(service: Ticketing) -> None:
    organizer = service.sign_up("edges@example.com", "correct horse", "Org")
    first = service.catalog.create_event(organizer.id, **event_fields(starts_at=EARLIEST,
                                                                      ends_at=EARLIEST + MICROSECOND))
    last = service.catalog.create_event(organizer.id, **event_fields(starts_at=LATEST - MICROSECOND,
                                                                     ends_at=LATEST))
    assert [e.id for e in service.store.list_events(organizer.id)] == [first.id, last.id]


@pytest.mark.parametrize("instant", BAD_INSTANTS)
@pytest.mark.parametrize("field", ["sales_start", "sales_end"])
def test_a_sales_date_outside_the_range_is_refused_by_name(service: Ticketing, field: str,
                                                           instant: datetime) -> None:
    event, tiers = publish_event(service)
    with pytest.raises(ValidationFailed) as refused:
        service.catalog.add_tier(event.organizer_id, event.id, name="Late", price_minor=0, capacity=5,
                                 **{field: instant})
    assert refused.value.field == field and field in refused.value.detail
    tier = tiers[0]
    with pytest.raises(ValidationFailed) as refused:
        service.catalog.update_tier(event.organizer_id, event.id, tier.id, name=tier.name,
                                    price_minor=tier.price_minor, capacity=tier.capacity,
                                    max_per_order=tier.max_per_order, hidden=False,
                                    **{"sales_start": None, "sales_end": None, field: instant})
    assert refused.value.field == field
    assert service.store.get_tiers(event.id) == tiers


def test_sales_cannot_start_or_end_after_the_event_ends(service: Ticketing) -> None:
    event, _ = publish_event(service)
    add = service.catalog.add_tier
    with pytest.raises(ValidationFailed) as refused:
        add(event.organizer_id, event.id, name="Late", price_minor=0, capacity=5, sales_start=event.ends_at)
    assert refused.value.field == "sales_start"
    with pytest.raises(ValidationFailed) as refused:
        add(event.organizer_id, event.id, name="Late", price_minor=0, capacity=5,
            sales_end=event.ends_at + MICROSECOND)
    assert refused.value.field == "sales_end"
    # Up to the end is fine: tickets for the last hours of a festival.
    tier = add(event.organizer_id, event.id, name="Door", price_minor=0, capacity=5,
               sales_start=event.starts_at, sales_end=event.ends_at)
    assert tier.sales_end == event.ends_at


def test_moving_the_end_before_a_tiers_sales_is_refused_and_names_the_tier(service: Ticketing) -> None:
    event, _ = publish_event(service)
    service.catalog.add_tier(event.organizer_id, event.id, name="Door", price_minor=0, capacity=5,
                             sales_end=event.ends_at)
    earlier = {"starts_at": event.starts_at, "ends_at": event.ends_at - timedelta(hours=1)}
    details = {"title": event.title, "timezone": event.timezone, "venue": event.venue, "currency": event.currency,
               "description": event.description, "fee_mode": event.fee_mode}
    with pytest.raises(ValidationFailed) as refused:
        service.catalog.update_event(event.organizer_id, event.id, **details, **earlier)
    assert refused.value.field == "ends_at" and "Door" in refused.value.detail
    later = {"starts_at": event.starts_at, "ends_at": event.ends_at + timedelta(hours=1)}
    assert service.catalog.update_event(event.organizer_id, event.id, **details, **later).ends_at == later["ends_at"]
