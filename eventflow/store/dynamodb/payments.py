"""`PaymentStore` on the DynamoDB table: a mixin of `DynamoStore` (same table, same retries).

Items (single-table, see docs/dynamodb.md):

    ORG#<org>          / STRIPE_ACCOUNT   the organizer's connected account
    STRIPEACCT#<acct>  / STRIPEACCT       account id -> organizer id
    RES#<id>           / PAYMENT          the reservation's payment; GSI2 `PAYMENTS#<state>` by hold end
                                          while open or awaiting; lease_owner / lease_until when claimed
    PAYINTENT#<pi>     / PAYINTENT        payment intent -> reservation id
    WEBHOOK#<evt>      / WEBHOOK          a webhook event id: processing (claimed until) or done
    EVENT#<id>         / REFUND#<id>      a refund; GSI2 `REFUNDS_PENDING` by creation while pending
    REFUND#<id>        / REFUND           refund id -> event id (and the refund's uniqueness)
    REFUNDTICKET#<t>   / REFUNDTICKET     a ticket claimed by a refund (first write wins)
    LEASE#<name>       / LEASE            a named lease (the reconciliation pass)

Every change is a conditional write; a refund that restocks moves `sold` and `available` of its
tiers in the same TransactWriteItems that finishes it, so it gives tickets back exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventflow.domain.errors import Conflict
from eventflow.domain.payments.records import (
    ConnectedAccount,
    Payment,
    PaymentState,
    Refund,
    RefundReason,
    RefundStatus,
)
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb import table as dynamodb_table

Item = dict[str, dict[str, Any]]
LISTED_STATES = frozenset({PaymentState.OPEN, PaymentState.AWAITING})


def _cancelled() -> type[Exception]:
    from eventflow.store.dynamodb.store import _Cancelled  # the store module imports this one: import late

    return _Cancelled


class DynamoPaymentsMixin:
    """Uses `client`, `table_name`, `_call`, `_transact`, `_get`, `_batch_get`, `_query` of DynamoStore."""

    if TYPE_CHECKING:
        client: Any
        table_name: str

        def _call(self, operation: Any, **kwargs: Any) -> Any: ...

        def _transact(self, items: list[dict[str, Any]], token_seed: str | None = None) -> None: ...

        def _get(self, pk: str, sk: str, projection: str | None = None) -> Item | None: ...

        def _batch_get(self, keys: Iterable[tuple[str, str]], projection: str | None = None,
                       names: dict[str, str] | None = None) -> list[Item]: ...

        def _query(self, **kwargs: Any) -> Iterable[Item]: ...

    # ---------------------------------------------------------------- connected accounts
    def save_connected_account(self, account: ConnectedAccount) -> None:
        item: Item = {
            **_key(f"ORG#{account.organizer_id}", "STRIPE_ACCOUNT"), "kind": _s("connected_account"),
            "organizer_id": _s(account.organizer_id), "account_id": _s(account.account_id),
            "charges_enabled": _b(account.charges_enabled), "payouts_enabled": _b(account.payouts_enabled),
            "details_submitted": _b(account.details_submitted),
            "requirements_due": _s(json.dumps(list(account.requirements_due))),
            "updated_at": _s(_text(account.updated_at)),
        }
        if account.disabled_reason:
            item["disabled_reason"] = _s(account.disabled_reason)
        pointer = {**_key(f"STRIPEACCT#{account.account_id}", "STRIPEACCT"), "kind": _s("account_pointer"),
                   "organizer_id": _s(account.organizer_id)}
        self._transact([{"Put": {"TableName": self.table_name, "Item": item}},
                        {"Put": {"TableName": self.table_name, "Item": pointer}}])

    def get_connected_account(self, organizer_id: str) -> ConnectedAccount | None:
        item = self._get(f"ORG#{organizer_id}", "STRIPE_ACCOUNT")
        return _account(item) if item else None

    def find_connected_account(self, account_id: str) -> ConnectedAccount | None:
        pointer = self._get(f"STRIPEACCT#{account_id}", "STRIPEACCT", projection="organizer_id")
        return self.get_connected_account(pointer["organizer_id"]["S"]) if pointer else None

    # ---------------------------------------------------------------- payments
    def add_payment(self, payment: Payment) -> tuple[Payment, bool]:
        items = [{"Put": {
            "TableName": self.table_name, "Item": _payment_item(payment),
            "ConditionExpression": "attribute_not_exists(PK)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }}]
        items.extend(self._intent_pointer(payment))
        try:
            self._transact(items)
        except _cancelled() as cancelled:
            old = cancelled.item(0) or self._get(f"RES#{payment.reservation_id}", "PAYMENT")  # type: ignore[attr-defined]
            if old is None:
                raise RuntimeError(f"payment of {payment.reservation_id} vanished") from None
            return _payment(old), False
        return payment, True

    def get_payment(self, reservation_id: str) -> Payment | None:
        item = self._get(f"RES#{reservation_id}", "PAYMENT")
        return _payment(item) if item else None

    def find_payment_by_intent(self, payment_intent_id: str) -> Payment | None:
        pointer = self._get(f"PAYINTENT#{payment_intent_id}", "PAYINTENT", projection="reservation_id")
        return self.get_payment(pointer["reservation_id"]["S"]) if pointer else None

    def update_payment(self, payment: Payment) -> Payment | None:
        """One UpdateItem of every field (leaving a lease in place), conditional on the version."""
        stored = replace(payment, version=payment.version + 1)
        fields = {k: v for k, v in _payment_item(stored).items() if k not in ("PK", "SK", "GSI2PK", "GSI2SK")}
        names = {f"#f{i}": name for i, name in enumerate(fields)}
        values: Item = {f":v{i}": value for i, value in enumerate(fields.values())}
        values[":expected"] = _n(payment.version)
        update = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
        if payment.state in LISTED_STATES:
            update += ", GSI2PK = :gsi2pk, GSI2SK = :gsi2sk"
            values[":gsi2pk"], values[":gsi2sk"] = _s(f"PAYMENTS#{payment.state.value}"), _s(_listing_key(payment))
        else:
            update += " REMOVE GSI2PK, GSI2SK"
        items = [{"Update": {
            "TableName": self.table_name, "Key": _key(f"RES#{payment.reservation_id}", "PAYMENT"),
            "UpdateExpression": update, "ConditionExpression": "version = :expected",
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
        }}]
        items.extend(self._intent_pointer(payment))
        try:
            self._transact(items)
        except _cancelled():
            return None
        return stored

    def _intent_pointer(self, payment: Payment) -> list[dict[str, Any]]:
        if not payment.payment_intent_id:
            return []
        return [{"Put": {"TableName": self.table_name, "Item": {
            **_key(f"PAYINTENT#{payment.payment_intent_id}", "PAYINTENT"), "kind": _s("intent_pointer"),
            "reservation_id": _s(payment.reservation_id),
        }}}]

    def open_payments(
        self, hold_ended_by: datetime | None = None, limit: int = 1000, after: Payment | None = None,
        state: PaymentState = PaymentState.OPEN,
    ) -> list[Payment]:
        """Keys from the sparse GSI2 `PAYMENTS#<state>` partition (sorted by hold end), then the
        payments themselves in consistent BatchGetItems, re-checked (the index may lag)."""
        if state not in LISTED_STATES:
            raise ValueError("only open and awaiting payments are listed")
        condition, values = "GSI2PK = :pk", {":pk": _s(f"PAYMENTS#{state.value}")}
        if hold_ended_by is not None:
            condition += " AND GSI2SK < :bound"
            values[":bound"] = _s(f"{_text(hold_ended_by)}$")  # '$' sorts after the '#' that follows the time
        kwargs: dict[str, Any] = {"IndexName": dynamodb_table.GSI2, "KeyConditionExpression": condition,
                                  "ExpressionAttributeValues": values, "Limit": min(limit, 1000)}
        if after is not None:
            kwargs["ExclusiveStartKey"] = {
                **_key(f"RES#{after.reservation_id}", "PAYMENT"), "GSI2PK": _s(f"PAYMENTS#{state.value}"),
                "GSI2SK": _s(_listing_key(after)),
            }
        keys: list[tuple[str, str]] = []
        for item in self._query(**kwargs):
            keys.append((item["PK"]["S"], item["SK"]["S"]))
            if len(keys) >= limit:
                break
        payments = [_payment(item) for item in self._batch_get(keys)]
        due = [p for p in payments
               if p.state is state and (hold_ended_by is None or p.hold_expires_at <= hold_ended_by)]
        return sorted(due, key=lambda p: (_text(p.hold_expires_at), p.reservation_id))

    def claim_payment(self, reservation_id: str, owner: str, now: datetime, until: datetime) -> bool:
        try:
            self._call(
                self.client.update_item, TableName=self.table_name, Key=_key(f"RES#{reservation_id}", "PAYMENT"),
                UpdateExpression="SET lease_owner = :owner, lease_until = :until",
                ConditionExpression="attribute_exists(PK) AND (attribute_not_exists(lease_until)"
                                    " OR lease_until <= :now OR lease_owner = :owner)",
                ExpressionAttributeValues={":owner": _s(owner), ":until": _s(_text(until)), ":now": _s(_text(now))},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_payment_claim(self, reservation_id: str, owner: str) -> None:
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.update_item, TableName=self.table_name, Key=_key(f"RES#{reservation_id}", "PAYMENT"),
                UpdateExpression="REMOVE lease_owner, lease_until", ConditionExpression="lease_owner = :owner",
                ExpressionAttributeValues={":owner": _s(owner)},
            )

    # ---------------------------------------------------------------- webhook events
    def begin_webhook_event(self, event_id: str, event_type: str, now: datetime, until: datetime) -> bool:
        try:
            self._call(
                self.client.put_item, TableName=self.table_name,
                Item={**_key(f"WEBHOOK#{event_id}", "WEBHOOK"), "kind": _s("webhook_event"),
                      "event_type": _s(event_type), "status": _s("processing"), "claimed_until": _s(_text(until)),
                      "received_at": _s(_text(now))},
                ConditionExpression="attribute_not_exists(PK) OR (#status = :processing AND claimed_until <= :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":processing": _s("processing"), ":now": _s(_text(now))},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def finish_webhook_event(self, event_id: str, now: datetime) -> None:
        self._call(
            self.client.update_item, TableName=self.table_name, Key=_key(f"WEBHOOK#{event_id}", "WEBHOOK"),
            UpdateExpression="SET #status = :done, finished_at = :now", ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":done": _s("done"), ":now": _s(_text(now))},
        )

    def abandon_webhook_event(self, event_id: str) -> None:
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.delete_item, TableName=self.table_name, Key=_key(f"WEBHOOK#{event_id}", "WEBHOOK"),
                ConditionExpression="#status = :processing", ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":processing": _s("processing")},
            )

    def webhook_event_done(self, event_id: str) -> bool:
        item = self._get(f"WEBHOOK#{event_id}", "WEBHOOK")
        return item is not None and item["status"]["S"] == "done"

    # ---------------------------------------------------------------- refunds
    def start_refund(self, refund: Refund) -> tuple[Refund, bool]:
        """One transaction: the refund's id item, the refund, one claim per ticket (all new)."""
        items: list[dict[str, Any]] = [
            _put_new(self.table_name, {**_key(f"REFUND#{refund.id}", "REFUND"), "kind": _s("refund_pointer"),
                                       "event_id": _s(refund.event_id)}),
            _put_new(self.table_name, _refund_item(refund)),
        ]
        items.extend(
            _put_new(self.table_name, {**_key(f"REFUNDTICKET#{ticket_id}", "REFUNDTICKET"),
                                       "kind": _s("refund_ticket"), "refund_id": _s(refund.id)})
            for ticket_id in refund.ticket_ids
        )
        try:
            self._transact(items)
        except _cancelled() as cancelled:
            if cancelled.failed(0):  # type: ignore[attr-defined]
                existing = self.get_refund(refund.id)
                if existing is None:
                    raise RuntimeError(f"refund {refund.id} vanished") from None
                return existing, False
            raise Conflict("Some of these tickets are being refunded already") from None
        return refund, True

    def finish_refund(
        self, refund_id: str, status: RefundStatus, now: datetime, stripe_refund_id: str | None = None,
        failure: str | None = None,
    ) -> Refund | None:
        if status is RefundStatus.PENDING:
            raise ValueError("a refund finishes as succeeded or failed")
        refund = self.get_refund(refund_id)
        if refund is None or refund.status is not RefundStatus.PENDING:
            return None
        finished = replace(refund, status=status, finished_at=s2t(_text(now)),
                           stripe_refund_id=stripe_refund_id or refund.stripe_refund_id, failure=failure)
        items: list[dict[str, Any]] = [{"Put": {
            "TableName": self.table_name, "Item": _refund_item(finished),
            "ConditionExpression": "#status = :pending", "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":pending": _s(RefundStatus.PENDING.value)},
        }}]
        if status is RefundStatus.FAILED:
            items.extend({"Delete": {"TableName": self.table_name, "Key": _key(f"REFUNDTICKET#{t}", "REFUNDTICKET")}}
                         for t in refund.ticket_ids)
        elif refund.restock:
            items.extend({"Update": {
                "TableName": self.table_name, "Key": _key(f"EVENT#{refund.event_id}", f"TIER#{tier_id}"),
                "UpdateExpression": "SET sold = sold - :q, available = available + :q",
                "ConditionExpression": "sold >= :q", "ExpressionAttributeValues": {":q": _n(quantity)},
            }} for tier_id, quantity in refund.tier_quantities)
        try:
            self._transact(items)
        except _cancelled() as cancelled:
            if cancelled.failed(0):  # type: ignore[attr-defined]
                return None
            raise RuntimeError(f"sold counts of refund {refund_id} are inconsistent") from None
        return finished

    def get_refund(self, refund_id: str) -> Refund | None:
        pointer = self._get(f"REFUND#{refund_id}", "REFUND", projection="event_id")
        if pointer is None:
            return None
        item = self._get(f"EVENT#{pointer['event_id']['S']}", f"REFUND#{refund_id}")
        return _refund(item) if item else None

    def list_refunds(self, event_id: str) -> list[Refund]:
        items = self._query(
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={":pk": _s(f"EVENT#{event_id}"), ":prefix": _s("REFUND#")},
            ConsistentRead=True,
        )
        return sorted((_refund(item) for item in items), key=lambda r: (_text(r.created_at), r.id))

    def pending_refunds(self, limit: int = 500) -> list[Refund]:
        keys = []
        for item in self._query(IndexName=dynamodb_table.GSI2, KeyConditionExpression="GSI2PK = :pk",
                                ExpressionAttributeValues={":pk": _s("REFUNDS_PENDING")}, Limit=min(limit, 1000)):
            keys.append((item["PK"]["S"], item["SK"]["S"]))
            if len(keys) >= limit:
                break
        refunds = [_refund(item) for item in self._batch_get(keys)]
        pending = [r for r in refunds if r.status is RefundStatus.PENDING]
        return sorted(pending, key=lambda r: (_text(r.created_at), r.id))

    # ---------------------------------------------------------------- leases
    def acquire_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        try:
            self._call(
                self.client.put_item, TableName=self.table_name,
                Item={**_key(f"LEASE#{name}", "LEASE"), "kind": _s("lease"), "owner": _s(owner),
                      "until": _s(_text(until))},
                ConditionExpression="attribute_not_exists(PK) OR #until <= :now OR #owner = :owner",
                ExpressionAttributeNames={"#until": "until", "#owner": "owner"},
                ExpressionAttributeValues={":now": _s(_text(now)), ":owner": _s(owner)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


# -------------------------------------------------------------------- attribute values
def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(int(value))}


def _b(value: bool) -> dict[str, bool]:
    return {"BOOL": bool(value)}


def _key(pk: str, sk: str) -> Item:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _text(instant: datetime) -> str:
    text = t2s(instant)
    assert text is not None
    return text


def _instant(value: dict[str, str]) -> datetime:
    instant = s2t(value["S"])
    assert instant is not None
    return instant


def _opt(item: Item, name: str) -> str | None:
    value = item.get(name)
    return value["S"] if value is not None and "S" in value else None


def _put_new(table_name: str, item: Item) -> dict[str, Any]:
    return {"Put": {"TableName": table_name, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}}


def _listing_key(payment: Payment) -> str:
    return f"{_text(payment.hold_expires_at)}#{payment.reservation_id}"


# -------------------------------------------------------------------- item mapping
def _account(item: Item) -> ConnectedAccount:
    return ConnectedAccount(
        organizer_id=item["organizer_id"]["S"], account_id=item["account_id"]["S"],
        charges_enabled=bool(item["charges_enabled"]["BOOL"]), payouts_enabled=bool(item["payouts_enabled"]["BOOL"]),
        details_submitted=bool(item["details_submitted"]["BOOL"]),
        requirements_due=tuple(json.loads(item["requirements_due"]["S"])),
        disabled_reason=_opt(item, "disabled_reason"), updated_at=_instant(item["updated_at"]),
    )


_PAYMENT_TEXT = ("event_id", "organizer_id", "account_id", "session_id", "url", "currency")
_PAYMENT_OPTIONAL = ("payment_intent_id", "order_id", "refund_id", "last_error")
_PAYMENT_INTS = ("amount_minor", "fee_minor", "generation", "version")
_PAYMENT_TIMES = ("created_at", "hold_expires_at", "updated_at")


def _payment_item(payment: Payment) -> Item:
    item: Item = {**_key(f"RES#{payment.reservation_id}", "PAYMENT"), "kind": _s("payment"),
                  "reservation_id": _s(payment.reservation_id), "state": _s(payment.state.value)}
    item.update({name: _s(getattr(payment, name)) for name in _PAYMENT_TEXT})
    item.update({name: _n(getattr(payment, name)) for name in _PAYMENT_INTS})
    item.update({name: _s(_text(getattr(payment, name))) for name in _PAYMENT_TIMES})
    # Absent optional values are stored as NULL, so an update can clear them like any other field.
    item.update({name: _s(value) if (value := getattr(payment, name)) is not None else {"NULL": True}
                 for name in _PAYMENT_OPTIONAL})
    if payment.state in LISTED_STATES:
        item["GSI2PK"] = _s(f"PAYMENTS#{payment.state.value}")
        item["GSI2SK"] = _s(_listing_key(payment))
    return item


def _payment(item: Item) -> Payment:
    return Payment(
        reservation_id=item["reservation_id"]["S"], state=PaymentState(item["state"]["S"]),
        **{name: item[name]["S"] for name in _PAYMENT_TEXT},
        **{name: int(item[name]["N"]) for name in _PAYMENT_INTS},
        **{name: _instant(item[name]) for name in _PAYMENT_TIMES},
        **{name: _opt(item, name) for name in _PAYMENT_OPTIONAL},
    )


def _refund_item(refund: Refund) -> Item:
    item: Item = {
        **_key(f"EVENT#{refund.event_id}", f"REFUND#{refund.id}"), "kind": _s("refund"), "id": _s(refund.id),
        "event_id": _s(refund.event_id), "reservation_id": _s(refund.reservation_id),
        "payment_intent_id": _s(refund.payment_intent_id), "ticket_ids": _s(json.dumps(list(refund.ticket_ids))),
        "tier_quantities": _s(json.dumps([list(pair) for pair in refund.tier_quantities])),
        "amount_minor": _n(refund.amount_minor), "fee_minor": _n(refund.fee_minor), "currency": _s(refund.currency),
        "reason": _s(refund.reason.value), "restock": _b(refund.restock), "status": _s(refund.status.value),
        "created_at": _s(_text(refund.created_at)),
    }
    for name in ("order_id", "stripe_refund_id", "failure"):
        if (value := getattr(refund, name)) is not None:
            item[name] = _s(value)
    if refund.finished_at is not None:
        item["finished_at"] = _s(_text(refund.finished_at))
    if refund.status is RefundStatus.PENDING:
        item["GSI2PK"] = _s("REFUNDS_PENDING")
        item["GSI2SK"] = _s(f"{_text(refund.created_at)}#{refund.id}")
    return item


def _refund(item: Item) -> Refund:
    finished = _opt(item, "finished_at")
    return Refund(
        id=item["id"]["S"], event_id=item["event_id"]["S"], reservation_id=item["reservation_id"]["S"],
        order_id=_opt(item, "order_id"), payment_intent_id=item["payment_intent_id"]["S"],
        ticket_ids=tuple(json.loads(item["ticket_ids"]["S"])),
        tier_quantities=tuple((tier, int(q)) for tier, q in json.loads(item["tier_quantities"]["S"])),
        amount_minor=int(item["amount_minor"]["N"]), fee_minor=int(item["fee_minor"]["N"]),
        currency=item["currency"]["S"], reason=RefundReason(item["reason"]["S"]), restock=bool(item["restock"]["BOOL"]),
        status=RefundStatus(item["status"]["S"]), created_at=_instant(item["created_at"]),
        stripe_refund_id=_opt(item, "stripe_refund_id"), finished_at=s2t(finished), failure=_opt(item, "failure"),
    )
