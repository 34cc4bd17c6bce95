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
from contextlib import suppress
from dataclasses import replace
from datetime import datetime
from typing import Any

from eventflow.domain.errors import Conflict, TicketsBeingRefunded
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
from eventflow.store.dynamodb.client import ConditionFailed, Item, key
from eventflow.store.dynamodb.items import b, instant, n, opt_s, put_new, s, time_value
from eventflow.store.dynamodb.sales_stats import refund_stats_updates
from eventflow.store.dynamodb.tiers import DynamoTiersMixin

LISTED_STATES = frozenset({PaymentState.OPEN, PaymentState.AWAITING})


class DynamoPaymentsMixin(DynamoTiersMixin):
    """The `PaymentStore` port on the table (the same client and retries as the rest of the store)."""

    # ---------------------------------------------------------------- connected accounts
    def save_connected_account(self, account: ConnectedAccount) -> None:
        item: Item = {
            **key(f"ORG#{account.organizer_id}", "STRIPE_ACCOUNT"), "kind": s("connected_account"),
            "organizer_id": s(account.organizer_id), "account_id": s(account.account_id),
            "charges_enabled": b(account.charges_enabled), "payouts_enabled": b(account.payouts_enabled),
            "details_submitted": b(account.details_submitted),
            "requirements_due": s(json.dumps(list(account.requirements_due))),
            "updated_at": time_value(account.updated_at),
        }
        if account.disabled_reason:
            item["disabled_reason"] = s(account.disabled_reason)
        if account.country:
            item["country"] = s(account.country)
        pointer = {**key(f"STRIPEACCT#{account.account_id}", "STRIPEACCT"), "kind": s("account_pointer"),
                   "organizer_id": s(account.organizer_id)}
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
        except ConditionFailed as cancelled:
            old = cancelled.item(0) or self._get(f"RES#{payment.reservation_id}", "PAYMENT")
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
        values[":expected"] = n(payment.version)
        update = "SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields)))
        if payment.state in LISTED_STATES:
            update += ", GSI2PK = :gsi2pk, GSI2SK = :gsi2sk"
            values[":gsi2pk"], values[":gsi2sk"] = s(f"PAYMENTS#{payment.state.value}"), s(_listing_key(payment))
        else:
            update += " REMOVE GSI2PK, GSI2SK"
        items = [{"Update": {
            "TableName": self.table_name, "Key": key(f"RES#{payment.reservation_id}", "PAYMENT"),
            "UpdateExpression": update, "ConditionExpression": "version = :expected",
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
        }}]
        items.extend(self._intent_pointer(payment))
        try:
            self._transact(items)
        except ConditionFailed:
            return None
        return stored

    def _intent_pointer(self, payment: Payment) -> list[dict[str, Any]]:
        if not payment.payment_intent_id:
            return []
        return [{"Put": {"TableName": self.table_name, "Item": {
            **key(f"PAYINTENT#{payment.payment_intent_id}", "PAYINTENT"), "kind": s("intent_pointer"),
            "reservation_id": s(payment.reservation_id),
        }}}]

    def open_payments(
        self, hold_ended_by: datetime | None = None, limit: int = 1000, after: Payment | None = None,
        state: PaymentState = PaymentState.OPEN,
    ) -> list[Payment]:
        """Keys from the sparse GSI2 `PAYMENTS#<state>` partition (sorted by hold end), then the
        payments themselves in consistent BatchGetItems, re-checked (the index may lag)."""
        if state not in LISTED_STATES:
            raise ValueError("only open and awaiting payments are listed")
        condition, values = "GSI2PK = :pk", {":pk": s(f"PAYMENTS#{state.value}")}
        if hold_ended_by is not None:
            condition += " AND GSI2SK < :bound"
            values[":bound"] = s(f"{t2s(hold_ended_by)}$")  # '$' sorts after the '#' that follows the time
        kwargs: dict[str, Any] = {"IndexName": dynamodb_table.GSI2, "KeyConditionExpression": condition,
                                  "ExpressionAttributeValues": values, "Limit": min(limit, 1000)}
        if after is not None:
            kwargs["ExclusiveStartKey"] = {
                **key(f"RES#{after.reservation_id}", "PAYMENT"), "GSI2PK": s(f"PAYMENTS#{state.value}"),
                "GSI2SK": s(_listing_key(after)),
            }
        keys: list[tuple[str, str]] = []
        for item in self._query(**kwargs):
            keys.append((item["PK"]["S"], item["SK"]["S"]))
            if len(keys) >= limit:
                break
        payments = [_payment(item) for item in self._batch_get(keys)]
        due = [p for p in payments
               if p.state is state and (hold_ended_by is None or p.hold_expires_at <= hold_ended_by)]
        return sorted(due, key=lambda p: (p.hold_expires_at, p.reservation_id))

    def claim_payment(self, reservation_id: str, owner: str, now: datetime, until: datetime) -> bool:
        try:
            self._call(
                self.client.update_item, TableName=self.table_name, Key=key(f"RES#{reservation_id}", "PAYMENT"),
                UpdateExpression="SET lease_owner = :owner, lease_until = :until",
                ConditionExpression="attribute_exists(PK) AND (attribute_not_exists(lease_until)"
                                    " OR lease_until <= :now OR lease_owner = :owner)",
                ExpressionAttributeValues={":owner": s(owner), ":until": time_value(until), ":now": time_value(now)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def release_payment_claim(self, reservation_id: str, owner: str) -> None:
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.update_item, TableName=self.table_name, Key=key(f"RES#{reservation_id}", "PAYMENT"),
                UpdateExpression="REMOVE lease_owner, lease_until", ConditionExpression="lease_owner = :owner",
                ExpressionAttributeValues={":owner": s(owner)},
            )

    # ---------------------------------------------------------------- webhook events
    def begin_webhook_event(self, event_id: str, event_type: str, now: datetime, until: datetime) -> bool:
        try:
            self._call(
                self.client.put_item, TableName=self.table_name,
                Item={**key(f"WEBHOOK#{event_id}", "WEBHOOK"), "kind": s("webhook_event"),
                      "event_type": s(event_type), "status": s("processing"), "claimed_until": time_value(until),
                      "received_at": time_value(now)},
                ConditionExpression="attribute_not_exists(PK) OR (#status = :processing AND claimed_until <= :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":processing": s("processing"), ":now": time_value(now)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def finish_webhook_event(self, event_id: str, now: datetime) -> None:
        with suppress(self.client.exceptions.ConditionalCheckFailedException):  # never begun: nothing to finish
            self._call(
                self.client.update_item, TableName=self.table_name, Key=key(f"WEBHOOK#{event_id}", "WEBHOOK"),
                UpdateExpression="SET #status = :done, finished_at = :now", ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":done": s("done"), ":now": time_value(now)},
            )

    def abandon_webhook_event(self, event_id: str) -> None:
        with suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(
                self.client.delete_item, TableName=self.table_name, Key=key(f"WEBHOOK#{event_id}", "WEBHOOK"),
                ConditionExpression="#status = :processing", ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":processing": s("processing")},
            )

    def webhook_event_done(self, event_id: str) -> bool:
        item = self._get(f"WEBHOOK#{event_id}", "WEBHOOK")
        return item is not None and item["status"]["S"] == "done"

    # ---------------------------------------------------------------- refunds
    def start_refund(self, refund: Refund) -> tuple[Refund, bool]:
        """One transaction: the refund's id item, the refund, one claim per ticket (all new)."""
        items: list[dict[str, Any]] = [
            put_new(self.table_name, {**key(f"REFUND#{refund.id}", "REFUND"), "kind": s("refund_pointer"),
                                       "event_id": s(refund.event_id)}),
            put_new(self.table_name, _refund_item(refund)),
        ]
        items.extend(
            put_new(self.table_name, {**key(f"REFUNDTICKET#{ticket_id}", "REFUNDTICKET"),
                                       "kind": s("refund_ticket"), "refund_id": s(refund.id)})
            for ticket_id in refund.ticket_ids
        )
        try:
            self._transact(items)
        except ConditionFailed as cancelled:
            if cancelled.failed(0):
                existing = self.get_refund(refund.id)
                if existing is None:
                    raise RuntimeError(f"refund {refund.id} vanished") from None
                return existing, False
            raise TicketsBeingRefunded() from None
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
        finished = replace(refund, status=status, finished_at=s2t(t2s(now)),
                           stripe_refund_id=stripe_refund_id or refund.stripe_refund_id, failure=failure)
        for _ in range(4):
            items: list[dict[str, Any]] = [{"Put": {
                "TableName": self.table_name, "Item": _refund_item(finished),
                "ConditionExpression": "#status = :pending", "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {":pending": s(RefundStatus.PENDING.value)},
            }}]
            if status is RefundStatus.FAILED:
                items.extend({"Delete": {"TableName": self.table_name, "Key": key(f"REFUNDTICKET#{t}", "REFUNDTICKET")}}
                             for t in refund.ticket_ids)
            elif refund.restock:
                items.extend({"Update": {
                    "TableName": self.table_name, "Key": key(f"EVENT#{refund.event_id}", sk),
                    "UpdateExpression": "SET sold = sold - :q, available = available + :q",
                    "ConditionExpression": "sold >= :q", "ExpressionAttributeValues": {":q": n(quantity)},
                }} for sk, quantity in self.restock_counters(refund.event_id, refund.tier_quantities))
            items.extend(refund_stats_updates(self, refund, status))  # its tickets leave the dashboard's aggregates
            try:
                self._transact(items)
            except ConditionFailed as cancelled:
                if cancelled.failed(0):
                    return None
                if refund.restock and any(self._shards_of(refund.event_id, t) > 1 for t, _ in refund.tier_quantities):
                    continue  # a sharded tier's counters moved since they were read: plan again
                raise RuntimeError(f"sold counts of refund {refund_id} are inconsistent") from None
            return finished
        raise Conflict("The tier kept changing while refunding; please try again")

    def get_refund(self, refund_id: str) -> Refund | None:
        pointer = self._get(f"REFUND#{refund_id}", "REFUND", projection="event_id")
        if pointer is None:
            return None
        item = self._get(f"EVENT#{pointer['event_id']['S']}", f"REFUND#{refund_id}")
        return _refund(item) if item else None

    def list_refunds(self, event_id: str) -> list[Refund]:
        items = self._partition_items(f"EVENT#{event_id}", "REFUND#")
        return sorted((_refund(item) for item in items), key=lambda r: (r.created_at, r.id))

    def pending_refunds(self, limit: int = 500) -> list[Refund]:
        keys = []
        for item in self._query(IndexName=dynamodb_table.GSI2, KeyConditionExpression="GSI2PK = :pk",
                                ExpressionAttributeValues={":pk": s("REFUNDS_PENDING")}, Limit=min(limit, 1000)):
            keys.append((item["PK"]["S"], item["SK"]["S"]))
            if len(keys) >= limit:
                break
        refunds = [_refund(item) for item in self._batch_get(keys)]
        pending = [r for r in refunds if r.status is RefundStatus.PENDING]
        return sorted(pending, key=lambda r: (r.created_at, r.id))

    # ---------------------------------------------------------------- leases
    def acquire_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        try:
            self._call(
                self.client.put_item, TableName=self.table_name,
                Item={**key(f"LEASE#{name}", "LEASE"), "kind": s("lease"), "owner": s(owner),
                      "until": time_value(until)},
                ConditionExpression="attribute_not_exists(PK) OR #until <= :now OR #owner = :owner",
                ExpressionAttributeNames={"#until": "until", "#owner": "owner"},
                ExpressionAttributeValues={":now": time_value(now), ":owner": s(owner)},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True


def _listing_key(payment: Payment) -> str:
    return f"{t2s(payment.hold_expires_at)}#{payment.reservation_id}"


# -------------------------------------------------------------------- item mapping
def _account(item: Item) -> ConnectedAccount:
    return ConnectedAccount(
        organizer_id=item["organizer_id"]["S"], account_id=item["account_id"]["S"],
        charges_enabled=bool(item["charges_enabled"]["BOOL"]), payouts_enabled=bool(item["payouts_enabled"]["BOOL"]),
        details_submitted=bool(item["details_submitted"]["BOOL"]),
        requirements_due=tuple(json.loads(item["requirements_due"]["S"])),
        disabled_reason=opt_s(item, "disabled_reason"), updated_at=instant(item, "updated_at"),
        country=opt_s(item, "country"),
    )


_PAYMENT_TEXT = ("event_id", "organizer_id", "account_id", "session_id", "url", "currency")
_PAYMENT_OPTIONAL = ("payment_intent_id", "order_id", "refund_id", "last_error")
_PAYMENT_INTS = ("amount_minor", "fee_minor", "generation", "version")
_PAYMENT_TIMES = ("created_at", "hold_expires_at", "updated_at")


def _payment_item(payment: Payment) -> Item:
    item: Item = {**key(f"RES#{payment.reservation_id}", "PAYMENT"), "kind": s("payment"),
                  "reservation_id": s(payment.reservation_id), "state": s(payment.state.value)}
    item.update({name: s(getattr(payment, name)) for name in _PAYMENT_TEXT})
    item.update({name: n(getattr(payment, name)) for name in _PAYMENT_INTS})
    item.update({name: time_value(getattr(payment, name)) for name in _PAYMENT_TIMES})
    item["processing_minor"] = n(payment.processing_minor)
    # Absent optional values are stored as NULL, so an update can clear them like any other field.
    item.update({name: s(value) if (value := getattr(payment, name)) is not None else {"NULL": True}
                 for name in _PAYMENT_OPTIONAL})
    if payment.state in LISTED_STATES:
        item["GSI2PK"] = s(f"PAYMENTS#{payment.state.value}")
        item["GSI2SK"] = s(_listing_key(payment))
    return item


def _payment(item: Item) -> Payment:
    fields: dict[str, Any] = {name: item[name]["S"] for name in _PAYMENT_TEXT}
    fields.update({name: int(item[name]["N"]) for name in _PAYMENT_INTS})
    fields.update({name: instant(item, name) for name in _PAYMENT_TIMES})
    fields.update({name: opt_s(item, name) for name in _PAYMENT_OPTIONAL})
    fields["processing_minor"] = int(item["processing_minor"]["N"]) if "processing_minor" in item else 0
    return Payment(reservation_id=item["reservation_id"]["S"], state=PaymentState(item["state"]["S"]), **fields)


def _refund_item(refund: Refund) -> Item:
    item: Item = {
        **key(f"EVENT#{refund.event_id}", f"REFUND#{refund.id}"), "kind": s("refund"), "id": s(refund.id),
        "event_id": s(refund.event_id), "reservation_id": s(refund.reservation_id),
        "payment_intent_id": s(refund.payment_intent_id), "ticket_ids": s(json.dumps(list(refund.ticket_ids))),
        "tier_quantities": s(json.dumps([list(pair) for pair in refund.tier_quantities])),
        "amount_minor": n(refund.amount_minor), "fee_minor": n(refund.fee_minor), "currency": s(refund.currency),
        "reason": s(refund.reason.value), "restock": b(refund.restock), "status": s(refund.status.value),
        "created_at": time_value(refund.created_at),
    }
    for name in ("order_id", "stripe_refund_id", "failure"):
        if (value := getattr(refund, name)) is not None:
            item[name] = s(value)
    if refund.finished_at is not None:
        item["finished_at"] = time_value(refund.finished_at)
    if refund.status is RefundStatus.PENDING:
        item["GSI2PK"] = s("REFUNDS_PENDING")
        item["GSI2SK"] = s(f"{t2s(refund.created_at)}#{refund.id}")
    return item


def _refund(item: Item) -> Refund:
    finished = opt_s(item, "finished_at")
    return Refund(
        id=item["id"]["S"], event_id=item["event_id"]["S"], reservation_id=item["reservation_id"]["S"],
        order_id=opt_s(item, "order_id"), payment_intent_id=item["payment_intent_id"]["S"],
        ticket_ids=tuple(json.loads(item["ticket_ids"]["S"])),
        tier_quantities=tuple((tier, int(q)) for tier, q in json.loads(item["tier_quantities"]["S"])),
        amount_minor=int(item["amount_minor"]["N"]), fee_minor=int(item["fee_minor"]["N"]),
        currency=item["currency"]["S"], reason=RefundReason(item["reason"]["S"]), restock=bool(item["restock"]["BOOL"]),
        status=RefundStatus(item["status"]["S"]), created_at=instant(item, "created_at"),
        stripe_refund_id=opt_s(item, "stripe_refund_id"), finished_at=s2t(finished), failure=opt_s(item, "failure"),
    )
