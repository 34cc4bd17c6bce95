"""The attack on the page's waiting room (issue 13): one address opening the sale in many fresh browsers to buy
itself many tickets in the draw. New visitors per IP are limited (the API's limiter and key); a returning
visitor keeps their place, another address still gets in, and the refused page says why in words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventflow.adapters.rate_limit import RateLimiter
from eventflow.domain.sale_settings import SaleSettings
from eventflow.domain.waiting_room import TooManyRoomJoins
from eventflow.pages.components.room_join_guard import enter_room
from tests.pages.test_pages_user import (  # noqa: F401
    Site,
    anyio_backend,
    element,
    site,
)

pytestmark = pytest.mark.anyio


def room_event(site: Site) -> str:  # noqa: F811
    event, _ = site.event(site.organizer(), [{"name": "Drop", "price_minor": 0, "capacity": 10}])
    opens = site.services.ticketing.clock.now() + timedelta(minutes=5)
    site.services.waiting_room.rules.save(SaleSettings(event.id, waiting_room=True, opens_at=opens))
    site.services.__dict__["room_join_limiter"] = RateLimiter("room_join", "3/minute")  # the fixture's is off
    return event.id


async def test_many_new_visitors_from_one_address_are_refused_another_address_is_not(site: Site) -> None:  # noqa: F811
    event_id = room_event(site)
    services = site.services
    joined = [await enter_room(services, event_id, f"wb_bot{n}", "203.0.113.7") for n in range(3)]
    assert len({status.visitor_id for status in joined}) == 3
    for n in range(3, 6):
        with pytest.raises(TooManyRoomJoins):
            await enter_room(services, event_id, f"wb_bot{n}", "203.0.113.7")
    assert services.waiting_room.store.get_room_entry(event_id, "wb_bot4") is None  # refused: nothing stored
    again = await enter_room(services, event_id, "wb_bot0", "203.0.113.7")  # a returning visitor: no limit
    assert again.visitor_id == "wb_bot0"
    other = await enter_room(services, event_id, "wb_buyer", "198.51.100.20")
    assert services.waiting_room.store.get_room_entry(event_id, other.visitor_id) is not None


async def test_the_refused_page_says_why_in_words(site: Site) -> None:  # noqa: F811
    event_id = room_event(site)
    event = site.services.catalog.event_view(event_id).event
    for n in range(3):  # this address's new visitors for the minute are spent (the simulated browser's address)
        await enter_room(site.services, event_id, f"wb_bot{n}", "127.0.0.1")
    await site.user.open(f"/e/{event.slug}")
    assert "from your network" in element(site.user, "room-refused").text
    assert not any(e.props.get("data-testid") in ("reserve", "waiting-room")
                   for e in site.user.current_layout.descendants())
