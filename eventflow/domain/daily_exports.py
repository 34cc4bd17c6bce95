"""The scheduled daily export by mail (issue 18, optional): an organizer turns it on per event in the
dashboard's Downloads and gets one mail each morning with the orders, attendees and check-ins attached as
Excel files (the same sheets as the downloads: domain/exports.py, formula-safe in adapters/spreadsheets.py).

- **Per event**, because the switch sits with the event's downloads and an organizer with a dozen past
  events wants the files of the one on sale, not twelve mails. Off unless turned on.
- **When.** From `SEND_AT` (07:00) in the event's own time zone, one mail per local day, from the day it
  is turned on until the morning after the event ends (the last one carries the final check-ins).
- **Once, on any number of instances, across restarts.** `queue_due` (the outbox job, every few seconds,
  on every instance) enqueues the mail under the outbox key `daily-export:<event>:<local date>`: a key is
  taken once (domain/outbox.py), so two instances running the pass at the same moment queue one mail,
  and a restart finds the key taken. The outbox sends it at most once, with retries.
- **Size.** The files travel inside the outbox row (a DynamoDB item is at most 400 KB). Files larger than
  `MAX_ATTACHED_BYTES` together are not attached: the mail says so and links the dashboard's downloads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from eventflow.domain.clock import Clock
from eventflow.domain.exports import Exports, Sheet
from eventflow.domain.language import words_for
from eventflow.domain.models import Event, Organizer
from eventflow.domain.outbox import MailAttachment, OutboxMessage, OutgoingMail

log = logging.getLogger(__name__)

SEND_AT = time(7, 0)  # the event's local time from which the day's mail is queued
KINDS = ("orders", "attendees", "checkins")
MAX_ATTACHED_BYTES = 240_000  # base64 in the outbox row: ~320 KB, under DynamoDB's 400 KB item
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = "daily-export"


@dataclass(frozen=True, slots=True)
class DailyExportSetting:
    """Whether an event's files are mailed to its organizer every morning."""

    event_id: str
    organizer_id: str
    enabled: bool
    changed_at: datetime


class DailyExportStore(Protocol):
    """What every store keeps for this module (contract: tests/store/test_contract_daily_exports.py)."""

    def save_daily_export(self, setting: DailyExportSetting) -> None:
        """Insert or overwrite the event's setting."""

    def get_daily_export(self, event_id: str) -> DailyExportSetting | None:
        """None when never saved (off)."""

    def daily_exports_on(self) -> list[DailyExportSetting]:
        """Every setting that is on, ordered by event id."""


@runtime_checkable
class DailyExportReads(DailyExportStore, Protocol):
    """The rest of the store the pass reads (every full store has them)."""

    def get_event(self, event_id: str) -> Event | None: ...

    def get_organizer(self, organizer_id: str) -> Organizer | None: ...

    def get_outbox_message(self, key: str) -> OutboxMessage | None: ...


class Enqueue(Protocol):
    """`Outbox.enqueue`."""

    def __call__(self, key: str, mail: OutgoingMail, *, event_id: str = "", batch: str = "") -> bool: ...


def outbox_key(event_id: str, day: date) -> str:
    return f"daily-export:{event_id}:{day.isoformat()}"


def due_day(event: Event, now: datetime) -> date | None:
    """The event's local date whose mail is due at `now`, or None (before 07:00 local, or more than a day
    after the event ended)."""
    zone = ZoneInfo(event.timezone)
    local = now.astimezone(zone)
    if local.time() < SEND_AT or local.date() > event.ends_at.astimezone(zone).date() + timedelta(days=1):
        return None
    return local.date()


class DailyExports:
    """The switch (dashboard) and the pass that queues due mails (app/jobs.py `run_outbox`)."""

    def __init__(self, store: DailyExportReads, own_event: Callable[[str, str], Event], exports: Exports,
                 enqueue: Enqueue, render: Callable[[Sheet], bytes], clock: Clock, public_url: str) -> None:
        self.store, self.own_event, self.exports, self.enqueue = store, own_event, exports, enqueue
        self.render, self.clock, self.public_url = render, clock, public_url.rstrip("/")

    def is_on(self, organizer_id: str, event_id: str) -> bool:
        self.own_event(organizer_id, event_id)  # NotFound for another organizer's event
        setting = self.store.get_daily_export(event_id)
        return setting is not None and setting.enabled

    def switch(self, organizer_id: str, event_id: str, on: bool) -> DailyExportSetting:
        """The organizer turns the daily mail on or off for their event."""
        event = self.own_event(organizer_id, event_id)
        setting = DailyExportSetting(event.id, event.organizer_id, on, self.clock.now())
        self.store.save_daily_export(setting)
        return setting

    def queue_due(self) -> int:
        """Queue every due mail not queued yet (safe on every instance at once): how many this call queued."""
        queued, now = 0, self.clock.now()
        for setting in self.store.daily_exports_on():
            try:
                queued += self._queue(setting, now)
            except Exception:  # one event's broken export must not stop the others' mail
                log.exception("daily export of %s not queued", setting.event_id)
        return queued

    def _queue(self, setting: DailyExportSetting, now: datetime) -> bool:
        event = self.store.get_event(setting.event_id)
        day = due_day(event, now) if event is not None else None
        if event is None or day is None:
            return False
        key = outbox_key(event.id, day)
        if self.store.get_outbox_message(key) is not None:  # queued already (here or elsewhere): no files made
            return False
        organizer = self.store.get_organizer(event.organizer_id)
        if organizer is None:
            return False
        return self.enqueue(key, self.mail(event, organizer, day), event_id=event.id, batch=BATCH)

    def mail(self, event: Event, organizer: Organizer, day: date) -> OutgoingMail:
        """The day's mail: the three sheets as Excel files, or a link when they are too large to attach."""
        files = tuple(MailAttachment(f"{event.slug}-{kind}-{day.isoformat()}.xlsx", XLSX,
                                     self.render(self.exports.sheet(event, kind))) for kind in KINDS)
        downloads = f"{self.public_url}/dashboard/events/{event.id}"
        words = words_for(organizer.language)  # the organizer's language (their account's setting)
        subject = words("Daily export: {title} ({day})").format(title=event.title, day=day.isoformat())
        if sum(len(f.data) for f in files) > MAX_ATTACHED_BYTES:
            text = words("Today's orders, attendees and check-ins of {title} are too large to attach to a mail. "
                         "Download them from the dashboard:\n{link}\n").format(title=event.title, link=downloads)
            files = ()
        else:
            text = words("Attached: the orders, attendees and check-ins of {title} as of this morning (Excel files; "
                         "times in {timezone}).\n\nThe same files any time: {link}\n").format(
                title=event.title, timezone=event.timezone, link=downloads)
        text += "\n" + words("You get this mail every morning until the day after the event. Turn it off under "
                             "Downloads.") + "\n"
        return OutgoingMail(to=organizer.email,
                            subject=subject, text=text, attachments=files)
