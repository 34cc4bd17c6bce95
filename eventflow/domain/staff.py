"""Door staff: an organizer hands someone a revocable link that opens one event's door scanner.

The link carries a secret token; only its hash is stored, so a leaked database opens no door."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace

from eventflow.domain.catalog import Catalog
from eventflow.domain.errors import NotFound, Unauthorized, ValidationFailed
from eventflow.domain.models import StaffAccess, new_id


def staff_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DoorStaff:
    """Give, list and revoke door access; every organizer call checks event ownership first."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.store = catalog.store
        self.clock = catalog.clock

    def add_staff(self, organizer_id: str, event_id: str, label: str) -> tuple[StaffAccess, str]:
        """A new staff access and its secret token (shown once, inside the staff link)."""
        self.catalog.own_event(organizer_id, event_id)
        label = label.strip()
        if not label or len(label) > 80:
            raise ValidationFailed("Say who gets this access (up to 80 characters)", field="label")
        token = secrets.token_urlsafe(24)
        staff = StaffAccess(
            id=new_id("stf"), event_id=event_id, label=label, token_hash=staff_token_hash(token),
            created_at=self.clock.now(),
        )
        self.store.add_staff(staff)
        return staff, token

    def list_staff(self, organizer_id: str, event_id: str) -> list[StaffAccess]:
        self.catalog.own_event(organizer_id, event_id)
        return self.store.list_staff(event_id)

    def revoke_staff(self, organizer_id: str, event_id: str, staff_id: str) -> StaffAccess:
        self.catalog.own_event(organizer_id, event_id)
        staff = next((s for s in self.store.list_staff(event_id) if s.id == staff_id), None)
        if staff is None:
            raise NotFound("No such staff access")
        if staff.revoked_at is None:
            staff = replace(staff, revoked_at=self.clock.now())
            self.store.save_staff(staff)
        return staff

    def staff_for_token(self, token: str, event_id: str | None = None) -> StaffAccess:
        """The active staff access a door token grants; scoped to `event_id` when given."""
        staff = self.store.find_staff(staff_token_hash(token))
        if staff is None or not staff.active or (event_id is not None and staff.event_id != event_id):
            raise Unauthorized("This staff link is not valid for this event (revoked or wrong event)")
        return staff
