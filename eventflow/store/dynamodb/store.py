"""The DynamoDB store: one table, every inventory change a conditional write.

Layout (details and access patterns in docs/dynamodb.md):

    ORG#<id>        / PROFILE          organizer
    EMAIL#<email>   / EMAIL            email uniqueness (-> organizer id)
    IDENTITY#<iss|sub> / IDENTITY      external login (-> organizer id)
    EVENT#<id>      / EVENT            event; GSI1 `ORG#<org>` by start, GSI2 `PUBLISHED` if published
    EVENT#<id>      / TIER#<id>        tier with live held / sold / available
    EVENT#<id>      / TIERLIST         ids of the event's tiers (lets tier_counts batch-read tiers)
    EVENT#<id>      / STAFF#<id>       door staff access
    EVENT#<id>      / CHECKIN#<ticket> a ticket's check-in (first write wins)
    EVENT#<id>      / DOUBLE#<ticket>#<nonce>  double admission
    SLUG#<slug>     / SLUG             slug uniqueness (-> event id)
    STAFFTOKEN#<h>  / STAFFTOKEN       staff token uniqueness (-> event id, staff id)
    SCAN#<nonce>    / SCAN             outcome of a door scan nonce (first write wins)
    RES#<id>        / RES              reservation; GSI2 `HOLD#<shard>` by expiry while held
    ORDER#<id>      / ORDER            order + its ticket ids; GSI1 `ORDERS#<event>` by creation
    TICKET#<id>     / TICKET           ticket; GSI1 `ORDERS#<event>` right after its order

A condition expression cannot say `held + sold + :q <= capacity`, so each tier also keeps
`available = capacity - held - sold`, updated in the same write as held/sold; holds are
conditional on `available >= :q AND version = :v`. `reserve`, `release` and `confirm` are the
only writers of held/sold/available, each one TransactWriteItems, so a cart is held entirely or
not at all, and a hold is released or confirmed exactly once (conditions on the reservation's
status).
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from eventflow.domain.errors import (
    CapacityBelowSold,
    Conflict,
    EmailTaken,
    NotFound,
    NotOnSale,
    SoldOut,
    StaleCatalog,
)
from eventflow.domain.models import (
    Buyer,
    CheckIn,
    DoubleAdmission,
    Event,
    EventStatus,
    Order,
    Organizer,
    Reservation,
    ReservationLine,
    ReservationStatus,
    StaffAccess,
    Ticket,
    Tier,
    TierCount,
)
from eventflow.domain.money import FeeMode
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb import table as dynamodb_table
from eventflow.store.dynamodb.payments import DynamoPaymentsMixin

Item = dict[str, dict[str, Any]]
T = TypeVar("T")

MAX_TRANSACTION_ITEMS = 100
BATCH_GET_KEYS = 100
# Held reservations are spread over GSI2 partitions `HOLD#0` .. `HOLD#7`: every hold opened or
# closed on the platform writes one, and a single GSI partition throttles at about 1,000 writes/s.
HOLD_SHARDS = 8

# Why a TransactWriteItems was cancelled (CancellationReasons[].Code) when retrying may help.
RETRYABLE_REASONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded",
     "RequestLimitExceeded", "InternalServerError"}
)
# Error codes of a whole request worth retrying (botocore already retries throttling itself,
# but not these transaction-specific ones).
RETRYABLE_ERRORS = frozenset(
    {"TransactionConflictException", "TransactionInProgressException",
     "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
     "InternalServerError"}
)


class _Cancelled(Exception):
    """A transaction cancelled because a condition failed; `reasons` align with its items."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        super().__init__([r.get("Code") for r in reasons])
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        return index < len(self.reasons) and (
            self.reasons[index].get("Code") == "ConditionalCheckFailed"
        )

    def item(self, index: int) -> Item | None:
        if index >= len(self.reasons):
            return None
        return self.reasons[index].get("Item") or None


TIER_KEYS_TTL_SECONDS = 30.0


class DynamoStore(DynamoPaymentsMixin):
    """`Store` on one DynamoDB table (create it with `create_table()` or
    `python -m eventflow.store.dynamodb.table`).

    Uses the low-level client, which is thread-safe: one store serves every thread. Reads that
    decide a write are strongly consistent; only the two GSI listings (an organizer's events,
    published events' keys, expired holds' keys) are eventually consistent, and every write
    that follows them is conditional again."""

    inline_safe = False  # every call is a network round trip; see Store.inline_safe

    def __init__(
        self,
        table_name: str,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        client: Any = None,
        max_attempts: int = 8,
        backoff_base: float = 0.02,
        backoff_cap: float = 1.0,
    ) -> None:
        if not table_name:
            raise ValueError("DynamoStore needs a table name")
        self.table_name = table_name
        self._owns_client = client is None
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.session.Session().client(
                "dynamodb",
                region_name=region_name,
                endpoint_url=endpoint_url,
                config=Config(
                    max_pool_connections=64,
                    retries={"mode": "standard", "max_attempts": 4},
                    connect_timeout=3,
                    read_timeout=10,
                    tcp_keepalive=True,
                ),
            )
        self.client = client
        # Which tiers each event has, as last read: lets the live poller fetch every watched event's
        # counters in ONE BatchGetItem. A tier added on another instance shows within the TTL.
        self._tier_keys: dict[str, tuple[float, list[tuple[str, str]]]] = {}
        self._tier_keys_lock = threading.Lock()
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap

    # ---------------------------------------------------------------- plumbing
    def create_table(self, wait: bool = True) -> bool:
        return dynamodb_table.create_table(self.client, self.table_name, wait=wait)

    def ping(self) -> None:
        self.client.get_item(TableName=self.table_name, Key=_key("PING", "PING"))

    def close(self) -> None:
        if self._owns_client and hasattr(self.client, "close"):
            self.client.close()

    def _sleep_before_retry(self, attempt: int) -> None:
        """Exponential backoff with full jitter."""
        time.sleep(random.uniform(0, min(self._backoff_cap, self._backoff_base * 2**attempt)))

    def _call(self, operation: Callable[..., T], **kwargs: Any) -> T:
        """One request, retried on transaction conflicts and throttling."""
        for attempt in range(self._max_attempts):
            try:
                return operation(**kwargs)
            except self.client.exceptions.ClientError as error:
                if _error_code(error) not in RETRYABLE_ERRORS or attempt + 1 == self._max_attempts:
                    raise
            self._sleep_before_retry(attempt)
        raise AssertionError("unreachable")

    def _transact(self, items: list[dict[str, Any]], token_seed: str | None = None) -> None:
        """TransactWriteItems with bounded retries on conflicts/throttling.

        Raises _Cancelled when a condition failed (a definite answer, never retried).
        `token_seed` makes the request idempotent: the ClientRequestToken is derived from it,
        the request's content and the attempt number, so a resend of the very same request
        (lost response) cannot apply twice, while a retry after a cancellation or with
        different content is never mistaken for it (IdempotentParameterMismatch)."""
        if len(items) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} items")
        digest = None
        if token_seed is not None:
            digest = hashlib.sha256(
                token_seed.encode() + json.dumps(items, sort_keys=True).encode()
            ).hexdigest()
        for attempt in range(self._max_attempts):
            kwargs: dict[str, Any] = {"TransactItems": items}
            if digest is not None:
                kwargs["ClientRequestToken"] = f"{digest[:30]}-{attempt}"
            try:
                self.client.transact_write_items(**kwargs)
                return
            except self.client.exceptions.ClientError as error:
                code = _error_code(error)
                last = attempt + 1 == self._max_attempts
                if code == "TransactionCanceledException":
                    reasons = error.response.get("CancellationReasons") or []
                    codes = {reason.get("Code") for reason in reasons}
                    if "ConditionalCheckFailed" in codes:
                        raise _Cancelled(reasons) from None
                    if not codes & RETRYABLE_REASONS or last:
                        raise
                elif code not in RETRYABLE_ERRORS or last:
                    raise
            self._sleep_before_retry(attempt)

    def _get(self, pk: str, sk: str, projection: str | None = None) -> Item | None:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name, "Key": _key(pk, sk), "ConsistentRead": True,
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
        return self._call(self.client.get_item, **kwargs).get("Item")

    def _batch_get(
        self, keys: Iterable[tuple[str, str]], projection: str | None = None,
        names: dict[str, str] | None = None,
    ) -> list[Item]:
        """Consistent BatchGetItem of any number of keys (100 per request), unprocessed keys
        retried with backoff. Missing items are simply absent from the result."""
        unique = list(dict.fromkeys(keys))
        found: list[Item] = []
        for start in range(0, len(unique), BATCH_GET_KEYS):
            request: dict[str, Any] = {
                "Keys": [_key(pk, sk) for pk, sk in unique[start:start + BATCH_GET_KEYS]],
                "ConsistentRead": True,
            }
            if projection:
                request["ProjectionExpression"] = projection
            if names:
                request["ExpressionAttributeNames"] = names
            pending: dict[str, Any] = {self.table_name: request}
            for attempt in range(self._max_attempts):
                response = self._call(self.client.batch_get_item, RequestItems=pending)
                found.extend(response.get("Responses", {}).get(self.table_name, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                self._sleep_before_retry(attempt)
            else:
                raise RuntimeError("BatchGetItem kept returning unprocessed keys")
        return found

    def _query(self, **kwargs: Any) -> Iterable[Item]:
        """Every item of a Query, following LastEvaluatedKey."""
        kwargs["TableName"] = self.table_name
        while True:
            response = self._call(self.client.query, **kwargs)
            yield from response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    # ---------------------------------------------------------------- organizers
    def add_organizer(self, organizer: Organizer) -> None:
        try:
            self._transact([
                _put(self.table_name, _email_item(organizer), "attribute_not_exists(PK)"),
                _put(self.table_name, _organizer_item(organizer), "attribute_not_exists(PK)"),
            ])
        except _Cancelled:
            raise EmailTaken() from None

    def get_organizer(self, organizer_id: str) -> Organizer | None:
        item = self._get(f"ORG#{organizer_id}", "PROFILE")
        return _organizer(item) if item else None

    def find_organizer_by_email(self, email: str) -> Organizer | None:
        pointer = self._get(f"EMAIL#{email}", "EMAIL", projection="organizer_id")
        if pointer is None:
            return None
        return self.get_organizer(pointer["organizer_id"]["S"])

    def save_organizer(self, organizer: Organizer) -> None:
        """Overwrite name, password, 2FA and session epoch (never id, email or created_at);
        saving an organizer that does not exist does nothing, like SqliteStore."""
        values: Item = {
            ":name": _s(organizer.name), ":password": _s(organizer.password_hash),
            ":codes": {"L": [_s(code) for code in organizer.recovery_code_hashes]},
            ":epoch": _n(organizer.session_epoch),
        }
        update = "SET #name = :name, password_hash = :password, recovery_code_hashes = :codes," \
                 " session_epoch = :epoch"
        if organizer.totp_secret is None:
            update += " REMOVE totp_secret"
        else:
            update += ", totp_secret = :totp"
            values[":totp"] = _s(organizer.totp_secret)
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.update_item, TableName=self.table_name,
                Key=_key(f"ORG#{organizer.id}", "PROFILE"), UpdateExpression=update,
                ConditionExpression="attribute_exists(PK)", ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues=values,
            )

    def add_identity(self, identity: str, organizer_id: str) -> None:
        try:
            self._transact([
                _put(self.table_name, {
                    **_key(f"IDENTITY#{identity}", "IDENTITY"), "kind": _s("identity"),
                    "identity": _s(identity), "organizer_id": _s(organizer_id),
                }, "attribute_not_exists(PK)"),
                {"ConditionCheck": {
                    "TableName": self.table_name, "Key": _key(f"ORG#{organizer_id}", "PROFILE"),
                    "ConditionExpression": "attribute_exists(PK)",
                }},
            ])
        except _Cancelled:
            raise Conflict("This login is already linked to an account") from None

    def find_organizer_by_identity(self, identity: str) -> Organizer | None:
        pointer = self._get(f"IDENTITY#{identity}", "IDENTITY", projection="organizer_id")
        if pointer is None:
            return None
        return self.get_organizer(pointer["organizer_id"]["S"])

    # ---------------------------------------------------------------- events and tiers
    def add_event(self, event: Event) -> None:
        try:
            self._transact([
                _put(self.table_name, _slug_item(event), "attribute_not_exists(PK)"),
                _put(self.table_name, _event_item(event), "attribute_not_exists(PK)"),
            ])
        except _Cancelled:
            raise Conflict("This event address is taken") from None

    def save_event(self, event: Event) -> None:
        """Overwrite the event item (tiers are separate items, so inventory is never touched).

        The common case (same slug) is one conditional PutItem; a changed slug moves the
        slug item in a transaction (Conflict when the new one is taken). Saving an event that
        does not exist does nothing, like SqliteStore."""
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.put_item, TableName=self.table_name, Item=_event_item(event),
                ConditionExpression="attribute_exists(PK) AND slug = :slug",
                ExpressionAttributeValues={":slug": _s(event.slug)},
            )
            return
        current = self._get(f"EVENT#{event.id}", "EVENT", projection="slug")
        if current is None:
            return
        old_slug = current["slug"]["S"]
        try:
            self._transact([
                _put(self.table_name, _slug_item(event), "attribute_not_exists(PK)"),
                {"Delete": {"TableName": self.table_name, "Key": _key(f"SLUG#{old_slug}", "SLUG")}},
                {"Put": {
                    "TableName": self.table_name, "Item": _event_item(event),
                    "ConditionExpression": "slug = :old",
                    "ExpressionAttributeValues": {":old": _s(old_slug)},
                }},
            ])
        except _Cancelled as cancelled:
            if cancelled.failed(0):
                raise Conflict("This event address is taken") from None
            raise Conflict("The event changed while saving; please try again") from None

    def get_event(self, event_id: str) -> Event | None:
        item = self._get(f"EVENT#{event_id}", "EVENT")
        return _event(item) if item else None

    def find_event_by_slug(self, slug: str) -> Event | None:
        pointer = self._get(f"SLUG#{slug}", "SLUG", projection="event_id")
        if pointer is None:
            return None
        return self.get_event(pointer["event_id"]["S"])

    def list_events(self, organizer_id: str) -> list[Event]:
        items = self._query(
            IndexName=dynamodb_table.GSI1,
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": _s(f"ORG#{organizer_id}")},
        )
        return [_event(item) for item in items]

    def list_published_events(self) -> list[Event]:
        """Keys from the sparse GSI2 `PUBLISHED` partition, then the events themselves in
        consistent BatchGetItems (re-checked: the index may lag an unpublish)."""
        keys = [
            (item["PK"]["S"], item["SK"]["S"])
            for item in self._query(
                IndexName=dynamodb_table.GSI2,
                KeyConditionExpression="GSI2PK = :pk",
                ExpressionAttributeValues={":pk": _s("PUBLISHED")},
            )
        ]
        events = [_event(item) for item in self._batch_get(keys)]
        published = [e for e in events if e.status is EventStatus.PUBLISHED]
        return sorted(published, key=lambda e: (t2s(e.starts_at), e.id))

    def add_tier(self, tier: Tier) -> None:
        """Put the tier (held = sold = 0) and append its id to the event's TIERLIST item."""
        try:
            self._transact([
                _put(self.table_name, _tier_item(tier), "attribute_not_exists(PK)"),
                {"Update": {
                    "TableName": self.table_name,
                    "Key": _key(f"EVENT#{tier.event_id}", "TIERLIST"),
                    "UpdateExpression": "SET tier_ids = list_append("
                                        "if_not_exists(tier_ids, :empty), :one)",
                    "ExpressionAttributeValues": {":empty": {"L": []}, ":one": {"L": [_s(tier.id)]}},
                }},
                {"ConditionCheck": {
                    "TableName": self.table_name, "Key": _key(f"EVENT#{tier.event_id}", "EVENT"),
                    "ConditionExpression": "attribute_exists(PK)",
                }},
            ])
        except _Cancelled as cancelled:
            if cancelled.failed(2):
                raise NotFound("No such event") from None
            raise Conflict(f"Tier {tier.id} already exists") from None
        with self._tier_keys_lock:
            self._tier_keys.pop(tier.event_id, None)

    def update_tier(self, tier: Tier) -> Tier:
        """A consistent read of the stored tier (for its capacity), then one conditional
        UpdateItem: version unchanged, and `available >= old capacity - new capacity` (the new
        capacity covers held + sold at the moment of the write). Returns the stored tier."""
        key = _key(f"EVENT#{tier.event_id}", f"TIER#{tier.id}")
        current = self._get(key["PK"]["S"], key["SK"]["S"])
        if current is None or _int(current, "version") != tier.version:
            raise StaleCatalog(tier.id)
        growth = tier.capacity - _int(current, "capacity")
        names = {"#name": "name", "#capacity": "capacity", "#position": "position", "#hidden": "hidden"}
        values: Item = {
            ":name": _s(tier.name), ":price": _n(tier.price_minor), ":capacity": _n(tier.capacity),
            ":max": _n(tier.max_per_order), ":hidden": {"BOOL": bool(tier.hidden)},
            ":position": _n(tier.position), ":growth": _n(growth), ":shrink": _n(-growth),
            ":version": _n(tier.version), ":one": _n(1),
        }
        sets = [
            "#name = :name", "price_minor = :price", "#capacity = :capacity", "max_per_order = :max",
            "#hidden = :hidden", "#position = :position", "available = available + :growth",
            "version = version + :one",
        ]
        removes = []
        for name, instant in (("sales_start", tier.sales_start), ("sales_end", tier.sales_end)):
            if instant is None:
                removes.append(name)
            else:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = _s(t2s(instant))  # type: ignore[arg-type]
        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            response = self._call(
                self.client.update_item, TableName=self.table_name, Key=key, UpdateExpression=update,
                ConditionExpression="version = :version AND available >= :shrink",
                ExpressionAttributeNames=names, ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW", ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            old = error.response.get("Item") or self._get(key["PK"]["S"], key["SK"]["S"])
            if old is None or _int(old, "version") != tier.version:
                raise StaleCatalog(tier.id) from None
            held, sold = _int(old, "held"), _int(old, "sold")
            raise CapacityBelowSold(
                f"{tier.name}: capacity cannot go below {held + sold} ({sold} sold, {held} held right now)"
            ) from None
        return _tier(response["Attributes"])

    def get_tiers(self, event_id: str) -> list[Tier]:
        items = self._query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :tier)",
            ExpressionAttributeValues={":pk": _s(f"EVENT#{event_id}"), ":tier": _s("TIER#")},
            ConsistentRead=True,
        )
        return sorted((_tier(item) for item in items), key=lambda t: (t.position, t.id))

    def tier_counts(self, event_ids: Sequence[str]) -> dict[str, list[TierCount]]:
        """One consistent BatchGetItem of the tiers' counters (one request per 100 keys) once the
        events' tier lists are known; events seen for the first time cost one more round."""
        counts: dict[str, list[TierCount]] = {event_id: [] for event_id in event_ids}
        if not event_ids:
            return counts
        tier_keys: list[tuple[str, str]] = []
        unknown: list[str] = []
        now = time.monotonic()
        with self._tier_keys_lock:
            for event_id in counts:
                cached = self._tier_keys.get(event_id)
                if cached is not None and now - cached[0] < TIER_KEYS_TTL_SECONDS:
                    tier_keys.extend(cached[1])
                else:
                    unknown.append(event_id)
        if unknown:
            lists = self._batch_get(
                ((f"EVENT#{event_id}", "TIERLIST") for event_id in unknown), projection="PK, tier_ids"
            )
            found: dict[str, list[tuple[str, str]]] = {event_id: [] for event_id in unknown}
            for item in lists:
                event_id = item["PK"]["S"].removeprefix("EVENT#")
                found[event_id] = [(item["PK"]["S"], f"TIER#{t['S']}") for t in item.get("tier_ids", {}).get("L", [])]
            with self._tier_keys_lock:
                for event_id, keys in found.items():
                    self._tier_keys[event_id] = (now, keys)
                    tier_keys.extend(keys)
        tiers = self._batch_get(
            tier_keys,
            projection="event_id, id, #capacity, held, sold, #position",
            names={"#capacity": "capacity", "#position": "position"},
        )
        rows = sorted(tiers, key=lambda item: (_int(item, "position"), item["id"]["S"]))
        for item in rows:
            event_id = item["event_id"]["S"]
            if event_id in counts:
                counts[event_id].append(TierCount(
                    item["id"]["S"], _int(item, "capacity"), _int(item, "held"), _int(item, "sold"),
                ))
        return counts

    # ---------------------------------------------------------------- inventory
    def reserve(self, reservation: Reservation) -> tuple[Reservation, bool]:
        """One TransactWriteItems on the success path: event is published (ConditionCheck),
        each tier has room at the priced version (Update), the reservation is new (Put).

        A cancellation says which condition failed (with the item as it was, via
        ReturnValuesOnConditionCheckFailure=ALL_OLD), checked in SqliteStore's order:
        existing reservation, event not on sale, then the lines in order."""
        quantities = _tier_quantities(reservation.lines)
        versions = {line.tier_id: line.tier_version for line in reversed(reservation.lines)}
        items: list[dict[str, Any]] = [{"ConditionCheck": {
            "TableName": self.table_name, "Key": _key(f"EVENT#{reservation.event_id}", "EVENT"),
            "ConditionExpression": "#status = :published",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":published": _s(EventStatus.PUBLISHED.value)},
        }}]
        for tier_id, quantity in quantities.items():
            items.append({"Update": {
                "TableName": self.table_name,
                "Key": _key(f"EVENT#{reservation.event_id}", f"TIER#{tier_id}"),
                "UpdateExpression": "SET held = held + :q, available = available - :q",
                "ConditionExpression": "available >= :q AND version = :v",
                "ExpressionAttributeValues": {":q": _n(quantity), ":v": _n(versions[tier_id])},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }})
        items.append({"Put": {
            "TableName": self.table_name, "Item": _reservation_item(reservation),
            "ConditionExpression": "attribute_not_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }})
        try:
            self._transact(items, token_seed=reservation.id)
        except _Cancelled as cancelled:
            if cancelled.failed(len(items) - 1):
                old = cancelled.item(len(items) - 1) or self._get(f"RES#{reservation.id}", "RES")
                if old is None:  # deleted in between: cannot happen, reservations stay
                    raise RuntimeError(f"reservation {reservation.id} vanished") from None
                return _reservation(old), False
            if reservation.idempotency_key is not None:
                # A retry of a reservation that exists must get it back even if its tiers sold
                # out meanwhile. The reasons should already say so (every condition is
                # reported), but an id derived from a key is worth one read before refusing.
                existing = self._get(f"RES#{reservation.id}", "RES")
                if existing is not None:
                    return _reservation(existing), False
            if cancelled.failed(0):
                raise NotOnSale("This event is not on sale") from None
            for index, tier_id in enumerate(quantities, start=1):
                if cancelled.failed(index):
                    tier = cancelled.item(index) or self._get(
                        f"EVENT#{reservation.event_id}", f"TIER#{tier_id}", projection="version"
                    )
                    if tier is None or _int(tier, "version") != versions[tier_id]:
                        raise StaleCatalog(tier_id) from None
                    raise SoldOut("Not enough tickets left", tier_ids=(tier_id,)) from None
            raise RuntimeError(f"reserve cancelled for no known reason: {cancelled}") from None
        return reservation, True

    def get_reservation(self, reservation_id: str) -> Reservation | None:
        item = self._get(f"RES#{reservation_id}", "RES")
        return _reservation(item) if item else None

    def release(
        self, reservation_id: str, status: ReservationStatus, now: datetime
    ) -> Reservation | None:
        """A consistent read for the lines, then one transaction: close the reservation
        (conditional on status = held, and for EXPIRED on expires_at <= now; leaves GSI2) and
        give every line back. A failed reservation condition means someone else closed it."""
        if status not in (ReservationStatus.CANCELLED, ReservationStatus.EXPIRED):
            raise ValueError("release closes a hold as cancelled or expired")
        reservation = self.get_reservation(reservation_id)
        if reservation is None or reservation.status is not ReservationStatus.HELD:
            return None
        closed_at = s2t(t2s(now))
        if status is ReservationStatus.EXPIRED and reservation.expires_at > closed_at:  # type: ignore[operator]
            return None
        condition = "#status = :held"
        values: Item = {
            ":held": _s(ReservationStatus.HELD.value), ":status": _s(status.value),
            ":now": _s(t2s(now)),
        }
        if status is ReservationStatus.EXPIRED:
            condition += " AND expires_at <= :now"
        items: list[dict[str, Any]] = [{"Update": {
            "TableName": self.table_name, "Key": _key(f"RES#{reservation_id}", "RES"),
            "UpdateExpression": "SET #status = :status, closed_at = :now REMOVE GSI2PK, GSI2SK",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }}]
        quantities = _tier_quantities(reservation.lines)
        for tier_id, quantity in quantities.items():
            items.append({"Update": {
                "TableName": self.table_name,
                "Key": _key(f"EVENT#{reservation.event_id}", f"TIER#{tier_id}"),
                "UpdateExpression": "SET held = held - :q, available = available + :q",
                "ConditionExpression": "held >= :q",
                "ExpressionAttributeValues": {":q": _n(quantity)},
            }})
        try:
            self._transact(items)
        except _Cancelled as cancelled:
            if cancelled.failed(0):
                return None
            bad = [t for i, t in enumerate(quantities, start=1) if cancelled.failed(i)]
            raise RuntimeError(f"held count of tier {', '.join(bad)} is inconsistent") from None
        return replace(reservation, status=status, closed_at=closed_at)

    def confirm(self, reservation_id: str, order: Order, now: datetime) -> tuple[Order, bool]:
        """One transaction: reservation -> confirmed (conditional on the status just read),
        each line moved held -> sold (or, for a hold that already ended, sold += q while
        available allows), the order and its tickets put. If the status changed in between
        (a racing confirm, cancel or expiry), read again and decide again."""
        for _ in range(4):
            reservation = self.get_reservation(reservation_id)
            if reservation is None:
                raise KeyError(reservation_id)
            if reservation.status is ReservationStatus.CONFIRMED:
                existing = self.get_order(reservation.order_id or "")
                if existing is None:
                    raise RuntimeError(f"reservation {reservation_id} confirmed without an order")
                return existing, False
            items = self._confirm_items(reservation, order, now)
            try:
                self._transact(items)
            except _Cancelled as cancelled:
                if cancelled.failed(0):
                    continue  # status changed under us
                for index, tier_id in enumerate(_tier_quantities(reservation.lines), start=1):
                    if cancelled.failed(index):
                        raise SoldOut("Not enough tickets left", tier_ids=(tier_id,)) from None
                raise RuntimeError(f"order {order.id} or one of its tickets exists") from None
            return order, True
        raise Conflict("The reservation kept changing while confirming; please try again")

    def _confirm_items(
        self, reservation: Reservation, order: Order, now: datetime
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = [{"Update": {
            "TableName": self.table_name, "Key": _key(f"RES#{reservation.id}", "RES"),
            "UpdateExpression": "SET #status = :confirmed, order_id = :order, closed_at = :now"
                                " REMOVE GSI2PK, GSI2SK",
            "ConditionExpression": "#status = :seen",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":confirmed": _s(ReservationStatus.CONFIRMED.value), ":order": _s(order.id),
                ":now": _s(t2s(now)), ":seen": _s(reservation.status.value),
            },
        }}]
        held = reservation.status is ReservationStatus.HELD
        for tier_id, quantity in _tier_quantities(reservation.lines).items():
            items.append({"Update": {
                "TableName": self.table_name,
                "Key": _key(f"EVENT#{reservation.event_id}", f"TIER#{tier_id}"),
                # a hold that already ended is honoured only while capacity allows
                "UpdateExpression": "SET held = held - :q, sold = sold + :q" if held
                else "SET sold = sold + :q, available = available - :q",
                "ConditionExpression": "held >= :q" if held else "available >= :q",
                "ExpressionAttributeValues": {":q": _n(quantity)},
            }})
        items.append(_put(self.table_name, _order_item(order), "attribute_not_exists(PK)"))
        items.extend(
            _put(self.table_name, _ticket_item(ticket, order, index), "attribute_not_exists(PK)")
            for index, ticket in enumerate(order.tickets)
        )
        return items

    def expired_reservation_ids(self, now: datetime, limit: int = 500) -> list[str]:
        """One Query per `HOLD#<shard>` partition of the sparse GSI2 (sorted by `expires_at#id`),
        the earliest expiries first across shards.

        The index is eventually consistent; a hold that is not visible yet is found by the
        next reaper run, and every release re-checks status and expiry conditionally."""
        if limit <= 0:
            return []
        due: list[tuple[str, str]] = []  # (GSI2SK, reservation id)
        for shard in range(HOLD_SHARDS):
            items = self._query(
                IndexName=dynamodb_table.GSI2,
                KeyConditionExpression="GSI2PK = :hold AND GSI2SK < :bound",
                # GSI2SK is `<expires_at>#<id>` with fixed-width times: `<now>$` sorts after
                # every hold ending at or before now ('$' follows '#').
                ExpressionAttributeValues={":hold": _s(f"HOLD#{shard}"), ":bound": _s(f"{t2s(now)}$")},
                Limit=min(limit, 1000),
            )
            for count, item in enumerate(items, start=1):
                due.append((item["GSI2SK"]["S"], item["PK"]["S"].removeprefix("RES#")))
                if count >= limit:
                    break
        return [reservation_id for _, reservation_id in sorted(due)[:limit]]

    def get_order(self, order_id: str) -> Order | None:
        """GetItem of the order, then one BatchGetItem of its tickets (<= 50)."""
        item = self._get(f"ORDER#{order_id}", "ORDER")
        if item is None:
            return None
        ticket_ids = [value["S"] for value in item.get("ticket_ids", {}).get("L", [])]
        found = {
            ticket.id: ticket
            for ticket in map(_ticket, self._batch_get((f"TICKET#{t}", "TICKET") for t in ticket_ids))
        }
        return _order(item, tuple(found[t] for t in ticket_ids if t in found))

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        item = self._get(f"TICKET#{ticket_id}", "TICKET")
        return _ticket(item) if item else None

    def list_orders(self, event_id: str) -> list[Order]:
        """One (paginated) Query of GSI1 `ORDERS#<event>`: every order followed by its tickets.

        The index is eventually consistent: tickets of an order not visible yet are fetched
        with a consistent BatchGetItem, so every listed order is complete."""
        orders: list[Item] = []
        tickets: dict[str, Ticket] = {}
        for item in self._query(
            IndexName=dynamodb_table.GSI1,
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": _s(f"ORDERS#{event_id}")},
        ):
            if item["kind"]["S"] == "order":
                orders.append(item)
            else:
                ticket = _ticket(item)
                tickets[ticket.id] = ticket
        wanted = [value["S"] for order in orders for value in order.get("ticket_ids", {}).get("L", [])]
        missing = [ticket_id for ticket_id in wanted if ticket_id not in tickets]
        for item in self._batch_get((f"TICKET#{ticket_id}", "TICKET") for ticket_id in missing):
            ticket = _ticket(item)
            tickets[ticket.id] = ticket
        result = [
            _order(item, tuple(tickets[value["S"]] for value in item.get("ticket_ids", {}).get("L", [])
                               if value["S"] in tickets))
            for item in orders
        ]
        return sorted(result, key=lambda order: (t2s(order.created_at), order.id))

    def set_ticket_status(self, ticket_id: str, status: str) -> None:
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.update_item, TableName=self.table_name, Key=_key(f"TICKET#{ticket_id}", "TICKET"),
                UpdateExpression="SET #status = :status", ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":status": _s(status)},
            )

    # ---------------------------------------------------------------- door staff
    def add_staff(self, staff: StaffAccess) -> None:
        """The staff item in its event's partition, plus a token item keeping token hashes
        unique and findable (Conflict when either exists)."""
        try:
            self._transact([
                _put(self.table_name, _staff_item(staff), "attribute_not_exists(PK)"),
                _put(self.table_name, {
                    **_key(f"STAFFTOKEN#{staff.token_hash}", "STAFFTOKEN"), "kind": _s("staff_token"),
                    "event_id": _s(staff.event_id), "staff_id": _s(staff.id),
                }, "attribute_not_exists(PK)"),
            ])
        except _Cancelled:
            raise Conflict("This staff access exists already") from None

    def save_staff(self, staff: StaffAccess) -> None:
        """Overwrite label and revocation (nothing if it does not exist, like SqliteStore)."""
        values: Item = {":label": _s(staff.label)}
        update = "SET label = :label"
        if staff.revoked_at is None:
            update += " REMOVE revoked_at"
        else:
            update += ", revoked_at = :revoked"
            values[":revoked"] = _s(t2s(staff.revoked_at))  # type: ignore[arg-type]
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.update_item, TableName=self.table_name,
                Key=_key(f"EVENT#{staff.event_id}", f"STAFF#{staff.id}"), UpdateExpression=update,
                ConditionExpression="attribute_exists(PK)", ExpressionAttributeValues=values,
            )

    def list_staff(self, event_id: str) -> list[StaffAccess]:
        staff = [_staff(item) for item in self._event_items(event_id, "STAFF#")]
        return sorted(staff, key=lambda s: (t2s(s.created_at), s.id))

    def find_staff(self, token_hash: str) -> StaffAccess | None:
        pointer = self._get(f"STAFFTOKEN#{token_hash}", "STAFFTOKEN", projection="event_id, staff_id")
        if pointer is None:
            return None
        item = self._get(f"EVENT#{pointer['event_id']['S']}", f"STAFF#{pointer['staff_id']['S']}")
        return _staff(item) if item else None

    # ---------------------------------------------------------------- door check-in
    def admit(self, checkin: CheckIn) -> tuple[CheckIn, bool]:
        """One conditional PutItem (first write wins); when the ticket was checked in already,
        the existing check-in comes back with the refusal (ALL_OLD), no second read."""
        try:
            self._call(
                self.client.put_item, TableName=self.table_name, Item=_checkin_item(checkin),
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            old = error.response.get("Item") or self._get(
                f"EVENT#{checkin.event_id}", f"CHECKIN#{checkin.ticket_id}"
            )
            if old is None:
                raise RuntimeError(f"check-in of {checkin.ticket_id} vanished") from None
            return _checkin(old), False
        return checkin, True

    def list_checkins(self, event_id: str) -> list[CheckIn]:
        checkins = [_checkin(item) for item in self._event_items(event_id, "CHECKIN#")]
        return sorted(checkins, key=lambda c: (t2s(c.scanned_at), c.ticket_id))

    def record_scan_result(self, nonce: str, event_id: str, result: str) -> str:
        try:
            self._call(
                self.client.put_item, TableName=self.table_name,
                Item={**_key(f"SCAN#{nonce}", "SCAN"), "kind": _s("scan"), "nonce": _s(nonce),
                      "event_id": _s(event_id), "result": _s(result)},
                ConditionExpression="attribute_not_exists(PK)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException as error:
            old = error.response.get("Item") or self._get(f"SCAN#{nonce}", "SCAN")
            if old is None:
                raise RuntimeError(f"scan result of {nonce} vanished") from None
            return str(old["result"]["S"])
        return result

    def add_double_admission(self, record: DoubleAdmission) -> None:
        with suppress(self.client.exceptions.ConditionalCheckFailedException):  # recorded already
            self._call(
                self.client.put_item, TableName=self.table_name, Item=_double_item(record),
                ConditionExpression="attribute_not_exists(PK)",
            )

    def list_double_admissions(self, event_id: str) -> list[DoubleAdmission]:
        records = [_double(item) for item in self._event_items(event_id, "DOUBLE#")]
        return sorted(records, key=lambda r: (r.ticket_id, r.second.nonce))

    def _event_items(self, event_id: str, prefix: str) -> Iterable[Item]:
        """Items of one kind in an event's partition: a consistent Query."""
        return self._query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={":pk": _s(f"EVENT#{event_id}"), ":prefix": _s(prefix)},
            ConsistentRead=True,
        )


# -------------------------------------------------------------------- attribute values
def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(int(value))}


def _key(pk: str, sk: str) -> Item:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _int(item: Item, name: str) -> int:
    return int(item[name]["N"])


def _opt_s(item: Item, name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value is not None and "S" in value else None


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def _put(table_name: str, item: Item, condition: str) -> dict[str, Any]:
    return {"Put": {"TableName": table_name, "Item": item, "ConditionExpression": condition}}


def _set_optional(item: Item, name: str, value: str | None) -> None:
    if value is not None:
        item[name] = _s(value)


def _tier_quantities(lines: Iterable[ReservationLine]) -> dict[str, int]:
    """Quantity per tier, in line order (one transaction item per tier)."""
    quantities: dict[str, int] = {}
    for line in lines:
        quantities[line.tier_id] = quantities.get(line.tier_id, 0) + line.quantity
    return quantities


# -------------------------------------------------------------------- item mapping
def _organizer_item(organizer: Organizer) -> Item:
    item = {
        **_key(f"ORG#{organizer.id}", "PROFILE"), "kind": _s("organizer"),
        "id": _s(organizer.id), "email": _s(organizer.email), "name": _s(organizer.name),
        "password_hash": _s(organizer.password_hash),
        "created_at": _s(t2s(organizer.created_at)),  # type: ignore[arg-type]
        "recovery_code_hashes": {"L": [_s(code) for code in organizer.recovery_code_hashes]},
        "session_epoch": _n(organizer.session_epoch),
    }
    _set_optional(item, "totp_secret", organizer.totp_secret)
    return item


def _email_item(organizer: Organizer) -> Item:
    return {
        **_key(f"EMAIL#{organizer.email}", "EMAIL"), "kind": _s("email"),
        "organizer_id": _s(organizer.id),
    }


def _organizer(item: Item) -> Organizer:
    return Organizer(
        id=item["id"]["S"], email=item["email"]["S"], name=item["name"]["S"],
        password_hash=item["password_hash"]["S"],
        created_at=s2t(item["created_at"]["S"]),  # type: ignore[arg-type]
        totp_secret=_opt_s(item, "totp_secret"),
        recovery_code_hashes=tuple(v["S"] for v in item.get("recovery_code_hashes", {}).get("L", [])),
        session_epoch=int(item.get("session_epoch", {"N": "0"})["N"]),
    )


def _event_item(event: Event) -> Item:
    starts = t2s(event.starts_at)
    item = {
        **_key(f"EVENT#{event.id}", "EVENT"), "kind": _s("event"),
        "id": _s(event.id), "organizer_id": _s(event.organizer_id), "slug": _s(event.slug),
        "title": _s(event.title), "starts_at": _s(starts),  # type: ignore[arg-type]
        "ends_at": _s(t2s(event.ends_at)),  # type: ignore[arg-type]
        "timezone": _s(event.timezone), "venue": _s(event.venue), "currency": _s(event.currency),
        "description": _s(event.description), "fee_mode": _s(event.fee_mode.value),
        "status": _s(event.status.value),
        "created_at": _s(t2s(event.created_at)),  # type: ignore[arg-type]
        "GSI1PK": _s(f"ORG#{event.organizer_id}"), "GSI1SK": _s(f"{starts}#{event.id}"),
    }
    if event.status is EventStatus.PUBLISHED:
        item["GSI2PK"] = _s("PUBLISHED")
        item["GSI2SK"] = _s(f"{starts}#{event.id}")
    return item


def _slug_item(event: Event) -> Item:
    return {**_key(f"SLUG#{event.slug}", "SLUG"), "kind": _s("slug"), "event_id": _s(event.id)}


def _event(item: Item) -> Event:
    return Event(
        id=item["id"]["S"], organizer_id=item["organizer_id"]["S"], slug=item["slug"]["S"],
        title=item["title"]["S"],
        starts_at=s2t(item["starts_at"]["S"]),  # type: ignore[arg-type]
        ends_at=s2t(item["ends_at"]["S"]),  # type: ignore[arg-type]
        timezone=item["timezone"]["S"], venue=item["venue"]["S"], currency=item["currency"]["S"],
        description=item["description"]["S"], fee_mode=FeeMode(item["fee_mode"]["S"]),
        status=EventStatus(item["status"]["S"]),
        created_at=s2t(item["created_at"]["S"]),  # type: ignore[arg-type]
    )


def _tier_item(tier: Tier) -> Item:
    """A new tier starts with nothing held or sold, whatever the object says (as in SQLite)."""
    item = {
        **_key(f"EVENT#{tier.event_id}", f"TIER#{tier.id}"), "kind": _s("tier"),
        "id": _s(tier.id), "event_id": _s(tier.event_id), "name": _s(tier.name),
        "price_minor": _n(tier.price_minor), "capacity": _n(tier.capacity),
        "max_per_order": _n(tier.max_per_order), "hidden": {"BOOL": bool(tier.hidden)},
        "position": _n(tier.position), "held": _n(0), "sold": _n(0),
        "available": _n(tier.capacity), "version": _n(tier.version),
    }
    _set_optional(item, "sales_start", t2s(tier.sales_start))
    _set_optional(item, "sales_end", t2s(tier.sales_end))
    return item


def _tier(item: Item) -> Tier:
    return Tier(
        id=item["id"]["S"], event_id=item["event_id"]["S"], name=item["name"]["S"],
        price_minor=_int(item, "price_minor"), capacity=_int(item, "capacity"),
        max_per_order=_int(item, "max_per_order"),
        sales_start=s2t(_opt_s(item, "sales_start")), sales_end=s2t(_opt_s(item, "sales_end")),
        hidden=bool(item["hidden"]["BOOL"]), position=_int(item, "position"),
        held=_int(item, "held"), sold=_int(item, "sold"), version=_int(item, "version"),
    )


_LINE_INTS = ("quantity", "unit_price_minor", "unit_fee_minor", "unit_total_minor", "tier_version")


def _line_value(line: ReservationLine) -> dict[str, Any]:
    fields = {"tier_id": _s(line.tier_id)}
    fields.update({name: _n(getattr(line, name)) for name in _LINE_INTS})
    return {"M": fields}


def _line(value: dict[str, Any]) -> ReservationLine:
    fields = value["M"]
    return ReservationLine(
        tier_id=fields["tier_id"]["S"], **{name: int(fields[name]["N"]) for name in _LINE_INTS}
    )


def hold_partition(reservation_id: str) -> str:
    """The GSI2 partition of a held reservation: a stable spread over HOLD_SHARDS."""
    digest = hashlib.blake2b(reservation_id.encode(), digest_size=2).digest()
    return f"HOLD#{int.from_bytes(digest, 'big') % HOLD_SHARDS}"


def _reservation_item(r: Reservation) -> Item:
    item = {
        **_key(f"RES#{r.id}", "RES"), "kind": _s("reservation"),
        "id": _s(r.id), "event_id": _s(r.event_id), "lines": {"L": [_line_value(x) for x in r.lines]},
        "buyer_email": _s(r.buyer.email), "buyer_name": _s(r.buyer.name),
        "currency": _s(r.currency), "fee_mode": _s(r.fee_mode.value), "status": _s(r.status.value),
        "created_at": _s(t2s(r.created_at)),  # type: ignore[arg-type]
        "expires_at": _s(t2s(r.expires_at)),  # type: ignore[arg-type]
    }
    _set_optional(item, "idempotency_key", r.idempotency_key)
    _set_optional(item, "order_id", r.order_id)
    _set_optional(item, "closed_at", t2s(r.closed_at))
    if r.status is ReservationStatus.HELD:
        item["GSI2PK"] = _s(hold_partition(r.id))
        item["GSI2SK"] = _s(f"{t2s(r.expires_at)}#{r.id}")
    return item


def _reservation(item: Item) -> Reservation:
    return Reservation(
        id=item["id"]["S"], event_id=item["event_id"]["S"],
        lines=tuple(_line(value) for value in item["lines"]["L"]),
        buyer=Buyer(item["buyer_email"]["S"], item["buyer_name"]["S"]),
        currency=item["currency"]["S"], fee_mode=FeeMode(item["fee_mode"]["S"]),
        status=ReservationStatus(item["status"]["S"]),
        created_at=s2t(item["created_at"]["S"]),  # type: ignore[arg-type]
        expires_at=s2t(item["expires_at"]["S"]),  # type: ignore[arg-type]
        idempotency_key=_opt_s(item, "idempotency_key"), order_id=_opt_s(item, "order_id"),
        closed_at=s2t(_opt_s(item, "closed_at")),
    )


def _order_item(order: Order) -> Item:
    return {
        **_key(f"ORDER#{order.id}", "ORDER"), "kind": _s("order"),
        "GSI1PK": _s(f"ORDERS#{order.event_id}"), "GSI1SK": _s(_order_sort_key(order)),
        "id": _s(order.id), "reservation_id": _s(order.reservation_id),
        "event_id": _s(order.event_id), "buyer_email": _s(order.buyer.email),
        "buyer_name": _s(order.buyer.name), "currency": _s(order.currency),
        "subtotal_minor": _n(order.subtotal_minor), "fee_minor": _n(order.fee_minor),
        "total_minor": _n(order.total_minor),
        "created_at": _s(t2s(order.created_at)),  # type: ignore[arg-type]
        "payment_ref": _s(order.payment_ref),
        "ticket_ids": {"L": [_s(ticket.id) for ticket in order.tickets]},
    }


def _order(item: Item, tickets: tuple[Ticket, ...]) -> Order:
    return Order(
        id=item["id"]["S"], reservation_id=item["reservation_id"]["S"],
        event_id=item["event_id"]["S"],
        buyer=Buyer(item["buyer_email"]["S"], item["buyer_name"]["S"]),
        currency=item["currency"]["S"], subtotal_minor=_int(item, "subtotal_minor"),
        fee_minor=_int(item, "fee_minor"), total_minor=_int(item, "total_minor"),
        created_at=s2t(item["created_at"]["S"]),  # type: ignore[arg-type]
        payment_ref=item["payment_ref"]["S"], tickets=tickets,
    )


def _order_sort_key(order: Order) -> str:
    return f"{t2s(order.created_at)}#{order.id}"


def _ticket_item(ticket: Ticket, order: Order, index: int) -> Item:
    """A ticket; in GSI1 it sorts right after its order (`<order key>#<issue number>`)."""
    return {
        **_key(f"TICKET#{ticket.id}", "TICKET"), "kind": _s("ticket"),
        "GSI1PK": _s(f"ORDERS#{order.event_id}"), "GSI1SK": _s(f"{_order_sort_key(order)}#{index:04d}"),
        "id": _s(ticket.id), "order_id": _s(ticket.order_id), "event_id": _s(ticket.event_id),
        "tier_id": _s(ticket.tier_id), "holder_name": _s(ticket.holder_name),
        "access_key": _s(ticket.access_key), "secret": _s(ticket.secret),
        "status": _s(ticket.status), "price_minor": _n(ticket.price_minor),
        "fee_minor": _n(ticket.fee_minor),
    }


def _ticket(item: Item) -> Ticket:
    return Ticket(
        id=item["id"]["S"], order_id=item["order_id"]["S"], event_id=item["event_id"]["S"],
        tier_id=item["tier_id"]["S"], holder_name=item["holder_name"]["S"],
        access_key=item["access_key"]["S"], secret=item["secret"]["S"],
        status=item["status"]["S"], price_minor=int(item.get("price_minor", {"N": "0"})["N"]),
        fee_minor=int(item.get("fee_minor", {"N": "0"})["N"]),
    )


def _staff_item(staff: StaffAccess) -> Item:
    item = {
        **_key(f"EVENT#{staff.event_id}", f"STAFF#{staff.id}"), "kind": _s("staff"),
        "id": _s(staff.id), "event_id": _s(staff.event_id), "label": _s(staff.label),
        "token_hash": _s(staff.token_hash),
        "created_at": _s(t2s(staff.created_at)),  # type: ignore[arg-type]
    }
    _set_optional(item, "revoked_at", t2s(staff.revoked_at))
    return item


def _staff(item: Item) -> StaffAccess:
    return StaffAccess(
        id=item["id"]["S"], event_id=item["event_id"]["S"], label=item["label"]["S"],
        token_hash=item["token_hash"]["S"],
        created_at=s2t(item["created_at"]["S"]),  # type: ignore[arg-type]
        revoked_at=s2t(_opt_s(item, "revoked_at")),
    )


def _checkin_value(checkin: CheckIn) -> Item:
    return {
        "ticket_id": _s(checkin.ticket_id), "event_id": _s(checkin.event_id),
        "device_id": _s(checkin.device_id),
        "scanned_at": _s(t2s(checkin.scanned_at)),  # type: ignore[arg-type]
        "nonce": _s(checkin.nonce), "offline": {"BOOL": bool(checkin.offline)},
    }


def _checkin_item(checkin: CheckIn) -> Item:
    return {
        **_key(f"EVENT#{checkin.event_id}", f"CHECKIN#{checkin.ticket_id}"), "kind": _s("checkin"),
        **_checkin_value(checkin),
    }


def _checkin(item: Item) -> CheckIn:
    return CheckIn(
        ticket_id=item["ticket_id"]["S"], event_id=item["event_id"]["S"], device_id=item["device_id"]["S"],
        scanned_at=s2t(item["scanned_at"]["S"]),  # type: ignore[arg-type]
        nonce=item["nonce"]["S"], offline=bool(item["offline"]["BOOL"]),
    )


def _double_item(record: DoubleAdmission) -> Item:
    return {
        **_key(f"EVENT#{record.event_id}", f"DOUBLE#{record.ticket_id}#{record.second.nonce}"),
        "kind": _s("double_admission"), "ticket_id": _s(record.ticket_id),
        "event_id": _s(record.event_id), "first": {"M": _checkin_value(record.first)},
        "second": {"M": _checkin_value(record.second)},
    }


def _double(item: Item) -> DoubleAdmission:
    return DoubleAdmission(
        ticket_id=item["ticket_id"]["S"], event_id=item["event_id"]["S"],
        first=_checkin(item["first"]["M"]), second=_checkin(item["second"]["M"]),
    )
