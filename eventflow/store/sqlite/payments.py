"""`PaymentStore` on SQLite: connected accounts, payments, webhook event ids, refunds, leases.

A part of `SqliteStore` (it uses the store's per-thread connections and `_write` transactions).
Every state change is one conditional statement or one `BEGIN IMMEDIATE` transaction, so several
processes sharing the file agree on who claimed a payment, an event id or a ticket.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import datetime
from typing import Any

from eventflow.domain.errors import TicketsBeingRefunded
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
from eventflow.store.sqlite.database import SqliteDatabase
from eventflow.store.sqlite.sales_stats import count_refund

PAYMENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS connected_accounts (
    organizer_id TEXT PRIMARY KEY, account_id TEXT NOT NULL UNIQUE, charges_enabled INTEGER NOT NULL,
    payouts_enabled INTEGER NOT NULL, details_submitted INTEGER NOT NULL, requirements_due TEXT NOT NULL,
    disabled_reason TEXT, updated_at TEXT NOT NULL, country TEXT
);
CREATE TABLE IF NOT EXISTS payments (
    reservation_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, organizer_id TEXT NOT NULL,
    account_id TEXT NOT NULL, session_id TEXT NOT NULL, url TEXT NOT NULL, amount_minor INTEGER NOT NULL,
    fee_minor INTEGER NOT NULL, currency TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL,
    hold_expires_at TEXT NOT NULL, updated_at TEXT NOT NULL, generation INTEGER NOT NULL,
    version INTEGER NOT NULL, payment_intent_id TEXT, order_id TEXT, refund_id TEXT, last_error TEXT,
    lease_owner TEXT, lease_until TEXT, processing_minor INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS payments_by_intent ON payments (payment_intent_id)
    WHERE payment_intent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS payments_unknown ON payments (state, hold_expires_at, reservation_id)
    WHERE state IN ('open', 'awaiting');
CREATE TABLE IF NOT EXISTS webhook_events (
    event_id TEXT PRIMARY KEY, event_type TEXT NOT NULL, status TEXT NOT NULL, claimed_until TEXT NOT NULL,
    received_at TEXT NOT NULL, finished_at TEXT
);
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL, reservation_id TEXT NOT NULL, order_id TEXT,
    payment_intent_id TEXT NOT NULL, ticket_ids TEXT NOT NULL, tier_quantities TEXT NOT NULL,
    amount_minor INTEGER NOT NULL, fee_minor INTEGER NOT NULL, currency TEXT NOT NULL, reason TEXT NOT NULL,
    restock INTEGER NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, stripe_refund_id TEXT,
    finished_at TEXT, failure TEXT
);
CREATE INDEX IF NOT EXISTS refunds_by_event ON refunds (event_id, created_at);
CREATE INDEX IF NOT EXISTS refunds_pending ON refunds (created_at) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS refund_tickets (ticket_id TEXT PRIMARY KEY, refund_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, until TEXT NOT NULL);
"""

LISTED_STATES = frozenset({PaymentState.OPEN, PaymentState.AWAITING})
_PAYMENT_FIELDS = (
    "reservation_id", "event_id", "organizer_id", "account_id", "session_id", "url", "amount_minor", "fee_minor",
    "currency", "state", "created_at", "hold_expires_at", "updated_at", "generation", "version",
    "payment_intent_id", "order_id", "refund_id", "last_error", "processing_minor",
)


class SqlitePaymentsMixin(SqliteDatabase):
    """The `PaymentStore` port on the file; SqliteStore creates PAYMENTS_SCHEMA with its own schema."""

    # ---------------------------------------------------------------- connected accounts
    def save_connected_account(self, account: ConnectedAccount) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO connected_accounts (organizer_id, account_id, charges_enabled, payouts_enabled,"
                " details_submitted, requirements_due, disabled_reason, updated_at, country)"
                " VALUES (:org, :acct, :charges, :payouts, :details, :due, :reason, :at, :country)"
                " ON CONFLICT (organizer_id) DO UPDATE SET account_id = :acct, charges_enabled = :charges,"
                " payouts_enabled = :payouts, details_submitted = :details, requirements_due = :due,"
                " disabled_reason = :reason, updated_at = :at, country = :country",
                {"org": account.organizer_id, "acct": account.account_id, "charges": int(account.charges_enabled),
                 "payouts": int(account.payouts_enabled), "details": int(account.details_submitted),
                 "due": json.dumps(list(account.requirements_due)), "reason": account.disabled_reason,
                 "at": t2s(account.updated_at), "country": account.country},
            )

    def get_connected_account(self, organizer_id: str) -> ConnectedAccount | None:
        row = self._db().execute(
            "SELECT * FROM connected_accounts WHERE organizer_id = ?", (organizer_id,)).fetchone()
        return _account(row) if row else None

    def find_connected_account(self, account_id: str) -> ConnectedAccount | None:
        row = self._db().execute("SELECT * FROM connected_accounts WHERE account_id = ?", (account_id,)).fetchone()
        return _account(row) if row else None

    # ---------------------------------------------------------------- payments
    def add_payment(self, payment: Payment) -> tuple[Payment, bool]:
        row = _payment_row(payment)
        with self._write() as db:
            created = db.execute(
                f"INSERT OR IGNORE INTO payments ({', '.join(_PAYMENT_FIELDS)})"
                f" VALUES ({', '.join(':' + name for name in _PAYMENT_FIELDS)})", row,
            ).rowcount == 1
            stored = db.execute("SELECT * FROM payments WHERE reservation_id = ?", (payment.reservation_id,)).fetchone()
        return _payment(stored), created

    def get_payment(self, reservation_id: str) -> Payment | None:
        row = self._db().execute("SELECT * FROM payments WHERE reservation_id = ?", (reservation_id,)).fetchone()
        return _payment(row) if row else None

    def find_payment_by_intent(self, payment_intent_id: str) -> Payment | None:
        row = self._db().execute(
            "SELECT * FROM payments WHERE payment_intent_id = ?", (payment_intent_id,)).fetchone()
        return _payment(row) if row else None

    def update_payment(self, payment: Payment) -> Payment | None:
        row = _payment_row(payment)
        row["expected"] = payment.version
        with self._write() as db:
            changed = db.execute(
                "UPDATE payments SET "
                + ", ".join(f"{name} = :{name}" for name in _PAYMENT_FIELDS[1:] if name != "version")
                + ", version = version + 1 WHERE reservation_id = :reservation_id AND version = :expected",
                row,
            ).rowcount
        return replace(payment, version=payment.version + 1) if changed == 1 else None

    def open_payments(
        self, hold_ended_by: datetime | None = None, limit: int = 1000, after: Payment | None = None,
        state: PaymentState = PaymentState.OPEN,
    ) -> list[Payment]:
        if state not in LISTED_STATES:
            raise ValueError("only open and awaiting payments are listed")
        where, values = ["state = :state"], {"state": state.value, "limit": limit}
        if hold_ended_by is not None:
            where.append("hold_expires_at <= :by")
            values["by"] = t2s(hold_ended_by)
        if after is not None:
            where.append("(hold_expires_at, reservation_id) > (:after_hold, :after_id)")
            values.update(after_hold=t2s(after.hold_expires_at), after_id=after.reservation_id)
        rows = self._db().execute(
            f"SELECT * FROM payments WHERE {' AND '.join(where)} ORDER BY hold_expires_at, reservation_id"
            " LIMIT :limit", values,
        )
        return [_payment(row) for row in rows]

    def claim_payment(self, reservation_id: str, owner: str, now: datetime, until: datetime) -> bool:
        with self._write() as db:
            return db.execute(
                "UPDATE payments SET lease_owner = :owner, lease_until = :until WHERE reservation_id = :id"
                " AND (lease_until IS NULL OR lease_until <= :now OR lease_owner = :owner)",
                {"owner": owner, "until": t2s(until), "id": reservation_id, "now": t2s(now)},
            ).rowcount == 1

    def release_payment_claim(self, reservation_id: str, owner: str) -> None:
        with self._write() as db:
            db.execute("UPDATE payments SET lease_owner = NULL, lease_until = NULL"
                       " WHERE reservation_id = ? AND lease_owner = ?", (reservation_id, owner))

    # ---------------------------------------------------------------- webhook events
    def begin_webhook_event(self, event_id: str, event_type: str, now: datetime, until: datetime) -> bool:
        values = {"id": event_id, "type": event_type, "now": t2s(now), "until": t2s(until)}
        with self._write() as db:
            if db.execute("INSERT OR IGNORE INTO webhook_events VALUES (:id, :type, 'processing', :until, :now, NULL)",
                          values).rowcount == 1:
                return True
            return db.execute(
                "UPDATE webhook_events SET claimed_until = :until WHERE event_id = :id AND status = 'processing'"
                " AND claimed_until <= :now", values,
            ).rowcount == 1

    def finish_webhook_event(self, event_id: str, now: datetime) -> None:
        with self._write() as db:
            db.execute("UPDATE webhook_events SET status = 'done', finished_at = ? WHERE event_id = ?",
                       (t2s(now), event_id))

    def abandon_webhook_event(self, event_id: str) -> None:
        with self._write() as db:
            db.execute("DELETE FROM webhook_events WHERE event_id = ? AND status = 'processing'", (event_id,))

    def webhook_event_done(self, event_id: str) -> bool:
        row = self._db().execute("SELECT status FROM webhook_events WHERE event_id = ?", (event_id,)).fetchone()
        return row is not None and row["status"] == "done"

    # ---------------------------------------------------------------- refunds
    def start_refund(self, refund: Refund) -> tuple[Refund, bool]:
        with self._write() as db:
            existing = db.execute("SELECT * FROM refunds WHERE id = ?", (refund.id,)).fetchone()
            if existing is not None:
                return _refund(existing), False
            try:
                db.executemany("INSERT INTO refund_tickets VALUES (?, ?)",
                               [(ticket_id, refund.id) for ticket_id in refund.ticket_ids])
            except sqlite3.IntegrityError:
                raise TicketsBeingRefunded() from None
            db.execute("INSERT INTO refunds VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       _refund_row(refund))
        return refund, True

    def finish_refund(
        self, refund_id: str, status: RefundStatus, now: datetime, stripe_refund_id: str | None = None,
        failure: str | None = None,
    ) -> Refund | None:
        if status is RefundStatus.PENDING:
            raise ValueError("a refund finishes as succeeded or failed")
        with self._write() as db:
            finished = db.execute(
                "UPDATE refunds SET status = ?, finished_at = ?, stripe_refund_id = COALESCE(?, stripe_refund_id),"
                " failure = ? WHERE id = ? AND status = 'pending'",
                (status.value, t2s(now), stripe_refund_id, failure, refund_id),
            ).rowcount
            if finished != 1:
                return None
            refund = _refund(db.execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone())
            count_refund(db, refund)  # a succeeded refund's tickets leave the dashboard's aggregates
            if status is RefundStatus.FAILED:
                db.execute("DELETE FROM refund_tickets WHERE refund_id = ?", (refund_id,))
            elif refund.restock:
                for tier_id, quantity in refund.tier_quantities:
                    back = db.execute("UPDATE tiers SET sold = sold - :q WHERE id = :tier AND sold >= :q",
                                      {"q": quantity, "tier": tier_id}).rowcount
                    if back != 1:
                        raise RuntimeError(f"sold count of tier {tier_id} is inconsistent")
        return refund

    def get_refund(self, refund_id: str) -> Refund | None:
        row = self._db().execute("SELECT * FROM refunds WHERE id = ?", (refund_id,)).fetchone()
        return _refund(row) if row else None

    def list_refunds(self, event_id: str) -> list[Refund]:
        rows = self._db().execute("SELECT * FROM refunds WHERE event_id = ? ORDER BY created_at, id", (event_id,))
        return [_refund(row) for row in rows]

    def pending_refunds(self, limit: int = 500) -> list[Refund]:
        rows = self._db().execute(
            "SELECT * FROM refunds WHERE status = 'pending' ORDER BY created_at, id LIMIT ?", (limit,))
        return [_refund(row) for row in rows]

    # ---------------------------------------------------------------- leases
    def acquire_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        values = {"name": name, "owner": owner, "now": t2s(now), "until": t2s(until)}
        with self._write() as db:
            if db.execute("INSERT OR IGNORE INTO leases VALUES (:name, :owner, :until)", values).rowcount == 1:
                return True
            return db.execute(
                "UPDATE leases SET owner = :owner, until = :until"
                " WHERE name = :name AND (until <= :now OR owner = :owner)",
                values,
            ).rowcount == 1


# -------------------------------------------------------------------- row mapping
def _account(row: sqlite3.Row) -> ConnectedAccount:
    return ConnectedAccount(
        organizer_id=row["organizer_id"], account_id=row["account_id"], charges_enabled=bool(row["charges_enabled"]),
        payouts_enabled=bool(row["payouts_enabled"]), details_submitted=bool(row["details_submitted"]),
        requirements_due=tuple(json.loads(row["requirements_due"])), disabled_reason=row["disabled_reason"],
        updated_at=s2t(row["updated_at"]), country=row["country"],
    )


def _payment_row(payment: Payment) -> dict[str, Any]:
    row = {name: getattr(payment, name) for name in _PAYMENT_FIELDS}
    row["state"] = payment.state.value
    for name in ("created_at", "hold_expires_at", "updated_at"):
        row[name] = t2s(row[name])
    return row


def _payment(row: sqlite3.Row) -> Payment:
    values = {name: row[name] for name in _PAYMENT_FIELDS}
    values["state"] = PaymentState(values["state"])
    for name in ("created_at", "hold_expires_at", "updated_at"):
        values[name] = s2t(values[name])
    return Payment(**values)


def _refund_row(refund: Refund) -> tuple[Any, ...]:
    return (
        refund.id, refund.event_id, refund.reservation_id, refund.order_id, refund.payment_intent_id,
        json.dumps(list(refund.ticket_ids)), json.dumps([list(pair) for pair in refund.tier_quantities]),
        refund.amount_minor, refund.fee_minor, refund.currency, refund.reason.value, int(refund.restock),
        refund.status.value, t2s(refund.created_at), refund.stripe_refund_id, t2s(refund.finished_at), refund.failure,
    )


def _refund(row: sqlite3.Row) -> Refund:
    return Refund(
        id=row["id"], event_id=row["event_id"], reservation_id=row["reservation_id"], order_id=row["order_id"],
        payment_intent_id=row["payment_intent_id"], ticket_ids=tuple(json.loads(row["ticket_ids"])),
        tier_quantities=tuple((tier, int(q)) for tier, q in json.loads(row["tier_quantities"])),
        amount_minor=row["amount_minor"], fee_minor=row["fee_minor"], currency=row["currency"],
        reason=RefundReason(row["reason"]), restock=bool(row["restock"]), status=RefundStatus(row["status"]),
        created_at=s2t(row["created_at"]), stripe_refund_id=row["stripe_refund_id"],
        finished_at=s2t(row["finished_at"]), failure=row["failure"],
    )

