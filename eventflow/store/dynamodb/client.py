"""The retrying low-level client of the EventFlow table: every request of the DynamoDB store
goes through here.

`TableClient` holds boto3's low-level client (thread-safe: one serves every thread) and the table
name, and sends requests with bounded retries on what retrying can fix (transaction conflicts,
throttling, a dropped connection). A transaction refused because one of its conditions failed is a
definite answer, never retried: it surfaces as `ConditionFailed`, which says which items failed and,
where asked for (`ReturnValuesOnConditionCheckFailure`), what they held.

The retries are the only retry layer (botocore's own are switched off), and they never sleep: the
request runs in a worker thread of the pool that serves every other request, and a thread asleep in
a backoff is a thread no buyer can use. A conflict is resent at once (the round trip is the pause;
on a sharded tier the caller's next plan usually names another item anyway); throttling gets one
immediate second try and then fails fast as the domain's `StoreBusy` (the API answers 503 with
Retry-After, and the client's own retry a second later is the backoff). See docs/dynamodb.md,
"Overload".
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from itertools import count
from typing import Any, TypeVar

from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError

from eventflow.domain.errors import N_, StoreBusy
from eventflow.store.dynamodb import table as dynamodb_table

Item = dict[str, dict[str, Any]]
T = TypeVar("T")

MAX_TRANSACTION_ITEMS = 100
BATCH_GET_KEYS = 100

# Why a TransactWriteItems was cancelled (CancellationReasons[].Code) when retrying may help.
RETRYABLE_REASONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded",
     "RequestLimitExceeded", "InternalServerError"}
)
# ... of which these mean "over the partition's limit": retrying at once only adds load.
THROTTLE_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
# Error codes of a whole request worth retrying (botocore retries nothing: see `_new_client`).
RETRYABLE_ERRORS = frozenset(
    {"TransactionConflictException", "TransactionInProgressException",
     "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
     "InternalServerError"}
)
# No answer at all (connection refused or dropped, read timeout): resent as the very same request
# (same ClientRequestToken), as botocore would have done.
NETWORK_ERRORS = (BotoConnectionError, HTTPClientError)
THROTTLE_ERRORS = frozenset(
    {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded"}
)
# Total time a request may spend retrying; see docs/dynamodb.md, "Overload".
RETRY_BUDGET_SECONDS = 1.0
# Attempts of a throttled request: one immediate second try (a burst may have passed), then 503.
THROTTLED_ATTEMPTS = 2
# What a buyer hears when the budget is spent; `StoreBusy.retry_after` says when to try again.
BUSY = N_("Lots of people are buying right now. Please try again in a moment.")


class ConditionFailed(Exception):
    """A transaction cancelled because a condition failed; `reasons` align with its items."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        super().__init__([r.get("Code") for r in reasons])
        self.reasons = reasons

    def failed(self, index: int) -> bool:
        """Whether the condition of item `index` (in request order) failed."""
        return index < len(self.reasons) and (
            self.reasons[index].get("Code") == "ConditionalCheckFailed"
        )

    def item(self, index: int) -> Item | None:
        """Item `index` as it was, if the request asked for it (ALL_OLD) and it existed."""
        if index >= len(self.reasons):
            return None
        return self.reasons[index].get("Item") or None


class Contended(Exception):
    """A transaction cancelled by a conflict on an item the caller said it could swap for another
    (a shard of a tier): `items` are the indexes of the conflicting ones."""

    def __init__(self, items: set[int]) -> None:
        super().__init__(sorted(items))
        self.items = items


def key(pk: str, sk: str) -> Item:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class TableClient:
    """One DynamoDB table through a retrying low-level client; the base of `DynamoStore`.

    The request helpers (`_call`, `_transact`, `_get`, `_batch_get`, `_query`) are for the store's
    own modules; reads through `_get` and `_batch_get` are strongly consistent."""

    def __init__(
        self,
        table_name: str,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        client: Any = None,
        max_attempts: int = 8,
        retry_budget: float = RETRY_BUDGET_SECONDS,
    ) -> None:
        if not table_name:
            raise ValueError("DynamoStore needs a table name")
        self.table_name = table_name
        self._owns_client = client is None
        self.client = client if client is not None else _new_client(region_name, endpoint_url)
        self._max_attempts = max_attempts
        self._retry_budget = retry_budget

    def create_table(self, wait: bool = True) -> bool:
        return dynamodb_table.create_table(self.client, self.table_name, wait=wait)

    def ping(self) -> None:
        self.client.get_item(TableName=self.table_name, Key=key("PING", "PING"))

    def close(self) -> None:
        if self._owns_client and hasattr(self.client, "close"):
            self.client.close()

    def _deadline(self) -> float:
        return time.monotonic() + self._retry_budget

    def _again(self, attempt: int, deadline: float, throttled: bool = False) -> bool:
        """Whether retry `attempt + 1` may be sent, at once: never a sleep (see the module's
        docstring). False when the attempts or the time are spent; a throttled request gets
        `THROTTLED_ATTEMPTS` at most."""
        limit = min(self._max_attempts, THROTTLED_ATTEMPTS) if throttled else self._max_attempts
        return attempt + 1 < limit and time.monotonic() < deadline

    def _call(self, operation: Callable[..., T], **kwargs: Any) -> T:
        """One request, resent at once on transaction conflicts and dropped connections (within
        the attempts and the time budget), once on throttling.

        Raises StoreBusy when conflicts or throttling outlast that."""
        deadline = self._deadline()
        for attempt in count():
            try:
                return operation(**kwargs)
            except NETWORK_ERRORS:
                if not self._again(attempt, deadline):
                    raise
            except self.client.exceptions.ClientError as error:
                code = error_code(error)
                if code not in RETRYABLE_ERRORS:
                    raise
                if not self._again(attempt, deadline, code in THROTTLE_ERRORS):
                    raise StoreBusy(BUSY) from error
        raise AssertionError("unreachable")

    def _transact(
        self, items: list[dict[str, Any]], token_seed: str | None = None, reroutable: frozenset[int] = frozenset(),
    ) -> None:
        """TransactWriteItems with bounded, immediate retries on conflicts/throttling.

        Raises ConditionFailed when a condition failed (a definite answer, never retried).
        `token_seed` makes the request idempotent: the ClientRequestToken is derived from it,
        the request's content and the number of answered attempts, so a resend of the very same
        request (lost response) cannot apply twice, while a retry after a cancellation or with
        different content is never mistaken for it (IdempotentParameterMismatch).
        Raises StoreBusy when conflicts or throttling outlast the retry budget, and Contended at
        once when items among `reroutable` conflicted (the caller plans them elsewhere instead).
        """
        if len(items) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} items")
        digest = None
        if token_seed is not None:
            digest = hashlib.sha256(
                token_seed.encode() + json.dumps(items, sort_keys=True).encode()
            ).hexdigest()
        deadline = self._deadline()
        answered = 0  # attempts DynamoDB answered (refused): the next one is a new request
        for attempt in count():
            kwargs: dict[str, Any] = {"TransactItems": items}
            if digest is not None:
                kwargs["ClientRequestToken"] = f"{digest[:30]}-{answered}"
            try:
                self.client.transact_write_items(**kwargs)
                return
            except NETWORK_ERRORS:
                if not self._again(attempt, deadline):
                    raise
                continue
            except self.client.exceptions.ClientError as error:
                code = error_code(error)
                throttled = code in THROTTLE_ERRORS
                if code == "TransactionCanceledException":
                    reasons = error.response.get("CancellationReasons") or []
                    codes = {reason.get("Code") for reason in reasons}
                    if "ConditionalCheckFailed" in codes:
                        raise ConditionFailed(reasons) from None
                    if not codes & RETRYABLE_REASONS:
                        raise
                    throttled = bool(codes & THROTTLE_REASONS)
                    conflicted = {i for i, r in enumerate(reasons) if r.get("Code") == "TransactionConflict"}
                    if conflicted & reroutable:
                        raise Contended(conflicted & reroutable) from None
                elif code not in RETRYABLE_ERRORS:
                    raise
                if not self._again(attempt, deadline, throttled):
                    raise StoreBusy(BUSY) from error
            answered += 1

    def _get(self, pk: str, sk: str, projection: str | None = None) -> Item | None:
        kwargs: dict[str, Any] = {
            "TableName": self.table_name, "Key": key(pk, sk), "ConsistentRead": True,
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
        item: Item | None = self._call(self.client.get_item, **kwargs).get("Item")
        return item

    def _batch_get(
        self, keys: Iterable[tuple[str, str]], projection: str | None = None,
        names: dict[str, str] | None = None,
    ) -> list[Item]:
        """Consistent BatchGetItem of any number of keys (100 per request), unprocessed keys
        retried (at once, once: they mean throttling). Missing items are simply absent from the result."""
        unique = list(dict.fromkeys(keys))
        found: list[Item] = []
        for start in range(0, len(unique), BATCH_GET_KEYS):
            request: dict[str, Any] = {
                "Keys": [key(pk, sk) for pk, sk in unique[start:start + BATCH_GET_KEYS]],
                "ConsistentRead": True,
            }
            if projection:
                request["ProjectionExpression"] = projection
            if names:
                request["ExpressionAttributeNames"] = names
            pending: dict[str, Any] = {self.table_name: request}
            deadline = self._deadline()
            for attempt in count():
                response = self._call(self.client.batch_get_item, RequestItems=pending)
                found.extend(response.get("Responses", {}).get(self.table_name, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
                # Unprocessed keys are DynamoDB's way of throttling a batch.
                if not self._again(attempt, deadline, throttled=True):
                    raise StoreBusy(BUSY)
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

    def _partition_items(self, partition: str, prefix: str) -> Iterable[Item]:
        """Items of one kind in one partition (e.g. an event's `CHECKIN#`s): a consistent Query."""
        return self._query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={":pk": {"S": partition}, ":prefix": {"S": prefix}},
            ConsistentRead=True,
        )


def _new_client(region_name: str | None, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "dynamodb",
        region_name=region_name,
        endpoint_url=endpoint_url,
        config=Config(
            max_pool_connections=64,
            # One attempt: `TableClient` is the one retry layer, bounded in time (botocore's
            # would multiply its attempts and sleep up to 20 s between its own).
            retries={"mode": "standard", "total_max_attempts": 1},
            connect_timeout=3,
            read_timeout=10,
            tcp_keepalive=True,
        ),
    )
