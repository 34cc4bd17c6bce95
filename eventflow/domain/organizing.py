"""What an organizer does after creating an event: edit it and its tiers, reorder, publish or
unpublish, cancel, and hand door staff a revocable link. Every call checks ownership first."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime

from eventflow.domain.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from eventflow.domain.models import (
    MAX_TICKETS_PER_RESERVATION,
    Event,
    EventStatus,
    StaffAccess,
    Tier,
    new_id,
)
from eventflow.domain.money import FeeMode
from eventflow.domain.reservations import MAX_CAPACITY, MAX_PRICE_MINOR, Ticketing, clean_event_details, require_aware


def staff_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Organizing:
    def __init__(self, ticketing: Ticketing) -> None:
        self.ticketing = ticketing
        self.store = ticketing.store

    # ------------------------------------------------------------ events
    def update_event(
        self,
        organizer_id: str,
        event_id: str,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        timezone: str,
        venue: str,
        currency: str,
        description: str,
        fee_mode: FeeMode | str,
    ) -> Event:
        event = self.ticketing.own_event(organizer_id, event_id)
        details = clean_event_details(title=title, starts_at=starts_at, ends_at=ends_at, timezone=timezone,
                                      venue=venue, currency=currency, description=description, fee_mode=fee_mode)
        money_terms_change = details["currency"] != event.currency or details["fee_mode"] is not event.fee_mode
        if money_terms_change and self._has_sales(event_id):
            raise Conflict("Currency and fee mode cannot change once tickets are held or sold")
        updated = replace(event, **details)
        self.store.save_event(updated)
        self.ticketing.notify_changed(event_id)
        return updated

    def _has_sales(self, event_id: str) -> bool:
        return any(t.held or t.sold for t in self.store.get_tiers(event_id))

    def unpublish(self, organizer_id: str, event_id: str) -> Event:
        """Back to draft: the public page and sales stop; tickets already sold stay valid."""
        return self._set_status(organizer_id, event_id, EventStatus.DRAFT)

    def cancel(self, organizer_id: str, event_id: str) -> Event:
        return self._set_status(organizer_id, event_id, EventStatus.CANCELLED)

    def _set_status(self, organizer_id: str, event_id: str, status: EventStatus) -> Event:
        event = self.ticketing.own_event(organizer_id, event_id)
        if event.status is EventStatus.CANCELLED:
            raise Conflict("This event is cancelled")
        updated = event.with_status(status)
        self.store.save_event(updated)
        self.ticketing.notify_changed(event_id)
        return updated

    # ------------------------------------------------------------ tiers
    def update_tier(
        self,
        organizer_id: str,
        event_id: str,
        tier_id: str,
        *,
        name: str,
        price_minor: int,
        capacity: int,
        max_per_order: int,
        sales_start: datetime | None,
        sales_end: datetime | None,
        hidden: bool,
    ) -> Tier:
        """Capacity may shrink only down to held + sold; the store enforces it atomically."""
        event = self.ticketing.own_event(organizer_id, event_id)
        tier = self._own_tier(event_id, tier_id)
        if price_minor > 0 and tier.price_minor == 0 and event.status is EventStatus.PUBLISHED:
            self.ticketing.require_paid_sales_allowed(organizer_id)
        name = name.strip()
        if not name or len(name) > 120:
            raise ValidationFailed("Give the tier a name (up to 120 characters)")
        if not 0 <= price_minor <= MAX_PRICE_MINOR:
            raise ValidationFailed("The price must be zero or more")
        if price_minor != tier.price_minor and tier.sold:
            raise Conflict("The price cannot change after tickets were sold; add a new tier instead")
        if not 1 <= capacity <= MAX_CAPACITY:
            raise ValidationFailed(f"Capacity must be between 1 and {MAX_CAPACITY:,}")
        if not 1 <= max_per_order <= MAX_TICKETS_PER_RESERVATION:
            raise ValidationFailed(f"Max per order must be between 1 and {MAX_TICKETS_PER_RESERVATION}")
        require_aware("sales_start", sales_start)
        require_aware("sales_end", sales_end)
        if sales_start and sales_end and sales_end <= sales_start:
            raise ValidationFailed("Sales must end after they start")
        saved = self.store.update_tier(replace(
            tier, name=name, price_minor=price_minor, capacity=capacity, max_per_order=max_per_order,
            sales_start=sales_start, sales_end=sales_end, hidden=hidden,
        ))
        self.ticketing.notify_changed(event_id)
        return saved

    def move_tier(self, organizer_id: str, event_id: str, tier_id: str, steps: int) -> list[Tier]:
        """Move a tier up (negative) or down the list; returns the tiers in their new order."""
        self.ticketing.own_event(organizer_id, event_id)
        tiers = self.store.get_tiers(event_id)
        index = next((i for i, t in enumerate(tiers) if t.id == tier_id), None)
        if index is None:
            raise NotFound("No such tier")
        target = max(0, min(len(tiers) - 1, index + steps))
        tiers.insert(target, tiers.pop(index))
        for position, tier in enumerate(tiers):
            if tier.position != position:
                self.store.update_tier(replace(tier, position=position))
        self.ticketing.notify_changed(event_id)
        return self.store.get_tiers(event_id)

    def _own_tier(self, event_id: str, tier_id: str) -> Tier:
        tier = next((t for t in self.store.get_tiers(event_id) if t.id == tier_id), None)
        if tier is None:
            raise NotFound("No such tier")
        return tier

    # ------------------------------------------------------------ door staff
    def add_staff(self, organizer_id: str, event_id: str, label: str) -> tuple[StaffAccess, str]:
        """A new staff access and its secret token (shown once, inside the staff link)."""
        self.ticketing.own_event(organizer_id, event_id)
        label = label.strip()
        if not label or len(label) > 80:
            raise ValidationFailed("Say who gets this access (up to 80 characters)")
        token = secrets.token_urlsafe(24)
        staff = StaffAccess(
            id=new_id("stf"), event_id=event_id, label=label, token_hash=staff_token_hash(token),
            created_at=self.ticketing.clock.now(),
        )
        self.store.add_staff(staff)
        return staff, token

    def list_staff(self, organizer_id: str, event_id: str) -> list[StaffAccess]:
        self.ticketing.own_event(organizer_id, event_id)
        return self.store.list_staff(event_id)

    def revoke_staff(self, organizer_id: str, event_id: str, staff_id: str) -> StaffAccess:
        self.ticketing.own_event(organizer_id, event_id)
        staff = next((s for s in self.store.list_staff(event_id) if s.id == staff_id), None)
        if staff is None:
            raise NotFound("No such staff access")
        if staff.revoked_at is None:
            staff = replace(staff, revoked_at=self.ticketing.clock.now())
            self.store.save_staff(staff)
        return staff

    def staff_for_token(self, token: str, event_id: str | None = None) -> StaffAccess:
        """The active staff access a door token grants; scoped to `event_id` when given."""
        staff = self.store.find_staff(staff_token_hash(token))
        if staff is None or not staff.active or (event_id is not None and staff.event_id != event_id):
            raise Unauthorized("This staff link is not valid for this event (revoked or wrong event)")
        return staff
