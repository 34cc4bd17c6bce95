"""The day-before reminder: every order of a published event gets one mail, 24 h before it starts.

`Reminders.queue_due` (run by app/jobs.py) pages the published events starting within the lead
time, and for each whose reminder is on (the default; the organizer can turn it off on the
dashboard) enqueues one mail per order that still has a valid ticket, under the key
`reminder:<order_id>`: the outbox refuses a key twice, so an order is reminded once however often the
job runs, on however many instances. The event is then marked queued, so later passes skip it
without reading its orders again. Orders bought after that (in the last 24 h) get no reminder: their
tickets mail, with the same when and where, has just arrived. Cancelled or unpublished events are
not listed, so they get none either.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from eventflow.domain.attendee_mail import reminder_mail
from eventflow.domain.clock import Clock
from eventflow.domain.errors import NotFound
from eventflow.domain.models import Event, TicketStatus
from eventflow.domain.outbox import EventMailSettings, Outbox, OutboxStore
from eventflow.domain.ports import Store

REMINDER_LEAD = timedelta(hours=24)
PAGE = 100


class ReminderStore(Store, OutboxStore, Protocol):
    """The events and orders, and the outbox's rows and settings, on one store."""


class Reminders:
    def __init__(self, store: ReminderStore, outbox: Outbox, clock: Clock, base_url: str,
                 lead: timedelta = REMINDER_LEAD) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock
        self.base_url = base_url
        self.lead = lead

    def settings(self, event_id: str) -> EventMailSettings:
        return self.store.get_event_mail_settings(event_id) or EventMailSettings(event_id)

    def set_reminder(self, organizer_id: str, event_id: str, on: bool) -> EventMailSettings:
        """The organizer turns the event's reminder on or off (until its reminders were queued)."""
        event = self.store.get_event(event_id)
        if event is None or event.organizer_id != organizer_id:
            raise NotFound("No such event")
        settings = replace(self.settings(event_id), reminder=on)
        self.store.save_event_mail_settings(settings)
        return settings

    def queue_due(self) -> int:
        """Enqueue the reminders of every event whose lead time has begun; returns how many were new."""
        now = self.clock.now()
        queued = 0
        after: tuple[datetime, str] | None = None
        while True:
            page = self.store.list_upcoming_published(now, PAGE, after)
            for event in page:
                if event.starts_at > now + self.lead:
                    return queued  # listed by start: the rest start later still
                if event.starts_at > now:
                    queued += self.queue_event(event, now)
            if len(page) < PAGE:
                return queued
            after = (page[-1].starts_at, page[-1].id)

    def queue_event(self, event: Event, now: datetime) -> int:
        settings = self.settings(event.id)
        if not settings.reminder or settings.reminders_queued_at is not None:
            return 0
        queued = self.outbox.enqueue_many([
            (f"reminder:{order.id}", reminder_mail(order, event, self.base_url))
            for order in self.store.list_orders(event.id)
            if any(t.status is TicketStatus.VALID for t in order.tickets)], event_id=event.id, batch="reminder")
        self.store.save_event_mail_settings(replace(settings, reminders_queued_at=now))
        return queued
