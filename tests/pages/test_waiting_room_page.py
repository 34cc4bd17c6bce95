"""The event page of a sale with a waiting room (issue 13): before the opening the visitor sees the room (no buy
form), from their turn the buy form, and its reserve carries their pass; a reload keeps the same place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eventflow.domain.sale_settings import SaleSettings
from tests.pages.test_pages_user import (  # noqa: F401
    Site,
    anyio_backend,
    by_testid,
    element,
    log_in,
    path_now,
    site,
    until,
)

pytestmark = pytest.mark.anyio


async def test_the_room_then_the_form_then_a_hold(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Drop", "price_minor": 2000, "capacity": 10}])
    clock = site.services.ticketing.clock
    opens = clock.now() + timedelta(minutes=5)
    site.services.waiting_room.rules.save(SaleSettings(event.id, waiting_room=True, opens_at=opens,
                                                       admissions_per_minute=60))
    user = site.user
    await user.open(f"/e/{event.slug}")
    assert element(user, "waiting-room").visible
    assert "random draw" in element(user, "room-detail").text
    assert not any(e.props.get("data-testid") == "reserve" for e in user.current_layout.descendants())
    clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    await user.open(f"/e/{event.slug}")  # the same browser: the same place, now its turn (1 of 1)
    await user.should_see("It's your turn! Choose your tickets below.")
    by_testid(user, f"plus-{tier.id}").click()
    by_testid(user, "buyer-name").type("Ada")
    by_testid(user, "buyer-email").type("ada@example.com")
    by_testid(user, "reserve").click()
    await until(lambda: path_now(user).startswith("/checkout/"))
    assert site.tier(tier.id, event.id).held == 1


async def test_the_organizer_turns_the_waiting_room_on_in_the_editor(site: Site) -> None:  # noqa: F811
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Drop", "price_minor": 0, "capacity": 10}])
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    await until(lambda: element(user, "fair-sale-panel").props.get("data-loaded"))
    by_testid(user, "room-switch").click()
    by_testid(user, "fair-sale-save").click()  # no opening time: refused in words, nothing saved
    await until(lambda: "needs the time the sale opens" in " ".join(
        e.text for e in element(user, "fair-sale-panel").descendants() if hasattr(e, "text")))
    assert site.services.waiting_room.rules.stored(event.id).waiting_room is False
    by_testid(user, "room-opens").type("2026-06-02T19:30")
    by_testid(user, "fair-sale-save").click()
    await until(lambda: "Saved." in " ".join(
        e.text for e in element(user, "fair-sale-panel").descendants() if hasattr(e, "text")))
    saved = site.services.waiting_room.rules.stored(event.id)
    assert saved.has_room and saved.opens_at == datetime(2026, 6, 2, 17, 30, tzinfo=UTC)  # 19:30 in Berlin
