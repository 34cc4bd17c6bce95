"""What organizers do after creating an event: edits, reorder, unpublish, cancel, staff links."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from eventflow.adapters.covers import CoverImages
from eventflow.domain.errors import Conflict, NotFound, NotOnSale, Unauthorized, ValidationFailed
from eventflow.domain.models import Buyer, EventStatus
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.staff import DoorStaff
from tests.conftest import publish_event


@pytest.fixture
def organizing(service: Ticketing) -> DoorStaff:
    return DoorStaff(service.catalog)


def test_tiers_move_up_and_down(service: Ticketing, organizing: DoorStaff) -> None:
    event, tiers = publish_event(service)
    moved = service.catalog.move_tier(event.organizer_id, event.id, tiers[2].id, -2)
    assert [t.id for t in moved] == [tiers[2].id, tiers[0].id, tiers[1].id]
    moved = service.catalog.move_tier(event.organizer_id, event.id, tiers[2].id, +5)  # clamped at the end
    assert [t.id for t in moved] == [tiers[0].id, tiers[1].id, tiers[2].id]
    with pytest.raises(NotFound):
        service.catalog.move_tier(event.organizer_id, event.id, "tier_nope", 1)


def test_unpublish_stops_sales_and_cancel_is_final(service: Ticketing, organizing: DoorStaff) -> None:
    event, tiers = publish_event(service)
    assert service.catalog.unpublish(event.organizer_id, event.id).status is EventStatus.DRAFT
    with pytest.raises(NotFound):  # a draft does not exist for buyers
        service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("a@example.com", "A"))
    service.catalog.publish(event.organizer_id, event.id)
    assert service.catalog.cancel(event.organizer_id, event.id).status is EventStatus.CANCELLED
    with pytest.raises(NotOnSale):
        service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("a@example.com", "A"))
    with pytest.raises(Conflict):
        service.catalog.publish(event.organizer_id, event.id)


def test_edits_are_validated_and_money_terms_lock_after_the_first_hold(
    service: Ticketing, organizing: DoorStaff
) -> None:
    event, tiers = publish_event(service)
    fields = {"title": "Renamed", "starts_at": event.starts_at, "ends_at": event.ends_at, "timezone": event.timezone,
              "venue": "Hall 2", "currency": "EUR", "description": "", "fee_mode": "buyer_pays"}
    assert service.catalog.update_event(event.organizer_id, event.id, **fields).title == "Renamed"
    with pytest.raises(ValidationFailed):
        service.catalog.update_event(event.organizer_id, event.id, **{**fields, "ends_at": event.starts_at})
    service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("a@example.com", "A"))
    with pytest.raises(Conflict):
        service.catalog.update_event(event.organizer_id, event.id, **{**fields, "currency": "USD"})
    tier = service.catalog.update_tier(event.organizer_id, event.id, tiers[0].id, name="Early", price_minor=2000,
                                  capacity=60, max_per_order=4, sales_start=None,
                                  sales_end=service.clock.now() + timedelta(days=1), hidden=False)
    assert (tier.name, tier.capacity, tier.held) == ("Early", 60, 1)


def test_staff_links_open_one_event_until_revoked(service: Ticketing, organizing: DoorStaff) -> None:
    event, _ = publish_event(service)
    other, _ = publish_event(service)
    staff, token = organizing.add_staff(event.organizer_id, event.id, "Front door")
    assert organizing.staff_for_token(token, event.id) == staff
    with pytest.raises(Unauthorized):
        organizing.staff_for_token(token, other.id)
    assert [s.label for s in organizing.list_staff(event.organizer_id, event.id)] == ["Front door"]
    organizing.revoke_staff(event.organizer_id, event.id, staff.id)
    with pytest.raises(Unauthorized):
        organizing.staff_for_token(token, event.id)
    with pytest.raises(NotFound):  # another organizer cannot see or revoke them
        organizing.list_staff(other.organizer_id, event.id)


def test_cover_images_are_reencoded_and_garbage_refused(tmp_path: Path) -> None:
    covers = CoverImages(tmp_path / "covers")
    picture = io.BytesIO()
    Image.new("RGB", (3000, 1500), "purple").save(picture, "PNG")
    saved = covers.save("evt_1", picture.getvalue())
    with Image.open(saved) as image:
        assert image.format == "JPEG" and max(image.size) == 1600
    with pytest.raises(ValidationFailed):
        covers.save("evt_2", b"<svg>not a photo</svg>")
    assert covers.exists("evt_1") and not covers.exists("evt_2")
