"""`OutboxStore` on DynamoDB: one item per outgoing mail (a part of `DynamoStore`).

    OUTBOX#<key> / OUTBOX   the message: mail as JSON, status, attempts, times, last error;
                            GSI2 `OUTBOX_DUE#<0-7>` / `<next_attempt_at>#<key>` while pending,
                            `OUTBOX_SENDING` / `<updated_at>#<key>` while being sent;
                            GSI1 `OUTBOX#<event>` / `<created_at>#<key>` (an event's progress)
    EVENT#<id> / MAILSETTINGS  the event's reminder on/off and when its reminders were queued

The key is the item's key, so "enqueued once" is a `attribute_not_exists(PK)` put; every status
change is an UpdateItem conditional on the status (and, for a claim, the attempt count), so two
senders never both claim a message. The sparse GSI2 partitions keep "what is due" and "what was
being sent when its sender died" a Query from the front, never a scan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from eventflow.domain.outbox import (
    EventMailSettings,
    OutboxBatch,
    OutboxMessage,
    OutboxStatus,
    mail_from_json,
    mail_to_json,
    send_ending,
)
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.dynamodb import table as dynamodb_table
from eventflow.store.dynamodb.client import Item, TableClient, key
from eventflow.store.dynamodb.items import b, instant, integer, n, opt_instant, s, time_value

DUE_SHARDS = 8  # a 50,000-mail fan-out writes the index at ~8x one partition's rate


def _due(message_key: str) -> str:
    """The GSI2 partition of a pending message: a stable spread over DUE_SHARDS (like holds)."""
    digest = hashlib.blake2b(message_key.encode(), digest_size=2).digest()
    return f"OUTBOX_DUE#{int.from_bytes(digest, 'big') % DUE_SHARDS}"

SENDING = "OUTBOX_SENDING"


def _pk(message_key: str) -> str:
    return f"OUTBOX#{message_key}"


def _item(m: OutboxMessage) -> Item:
    return {
        **key(_pk(m.key), "OUTBOX"), "kind": s("outbox"), "message_key": s(m.key), "event_id": s(m.event_id),
        "batch": s(m.batch), "subject": s(m.mail.subject), "mail": s(mail_to_json(m.mail)),
        "status": s(OutboxStatus.PENDING.value), "attempts": n(0), "created_at": time_value(m.created_at),
        "next_attempt_at": time_value(m.next_attempt_at), "updated_at": time_value(m.updated_at or m.created_at),
        "last_error": s(""),
        "GSI1PK": s(f"OUTBOX#{m.event_id}"), "GSI1SK": s(f"{t2s(m.created_at)}#{m.key}"),
        "GSI2PK": s(_due(m.key)), "GSI2SK": s(f"{t2s(m.next_attempt_at)}#{m.key}"),
    }


def _message(item: Item) -> OutboxMessage:
    return OutboxMessage(
        key=item["message_key"]["S"], mail=mail_from_json(item["mail"]["S"]), created_at=instant(item, "created_at"),
        next_attempt_at=instant(item, "next_attempt_at"), event_id=item["event_id"]["S"], batch=item["batch"]["S"],
        status=OutboxStatus(item["status"]["S"]), attempts=integer(item, "attempts"),
        updated_at=instant(item, "updated_at"), last_error=item["last_error"]["S"])


class DynamoOutboxMixin(TableClient):
    def add_outbox_message(self, message: OutboxMessage) -> bool:
        try:
            self._call(self.client.put_item, TableName=self.table_name, Item=_item(message),
                       ConditionExpression="attribute_not_exists(PK)")
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def add_outbox_messages(self, messages: Sequence[OutboxMessage]) -> int:
        # One conditional put each: BatchWriteItem takes no conditions, and a taken key must stay as it is.
        return sum(self.add_outbox_message(message) for message in messages)

    def get_outbox_message(self, key: str) -> OutboxMessage | None:
        item = self._get(_pk(key), "OUTBOX")
        return _message(item) if item else None

    def _listed_keys(self, partition: str, bound: datetime, limit: int) -> list[tuple[str, str, str]]:
        """(GSI2SK, PK, SK) of a GSI2 partition's first `limit` entries before `bound`, in index order."""
        keys: list[tuple[str, str, str]] = []
        for item in self._query(
            IndexName=dynamodb_table.GSI2, KeyConditionExpression="GSI2PK = :pk AND GSI2SK < :bound",
            ExpressionAttributeValues={":pk": s(partition), ":bound": s(f"{t2s(bound)}$")}, Limit=min(limit, 1000),
        ):
            keys.append((item["GSI2SK"]["S"], item["PK"]["S"], item["SK"]["S"]))
            if len(keys) >= limit:
                break
        return keys

    def _listed(self, partitions: list[str], bound: datetime, limit: int) -> list[OutboxMessage]:
        """The first `limit` entries of these GSI2 partitions, merged by sort key (`<time>#<key>`), read
        consistently by key: the index only says where to look."""
        keys = sorted(k for partition in partitions for k in self._listed_keys(partition, bound, limit))[:limit]
        return [_message(item) for item in self._batch_get((pk, sk) for _, pk, sk in keys)]

    def due_outbox_messages(self, now: datetime, limit: int) -> list[OutboxMessage]:
        due = [m for m in self._listed([f"OUTBOX_DUE#{n}" for n in range(DUE_SHARDS)], now, limit)
               if m.status == OutboxStatus.PENDING and m.next_attempt_at <= now]  # re-checked: the index may lag
        return sorted(due, key=lambda m: (m.next_attempt_at, m.key))

    def stale_outbox_sends(self, started_before: datetime, limit: int) -> list[OutboxMessage]:
        stale = [m for m in self._listed([SENDING], started_before, limit)
                 if m.status == OutboxStatus.SENDING and m.updated_at is not None and m.updated_at <= started_before]
        return sorted(stale, key=lambda m: (m.updated_at, m.key))

    def _update(self, message_key: str, update: str, condition: str, values: dict[str, Any]) -> Item | None:
        try:
            answer = self._call(
                self.client.update_item, TableName=self.table_name, Key=key(_pk(message_key), "OUTBOX"),
                UpdateExpression=update, ConditionExpression=f"attribute_exists(PK) AND {condition}",
                ExpressionAttributeNames={"#status": "status"}, ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW")
        except self.client.exceptions.ConditionalCheckFailedException:
            return None
        item: Item = answer["Attributes"]
        return item

    def start_outbox_send(self, key: str, attempts: int, now: datetime) -> OutboxMessage | None:
        item = self._update(
            key, "SET #status = :sending, attempts = attempts + :one, updated_at = :now, GSI2PK = :pk, GSI2SK = :sk",
            "#status = :pending AND attempts = :attempts",
            {":sending": s(OutboxStatus.SENDING.value), ":pending": s(OutboxStatus.PENDING.value), ":one": n(1),
             ":attempts": n(attempts), ":now": time_value(now), ":pk": s(SENDING), ":sk": s(f"{t2s(now)}#{key}")})
        return _message(item) if item else None

    def finish_outbox_send(
        self, key: str, status: OutboxStatus, now: datetime, next_attempt_at: datetime | None = None,
        error: str = "",
    ) -> bool:
        send_ending(status)  # the rule of domain/outbox.py: SENDING is no way to end a send
        values: dict[str, Any] = {":status": s(status.value), ":sending": s(OutboxStatus.SENDING.value),
                                  ":now": time_value(now), ":error": s(error)}
        update = "SET #status = :status, updated_at = :now, last_error = :error"
        if next_attempt_at is not None:
            update += ", next_attempt_at = :next"
            values[":next"] = time_value(next_attempt_at)
        if status == OutboxStatus.PENDING:
            due = next_attempt_at or now
            update += ", GSI2PK = :pk, GSI2SK = :sk"
            values[":pk"], values[":sk"] = s(_due(key)), s(f"{t2s(due)}#{key}")
        else:
            update += " REMOVE GSI2PK, GSI2SK"
        return self._update(key, update, "#status = :sending", values) is not None

    def retry_outbox_message(self, key: str, now: datetime) -> bool:
        return self._update(
            key, "SET #status = :pending, next_attempt_at = :now, updated_at = :now, GSI2PK = :pk, GSI2SK = :sk",
            "#status IN (:failed, :unknown)",
            {":pending": s(OutboxStatus.PENDING.value), ":failed": s(OutboxStatus.FAILED.value),
             ":unknown": s(OutboxStatus.UNKNOWN.value), ":now": time_value(now), ":pk": s(_due(key)),
             ":sk": s(f"{t2s(now)}#{key}")}) is not None

    def _event_items(self, event_id: str, **kwargs: Any) -> list[Item]:
        """Items of an event's messages from GSI1 (eventually consistent: for showing, never deciding)."""
        values = {":pk": s(f"OUTBOX#{event_id}"), **kwargs.pop("values", {})}
        return list(self._query(IndexName=dynamodb_table.GSI1, KeyConditionExpression="GSI1PK = :pk",
                                ExpressionAttributeValues=values, **kwargs))

    def outbox_batches(self, event_id: str) -> list[OutboxBatch]:
        # Only the counted attributes: a fan-out of 50,000 mails is read without their bodies.
        items = self._event_items(event_id, ProjectionExpression="message_key, #batch, subject, #status, created_at",
                                  ExpressionAttributeNames={"#status": "status", "#batch": "batch"})
        batches: dict[str, OutboxBatch] = {}
        for item in sorted(items, key=lambda i: (i["created_at"]["S"], i["message_key"]["S"])):
            batch = batches.setdefault(item["batch"]["S"], OutboxBatch(
                item["batch"]["S"], item["subject"]["S"], instant(item, "created_at"), {}))
            status = OutboxStatus(item["status"]["S"])
            batch.counts[status] = batch.counts.get(status, 0) + 1
        return sorted(batches.values(), key=lambda b: (b.created_at, b.batch))

    def outbox_problems(self, event_id: str, limit: int) -> list[OutboxMessage]:
        items = self._event_items(
            event_id, FilterExpression="#status IN (:failed, :unknown)", ExpressionAttributeNames={"#status": "status"},
            values={":failed": s(OutboxStatus.FAILED.value), ":unknown": s(OutboxStatus.UNKNOWN.value)})
        problems = [_message(item) for item in items]
        return sorted(problems, key=lambda m: (m.updated_at, m.key))[:limit]

    def get_event_mail_settings(self, event_id: str) -> EventMailSettings | None:
        item = self._get(f"EVENT#{event_id}", "MAILSETTINGS")
        if item is None:
            return None
        return EventMailSettings(event_id, bool(item["reminder"]["BOOL"]), opt_instant(item, "reminders_queued_at"))

    def save_event_mail_settings(self, settings: EventMailSettings) -> None:
        item: Item = {**key(f"EVENT#{settings.event_id}", "MAILSETTINGS"), "kind": s("mail_settings"),
                      "reminder": b(settings.reminder)}
        if settings.reminders_queued_at is not None:
            item["reminders_queued_at"] = time_value(settings.reminders_queued_at)
        self._call(self.client.put_item, TableName=self.table_name, Item=item)
