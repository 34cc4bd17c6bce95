"""The catalogue: events and their ticket tiers, every rule about them in one place.

An organizer creates an event (a draft), adds tiers, edits both, reorders tiers, publishes,
unpublishes or cancels. Pages and the API call `Catalog` for all of it, so a tier added through
the API and one edited in the editor obey the same field rules (`clean_tier_details`), and an
event's fields are checked the same way on create and on edit (`clean_event_details`).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eventflow.domain.clock import Clock
from eventflow.domain.dates import require_instant, require_sales_within_event
from eventflow.domain.errors import Conflict, EventNotDeletable, NotFound, TierHasSales, ValidationFailed
from eventflow.domain.models import (
    MAX_TICKETS_PER_RESERVATION,
    Event,
    EventStatus,
    EventView,
    Tier,
    new_id,
    slugify,
)
from eventflow.domain.money import FeeMode, require_supported
from eventflow.domain.ports import AvailabilityListener, NoListener, PaidSalesGate, Store

MAX_PRICE_MINOR = 100_000_000_00  # a hundred million in a two-digit currency
MAX_CAPACITY = 1_000_000
MAX_TIERS_PER_EVENT = 50
DEFAULT_MAX_PER_ORDER = 10


def clean_event_details(
    *, title: str, starts_at: datetime, ends_at: datetime, timezone: str, venue: str, currency: str,
    description: str, fee_mode: FeeMode | str,
) -> dict[str, Any]:
    """An event's editable fields, checked and normalised; the same rules on create and on edit."""
    title = title.strip()
    if not title or len(title) > 200:
        raise ValidationFailed("Give the event a title (up to 200 characters)", field="title")
    require_instant("starts_at", starts_at)
    require_instant("ends_at", ends_at)
    if ends_at <= starts_at:
        raise ValidationFailed("The event must end after it starts", field="ends_at")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed("Unknown timezone {timezone!r} (use e.g. Europe/Berlin)", field="timezone",
                               timezone=timezone) from None
    try:
        fee_mode = FeeMode(fee_mode)
    except ValueError:
        raise ValidationFailed("fee_mode is buyer_pays or organizer_absorbs", field="fee_mode") from None
    if len(description) > 20_000 or len(venue) > 300:
        raise ValidationFailed("Description or venue is too long")
    return {
        "title": title, "starts_at": starts_at, "ends_at": ends_at, "timezone": timezone, "venue": venue.strip(),
        "currency": require_supported(currency.strip().upper()), "description": description, "fee_mode": fee_mode,
    }


def clean_tier_details(
    *, name: str, price_minor: int, capacity: int, max_per_order: int | None, sales_start: datetime | None,
    sales_end: datetime | None, hidden: bool,
) -> dict[str, Any]:
    """A tier's editable fields, checked and normalised; the same rules on add and on edit.

    An explicit `max_per_order` outside 1..MAX_TICKETS_PER_RESERVATION is refused, never quietly
    changed; one above the capacity is kept (a buyer can never take more than is left anyway).
    Left out, it is 10, or the capacity when that is smaller."""
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed("Give the tier a name (up to 120 characters)", field="name")
    if not 0 <= price_minor <= MAX_PRICE_MINOR:
        raise ValidationFailed("price_minor must be between 0 and {most:,}", field="price_minor",
                               most=MAX_PRICE_MINOR)
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationFailed("capacity must be between 1 and {most:,}", field="capacity", most=MAX_CAPACITY)
    if max_per_order is None:
        max_per_order = min(DEFAULT_MAX_PER_ORDER, capacity)
    if not 1 <= max_per_order <= MAX_TICKETS_PER_RESERVATION:
        raise ValidationFailed("max_per_order must be between 1 and {most}", field="max_per_order",
                               most=MAX_TICKETS_PER_RESERVATION)
    require_instant("sales_start", sales_start)
    require_instant("sales_end", sales_end)
    if sales_start and sales_end and sales_end <= sales_start:
        raise ValidationFailed("Sales must end after they start", field="sales_end")
    return {
        "name": name, "price_minor": price_minor, "capacity": capacity, "max_per_order": max_per_order,
        "sales_start": sales_start, "sales_end": sales_end, "hidden": hidden,
    }


def require_tier_sales_fit(tiers: list[Tier], ends_at: datetime) -> None:
    """A new end for the event must not leave a tier selling after it (change the tier first)."""
    for tier in tiers:
        try:
            require_sales_within_event(tier.sales_start, tier.sales_end, ends_at, tier.name)
        except ValidationFailed as problem:
            raise ValidationFailed("{problem}: change the tier's sales window first, or end the event later",
                                   field="ends_at", problem=problem) from None


class CatalogCache:
    """Event + tiers as last read, for pricing holds without a read per reservation.

    Staleness is harmless: every hold is written conditionally on the tier versions it was
    priced from, and a mismatch makes the reservation re-read and retry."""

    def __init__(self, ttl_seconds: float = 1.0) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[str, tuple[float, EventView]] = {}
        self._lock = threading.Lock()

    def get(self, event_id: str) -> EventView | None:
        with self._lock:
            entry = self._entries.get(event_id)
        if entry is None or time.monotonic() - entry[0] > self._ttl:
            return None
        return entry[1]

    def put(self, view: EventView) -> None:
        with self._lock:
            self._entries[view.event.id] = (time.monotonic(), view)

    def forget(self, event_id: str) -> None:
        with self._lock:
            self._entries.pop(event_id, None)


class Catalog:
    """Events and tiers: what an organizer sets up and what buyers see of it."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        listener: AvailabilityListener | None = None,
        paid_sales_gate: PaidSalesGate | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.listener: AvailabilityListener = listener or NoListener()
        # Set when card payments need onboarding first (see app/jobs.build_payments).
        self.paid_sales_gate = paid_sales_gate
        # Set when organizers must confirm their email before publishing (domain/email_verification.py).
        self.publish_check: Callable[[str], None] | None = None
        # Set to browse's listing refresh (domain/browse.py Browse.event_saved): called after every event save.
        self.after_save: Callable[[Event], None] | None = None
        self._cache = CatalogCache()

    # ---------------------------------------------------------------- events
    def create_event(
        self,
        organizer_id: str,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        timezone: str,
        venue: str = "",
        currency: str = "EUR",
        description: str = "",
        fee_mode: FeeMode | str = FeeMode.BUYER_PAYS,
    ) -> Event:
        """A new draft; its address is the title's slug, with a random suffix when that is taken."""
        details = clean_event_details(title=title, starts_at=starts_at, ends_at=ends_at, timezone=timezone,
                                      venue=venue, currency=currency, description=description, fee_mode=fee_mode)
        base_slug = slugify(details["title"])
        for attempt in range(20):
            slug = base_slug if attempt == 0 else f"{base_slug}-{secrets.token_hex(2)}"
            event = Event(id=new_id("evt"), organizer_id=organizer_id, slug=slug, status=EventStatus.DRAFT,
                          created_at=self.clock.now(), **details)
            try:
                self.store.add_event(event)
                return event
            except Conflict:
                continue
        raise Conflict("Could not find a free address for this event; change the title")

    def own_event(self, organizer_id: str, event_id: str) -> Event:
        """The organizer's event, or NotFound: other organizers' events do not exist for them."""
        event = self.store.get_event(event_id)
        if event is None or event.organizer_id != organizer_id:
            raise NotFound("No such event")
        return event

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
        """New details; currency and fee mode are locked once a ticket is held or sold."""
        event = self.own_event(organizer_id, event_id)
        details = clean_event_details(title=title, starts_at=starts_at, ends_at=ends_at, timezone=timezone,
                                      venue=venue, currency=currency, description=description, fee_mode=fee_mode)
        tiers = self.store.get_tiers(event_id)
        money_terms_change = details["currency"] != event.currency or details["fee_mode"] is not event.fee_mode
        if money_terms_change and any(t.held or t.sold for t in tiers):
            raise Conflict("Currency and fee mode cannot change once tickets are held or sold")
        if details["ends_at"] != event.ends_at:
            require_tier_sales_fit(tiers, details["ends_at"])
        updated = replace(event, **details)
        self.store.save_event(updated)
        self._changed(event_id)
        if self.after_save is not None:
            self.after_save(updated)
        return updated

    def publish(self, organizer_id: str, event_id: str) -> Event:
        event = self.own_event(organizer_id, event_id)
        if event.status is EventStatus.CANCELLED:
            raise Conflict("A cancelled event cannot be published")
        tiers = self.store.get_tiers(event_id)
        if not tiers:
            raise ValidationFailed("Add at least one ticket tier before publishing")
        if any(tier.price_minor > 0 for tier in tiers):
            self._require_paid_sales_allowed(organizer_id)
        if self.publish_check is not None and event.status is not EventStatus.PUBLISHED:
            self.publish_check(organizer_id)
        return self._set_status(event, EventStatus.PUBLISHED)

    def unpublish(self, organizer_id: str, event_id: str) -> Event:
        """Back to draft: the public page and sales stop; tickets already sold stay valid."""
        return self._set_status(self._open_event(organizer_id, event_id), EventStatus.DRAFT)

    def cancel(self, organizer_id: str, event_id: str) -> Event:
        """Final: sales stop for good and the door refuses its tickets. Refunds and mails to buyers:
        `cancellation.Cancellations.cancel`, which calls this first."""
        return self._set_status(self._open_event(organizer_id, event_id), EventStatus.CANCELLED)

    def reschedule(self, organizer_id: str, event_id: str, *, starts_at: datetime, ends_at: datetime) -> Event:
        """Postpone (or move) an event: new start and end under the same rules as an edit; everything
        else stays. Telling the buyers is `cancellation.Cancellations.postpone`'s business."""
        event = self._open_event(organizer_id, event_id)
        return self.update_event(
            organizer_id, event_id, title=event.title, starts_at=starts_at, ends_at=ends_at,
            timezone=event.timezone, venue=event.venue, currency=event.currency, description=event.description,
            fee_mode=event.fee_mode)

    def _open_event(self, organizer_id: str, event_id: str) -> Event:
        """The organizer's event, refused once cancelled: cancelling is final."""
        event = self.own_event(organizer_id, event_id)
        if event.status is EventStatus.CANCELLED:
            raise Conflict("This event is cancelled")
        return event

    def _set_status(self, event: Event, status: EventStatus) -> Event:
        updated = event.with_status(status)
        self.store.save_event(updated)
        self._changed(event.id)
        if self.after_save is not None:
            self.after_save(updated)
        return updated

    # ---------------------------------------------------------------- tiers
    def add_tier(
        self,
        organizer_id: str,
        event_id: str,
        *,
        name: str,
        price_minor: int,
        capacity: int,
        max_per_order: int | None = None,
        sales_start: datetime | None = None,
        sales_end: datetime | None = None,
        hidden: bool = False,
    ) -> Tier:
        """A new tier at the end of the list (see `clean_tier_details` for the field rules)."""
        event = self._open_event(organizer_id, event_id)
        fields = clean_tier_details(name=name, price_minor=price_minor, capacity=capacity,
                                    max_per_order=max_per_order, sales_start=sales_start, sales_end=sales_end,
                                    hidden=hidden)
        require_sales_within_event(sales_start, sales_end, event.ends_at)
        existing = self.store.get_tiers(event_id)
        if len(existing) >= MAX_TIERS_PER_EVENT:
            raise ValidationFailed("An event can have at most {most} tiers", most=MAX_TIERS_PER_EVENT)
        self._require_paid_sales_allowed_for(event, was_paid=False, price_minor=price_minor)
        tier = Tier(id=new_id("tier"), event_id=event_id, position=len(existing), **fields)
        self.store.add_tier(tier)
        self._changed(event_id)
        return tier

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
        """Same field rules as `add_tier`. The price is locked once a ticket is sold; capacity may
        shrink only down to held + sold, which the store enforces atomically (CapacityBelowSold)."""
        event = self._open_event(organizer_id, event_id)
        tier = self._own_tier(event_id, tier_id)
        fields = clean_tier_details(name=name, price_minor=price_minor, capacity=capacity,
                                    max_per_order=max_per_order, sales_start=sales_start, sales_end=sales_end,
                                    hidden=hidden)
        require_sales_within_event(sales_start, sales_end, event.ends_at)
        self._require_paid_sales_allowed_for(event, was_paid=tier.price_minor > 0, price_minor=price_minor)
        if price_minor != tier.price_minor and tier.sold:
            raise Conflict("The price cannot change after tickets were sold; add a new tier instead")
        saved = self.store.update_tier(replace(tier, **fields))
        self._changed(event_id)
        return saved

    def move_tier(self, organizer_id: str, event_id: str, tier_id: str, steps: int) -> list[Tier]:
        """Move a tier up (negative) or down the list; returns the tiers in their new order."""
        self.own_event(organizer_id, event_id)
        tiers = self.store.get_tiers(event_id)
        index = next((i for i, t in enumerate(tiers) if t.id == tier_id), None)
        if index is None:
            raise NotFound("No such tier")
        target = max(0, min(len(tiers) - 1, index + steps))
        tiers.insert(target, tiers.pop(index))
        for position, tier in enumerate(tiers):
            if tier.position != position:
                self.store.update_tier(replace(tier, position=position))
        self._changed(event_id)
        return self.store.get_tiers(event_id)

    def delete_tier(self, organizer_id: str, event_id: str, tier_id: str) -> None:
        """A tier nobody bought or holds goes (TierHasSales otherwise: the store's conditional
        delete decides, so a hold taken meanwhile wins)."""
        self._open_event(organizer_id, event_id)
        tier = self._own_tier(event_id, tier_id)
        if tier.held or tier.sold:
            raise TierHasSales()
        self.store.delete_tier(event_id, tier_id)
        self._changed(event_id)

    def delete_event(self, organizer_id: str, event_id: str) -> None:
        """A draft nobody ever ordered from goes, with its tiers (EventNotDeletable otherwise: a
        published event is unpublished first, one with orders is cancelled instead)."""
        event = self.own_event(organizer_id, event_id)
        if event.status is not EventStatus.DRAFT or self.store.orders_page(event_id, None, 1):
            raise EventNotDeletable()
        for tier in self.store.get_tiers(event_id):
            self.store.delete_tier(event_id, tier.id)
        self.store.delete_event(event_id)
        self._changed(event_id)

    def _own_tier(self, event_id: str, tier_id: str) -> Tier:
        tier = next((t for t in self.store.get_tiers(event_id) if t.id == tier_id), None)
        if tier is None:
            raise NotFound("No such tier")
        return tier

    # ---------------------------------------------------------------- what buyers see
    def event_view(self, event_id: str) -> EventView:
        """An event with live counts; drafts and cancelled events included (caller decides)."""
        event = self.store.get_event(event_id)
        if event is None:
            raise NotFound("No such event")
        view = EventView(event, tuple(self.store.get_tiers(event_id)))
        self._cache.put(view)
        return view

    def recent_view(self, event_id: str) -> EventView:
        """The event as read at most a second ago (for pricing holds; see CatalogCache)."""
        return self._cache.get(event_id) or self.event_view(event_id)

    def public_event_view(self, event_id: str) -> EventView:
        view = self.event_view(event_id)
        if view.event.status is EventStatus.DRAFT:
            raise NotFound("No such event")
        return view

    def public_event_by_slug(self, slug: str) -> EventView:
        event = self.store.find_event_by_slug(slug)
        if event is None:
            raise NotFound("No such event")
        return self.public_event_view(event.id)

    # ---------------------------------------------------------------- helpers
    def _require_paid_sales_allowed_for(self, event: Event, *, was_paid: bool, price_minor: int) -> None:
        """A tier turning paid on a published event is a paid sale starting now (see `publish`)."""
        if price_minor > 0 and not was_paid and event.status is EventStatus.PUBLISHED:
            self._require_paid_sales_allowed(event.organizer_id)

    def _require_paid_sales_allowed(self, organizer_id: str) -> None:
        """Paid tiers go on sale only once the organizer can take card payments (when that matters)."""
        if self.paid_sales_gate is not None:
            self.paid_sales_gate.require_paid_sales_allowed(organizer_id)

    def _changed(self, event_id: str) -> None:
        """Forget the cached catalogue and tell live pages to re-read the event."""
        self._cache.forget(event_id)
        self.listener.availability_changed(event_id)
