"""`OutboxStore` in a dict: the outbox half of `InMemoryStore` (tests/fakes/memory_store.py).

A mixin like SqliteOutboxMixin; shares the store's one lock, so every status change is atomic."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from eventflow.domain.outbox import EventMailSettings, OutboxBatch, OutboxMessage, OutboxStatus, send_ending
from tests.fakes.round_trip import as_stored

PROBLEMS = (OutboxStatus.FAILED, OutboxStatus.UNKNOWN)


class InMemoryOutboxMixin:
    """Uses `_lock` of InMemoryStore."""

    if TYPE_CHECKING:
        _lock: threading.Lock

    def __init__(self) -> None:
        self._outbox: dict[str, OutboxMessage] = {}
        self._mail_settings: dict[str, EventMailSettings] = {}

    def add_outbox_message(self, message: OutboxMessage) -> bool:
        with self._lock:
            if message.key in self._outbox:
                return False
            self._outbox[message.key] = as_stored(replace(
                message, status=OutboxStatus.PENDING, attempts=0, last_error="",
                updated_at=message.updated_at or message.created_at))
            return True

    def add_outbox_messages(self, messages: Sequence[OutboxMessage]) -> int:
        return sum(self.add_outbox_message(message) for message in messages)

    def get_outbox_message(self, key: str) -> OutboxMessage | None:
        with self._lock:
            return self._outbox.get(key)

    def due_outbox_messages(self, now: datetime, limit: int) -> list[OutboxMessage]:
        with self._lock:
            due = [m for m in self._outbox.values()
                   if m.status == OutboxStatus.PENDING and m.next_attempt_at <= now]
        return sorted(due, key=lambda m: (m.next_attempt_at, m.key))[:limit]

    def start_outbox_send(self, key: str, attempts: int, now: datetime) -> OutboxMessage | None:
        with self._lock:
            message = self._outbox.get(key)
            if message is None or message.status != OutboxStatus.PENDING or message.attempts != attempts:
                return None
            message = as_stored(replace(message, status=OutboxStatus.SENDING, attempts=attempts + 1, updated_at=now))
            self._outbox[key] = message
            return message

    def finish_outbox_send(
        self, key: str, status: OutboxStatus, now: datetime, next_attempt_at: datetime | None = None,
        error: str = "",
    ) -> bool:
        send_ending(status)  # the rule of domain/outbox.py: SENDING is no way to end a send
        with self._lock:
            message = self._outbox.get(key)
            if message is None or message.status != OutboxStatus.SENDING:
                return False
            self._outbox[key] = as_stored(replace(
                message, status=status, updated_at=now, last_error=error,
                next_attempt_at=next_attempt_at or message.next_attempt_at))
            return True

    def stale_outbox_sends(self, started_before: datetime, limit: int) -> list[OutboxMessage]:
        with self._lock:
            stale = [m for m in self._outbox.values() if m.status == OutboxStatus.SENDING
                     and m.updated_at is not None and m.updated_at <= started_before]
        return sorted(stale, key=lambda m: (m.updated_at, m.key))[:limit]

    def retry_outbox_message(self, key: str, now: datetime) -> bool:
        with self._lock:
            message = self._outbox.get(key)
            if message is None or message.status not in PROBLEMS:
                return False
            self._outbox[key] = as_stored(replace(
                message, status=OutboxStatus.PENDING, next_attempt_at=now, updated_at=now))
            return True

    def outbox_batches(self, event_id: str) -> list[OutboxBatch]:
        with self._lock:
            rows = [m for m in self._outbox.values() if m.event_id == event_id]
        batches: dict[str, OutboxBatch] = {}
        for m in sorted(rows, key=lambda m: (m.created_at, m.key)):
            batch = batches.setdefault(m.batch, OutboxBatch(m.batch, m.mail.subject, m.created_at, {}))
            batch.counts[m.status] = batch.counts.get(m.status, 0) + 1
        return sorted(batches.values(), key=lambda b: (b.created_at, b.batch))

    def outbox_problems(self, event_id: str, limit: int) -> list[OutboxMessage]:
        with self._lock:
            rows = [m for m in self._outbox.values() if m.event_id == event_id and m.status in PROBLEMS]
        return sorted(rows, key=lambda m: (m.updated_at, m.key))[:limit]

    def get_event_mail_settings(self, event_id: str) -> EventMailSettings | None:
        with self._lock:
            return self._mail_settings.get(event_id)

    def save_event_mail_settings(self, settings: EventMailSettings) -> None:
        with self._lock:
            self._mail_settings[settings.event_id] = as_stored(settings)
