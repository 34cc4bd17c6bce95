"""The DynamoDB store: one table, every inventory change a conditional write.

`DynamoStore` is the `Store` and `PaymentStore` ports on one table. Its parts:

    client.py     the retrying low-level client (TableClient) and ConditionFailed
    items.py      the item layout and codec: domain records <-> items
    store.py      this module: organizers, events and tiers, and the assembled store
    inventory.py  holds, release, confirm, orders and tickets
    door.py       staff access and check-in
    payments.py   connected accounts, payments, webhook ids, refunds, leases
    table.py      the table definition and the command that creates it

Details and access patterns in docs/dynamodb.md.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext, suppress
from datetime import datetime
from typing import Any

from eventflow.domain.errors import (
    Conflict,
    EmailTaken,
    LoginTaken,
    OrganizerNotFound,
    SlugTaken,
)
from eventflow.domain.models import Event, EventStatus, Organizer
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.dynamodb import table as dynamodb_table
from eventflow.store.dynamodb.access_codes import DynamoAccessCodesMixin
from eventflow.store.dynamodb.attendees import DynamoAttendeesMixin
from eventflow.store.dynamodb.cancellations import DynamoCancellationsMixin
from eventflow.store.dynamodb.client import ConditionFailed, Item, key
from eventflow.store.dynamodb.daily_exports import DynamoDailyExportsMixin
from eventflow.store.dynamodb.deletions import DynamoDeletionsMixin
from eventflow.store.dynamodb.discovery import DynamoDiscoveryMixin
from eventflow.store.dynamodb.disputes import DynamoDisputesMixin
from eventflow.store.dynamodb.door import DynamoDoorMixin
from eventflow.store.dynamodb.door_pace import DynamoDoorPaceMixin
from eventflow.store.dynamodb.flyers import DynamoFlyersMixin
from eventflow.store.dynamodb.inventory import DynamoInventoryMixin
from eventflow.store.dynamodb.items import (
    HOLD_SHARDS,
    email_item,
    event_from,
    event_item,
    n,
    organizer_from,
    organizer_item,
    put_new,
    s,
    slug_item,
)
from eventflow.store.dynamodb.my_tickets import DynamoMyTicketsMixin
from eventflow.store.dynamodb.outbox import DynamoOutboxMixin
from eventflow.store.dynamodb.payments import DynamoPaymentsMixin
from eventflow.store.dynamodb.sales_stats import DynamoSalesStatsMixin
from eventflow.store.dynamodb.shards import MAX_SHARDS, SHARD_CAPACITY, ShardHints
from eventflow.store.dynamodb.suggestion_dismissals import DynamoSuggestionDismissalsMixin
from eventflow.store.dynamodb.traffic import DynamoTrafficMixin
from eventflow.store.dynamodb.transfers import DynamoTransfersMixin
from eventflow.store.dynamodb.waiting_room import DynamoWaitingRoomMixin
from eventflow.store.dynamodb.waitlist import DynamoWaitlistMixin

__all__ = ["HOLD_SHARDS", "DynamoStore"]


class DynamoStore(DynamoInventoryMixin, DynamoDoorMixin, DynamoPaymentsMixin,
                  DynamoCancellationsMixin, DynamoOutboxMixin, DynamoSalesStatsMixin,
                  DynamoDisputesMixin, DynamoFlyersMixin, DynamoDiscoveryMixin,
                  DynamoAccessCodesMixin, DynamoDeletionsMixin, DynamoTrafficMixin, DynamoAttendeesMixin,
                  DynamoWaitingRoomMixin, DynamoTransfersMixin, DynamoWaitlistMixin, DynamoDailyExportsMixin,
                  DynamoMyTicketsMixin, DynamoSuggestionDismissalsMixin,
                  DynamoDoorPaceMixin):
    """`Store` and `PaymentStore` on one DynamoDB table (create it with `create_table()` or
    `python -m eventflow.store.dynamodb.table`).

    Uses the low-level client, which is thread-safe: one store serves every thread. Reads that
    decide a write are strongly consistent; only the GSI listings (an organizer's events,
    published events' keys, expired holds' keys, orders of an event) are eventually consistent,
    and every write that follows them is conditional again."""

    inline_safe = False  # every call is a network round trip; see Store.inline_safe

    def transaction_batch(self) -> AbstractContextManager[None]:
        """No shared transaction across calls: each write stays its own (see Store.transaction_batch)."""
        return nullcontext()

    def __init__(
        self, table_name: str, shard_capacity: int = SHARD_CAPACITY, max_shards: int = MAX_SHARDS,
        **options: Any,
    ) -> None:
        """`options` are `TableClient`'s (region, endpoint, client, retry settings and budget).
        A tier created with a capacity of at least 2 * `shard_capacity` gets
        min(`max_shards`, capacity // `shard_capacity`) counter shards (0: never sharded)."""
        super().__init__(table_name, **options)
        self.shard_capacity = shard_capacity
        self.max_shards = max_shards
        self._hints = ShardHints()
        # Which tiers each event has, as last read: lets the live poller fetch every watched event's
        # counters in ONE BatchGetItem. A tier added on another instance shows within the TTL.
        self._tier_keys: dict[str, tuple[float, list[tuple[str, str]]]] = {}
        self._tier_keys_lock = threading.Lock()

    # ---------------------------------------------------------------- organizers
    def add_organizer(self, organizer: Organizer) -> None:
        try:
            self._transact([
                put_new(self.table_name, email_item(organizer)),
                put_new(self.table_name, organizer_item(organizer)),
            ])
        except ConditionFailed:
            raise EmailTaken() from None

    def get_organizer(self, organizer_id: str) -> Organizer | None:
        item = self._get(f"ORG#{organizer_id}", "PROFILE")
        return organizer_from(item) if item else None

    def find_organizer_by_email(self, email: str) -> Organizer | None:
        pointer = self._get(f"EMAIL#{email}", "EMAIL", projection="organizer_id")
        if pointer is None:
            return None
        return self.get_organizer(pointer["organizer_id"]["S"])

    def save_organizer(self, organizer: Organizer) -> None:
        """One UpdateItem, conditional on the organizer existing (else nothing happens)."""
        values: Item = {
            ":name": s(organizer.name), ":password": s(organizer.password_hash),
            ":codes": {"L": [s(code) for code in organizer.recovery_code_hashes]},
            ":epoch": n(organizer.session_epoch), ":step": n(organizer.totp_last_step),
        }
        update = "SET #name = :name, password_hash = :password, recovery_code_hashes = :codes," \
                 " session_epoch = :epoch, totp_last_step = :step"
        if organizer.totp_secret is None:
            update += " REMOVE totp_secret"
        else:
            update += ", totp_secret = :totp"
            values[":totp"] = s(organizer.totp_secret)
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.update_item, TableName=self.table_name,
                Key=key(f"ORG#{organizer.id}", "PROFILE"), UpdateExpression=update,
                ConditionExpression="attribute_exists(PK)", ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues=values,
            )

    def set_organizer_language(self, organizer_id: str, language: str | None) -> None:
        """One UpdateItem of that attribute alone, conditional on the organizer existing."""
        update, values = ("SET #lang = :lang", {":lang": s(language)}) if language else ("REMOVE #lang", None)
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(self.client.update_item, TableName=self.table_name, Key=key(f"ORG#{organizer_id}", "PROFILE"),
                       UpdateExpression=update, ConditionExpression="attribute_exists(PK)",
                       ExpressionAttributeNames={"#lang": "language"},
                       **({"ExpressionAttributeValues": values} if values else {}))

    def add_identity(self, identity: str, organizer_id: str) -> None:
        try:
            self._transact([
                put_new(self.table_name, {
                    **key(f"IDENTITY#{identity}", "IDENTITY"), "kind": s("identity"),
                    "identity": s(identity), "organizer_id": s(organizer_id),
                }),
                {"ConditionCheck": {
                    "TableName": self.table_name, "Key": key(f"ORG#{organizer_id}", "PROFILE"),
                    "ConditionExpression": "attribute_exists(PK)",
                }},
            ])
        except ConditionFailed as cancelled:
            if cancelled.failed(0):
                raise LoginTaken() from None
            raise OrganizerNotFound() from None

    def find_organizer_by_identity(self, identity: str) -> Organizer | None:
        pointer = self._get(f"IDENTITY#{identity}", "IDENTITY", projection="organizer_id")
        if pointer is None:
            return None
        return self.get_organizer(pointer["organizer_id"]["S"])

    # ---------------------------------------------------------------- events and tiers
    def add_event(self, event: Event) -> None:
        try:
            self._transact([
                put_new(self.table_name, slug_item(event)),
                put_new(self.table_name, event_item(event)),
            ])
        except ConditionFailed:
            raise SlugTaken() from None

    def save_event(self, event: Event) -> None:
        """Overwrite the event item (tiers are separate items, so inventory is never touched),
        and copy its status to the counters of its tiers, where holds check it: a closing status
        before the event is written (sales stop before the event reads closed), and every status
        after it, conditional on the event still having it (docs/dynamodb.md, "On sale").

        The common case (same slug) is one conditional PutItem; a changed slug moves the
        slug item in a transaction (SlugTaken when the new one is taken). An event that does
        not exist fails the condition and its slug read, and nothing is written."""
        if event.status is not EventStatus.PUBLISHED and self._get(f"EVENT#{event.id}", "EVENT") is not None:
            self.sync_on_sale(event.id, event.status, checked=False)
        if self._put_event(event):
            self.sync_on_sale(event.id, event.status, checked=True)

    def _put_event(self, event: Event) -> bool:
        """Write the event item (moving its slug item if the slug changed); False when there is
        no such event."""
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.put_item, TableName=self.table_name, Item=event_item(event),
                ConditionExpression="attribute_exists(PK) AND slug = :slug",
                ExpressionAttributeValues={":slug": s(event.slug)},
            )
            return True
        current = self._get(f"EVENT#{event.id}", "EVENT", projection="slug")
        if current is None:
            return False
        old_slug = current["slug"]["S"]
        try:
            self._transact([
                put_new(self.table_name, slug_item(event)),
                {"Delete": {"TableName": self.table_name, "Key": key(f"SLUG#{old_slug}", "SLUG")}},
                {"Put": {
                    "TableName": self.table_name, "Item": event_item(event),
                    "ConditionExpression": "slug = :old",
                    "ExpressionAttributeValues": {":old": s(old_slug)},
                }},
            ])
        except ConditionFailed as cancelled:
            if cancelled.failed(0):
                raise SlugTaken() from None
            raise Conflict("The event changed while saving; please try again") from None
        return True

    def get_event(self, event_id: str) -> Event | None:
        item = self._get(f"EVENT#{event_id}", "EVENT")
        return event_from(item) if item else None

    def find_event_by_slug(self, slug: str) -> Event | None:
        pointer = self._get(f"SLUG#{slug}", "SLUG", projection="event_id")
        if pointer is None:
            return None
        return self.get_event(pointer["event_id"]["S"])

    def list_events(self, organizer_id: str) -> list[Event]:
        items = self._query(
            IndexName=dynamodb_table.GSI1,
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": s(f"ORG#{organizer_id}")},
        )
        return [event_from(item) for item in items]

    def list_published_events(self) -> list[Event]:
        """Keys from the sparse GSI2 `PUBLISHED` partition, then the events themselves in
        consistent BatchGetItems (re-checked: the index may lag an unpublish)."""
        keys = [
            (item["PK"]["S"], item["SK"]["S"])
            for item in self._query(
                IndexName=dynamodb_table.GSI2,
                KeyConditionExpression="GSI2PK = :pk",
                ExpressionAttributeValues={":pk": s("PUBLISHED")},
            )
        ]
        events = [event_from(item) for item in self._batch_get(keys)]
        published = [e for e in events if e.status is EventStatus.PUBLISHED]
        return sorted(published, key=lambda e: (e.starts_at, e.id))

    def list_upcoming_published(
        self, now: datetime, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[Event]:
        """Query the sparse GSI2 `PUBLISHED` partition from the cursor's key on (`GSI2SK` is
        `<starts_at>#<id>`, fixed width, so key order is (starts_at, id) order), a chunk of keys at
        a time; BatchGetItem those events (consistent; status re-checked, the index may lag) and
        keep the ones not ended, until the page is full. The index is KEYS_ONLY, so events that
        ended are passed over after their read (docs/dynamodb.md)."""
        limit = max(limit, 1)
        page: list[Event] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name, "IndexName": dynamodb_table.GSI2, "Limit": max(limit, 25),
            "KeyConditionExpression": "GSI2PK = :pk", "ExpressionAttributeValues": {":pk": s("PUBLISHED")},
        }
        if after is not None:  # a key attribute cannot be compared with "" in DynamoDB: no cursor, no bound
            kwargs["KeyConditionExpression"] += " AND GSI2SK > :after"
            kwargs["ExpressionAttributeValues"][":after"] = s(f"{t2s(after[0])}#{after[1]}")
        while len(page) < limit:
            response = self._call(self.client.query, **kwargs)
            keys = [(item["PK"]["S"], item["SK"]["S"]) for item in response.get("Items", [])]
            events = sorted((event_from(item) for item in self._batch_get(keys)), key=lambda e: (e.starts_at, e.id))
            page += [e for e in events if e.status is EventStatus.PUBLISHED and e.ends_at > now]
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return page[:limit]
