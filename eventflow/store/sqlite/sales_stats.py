"""The SQLite store's dashboard aggregates: sales per (tier, hour), door admissions per (tier, 5 min).

Written inside the transactions that make the changes they count (`confirm`, `finish_refund`,
`admit` call in here with their open connection), so the figures are never ahead of or behind the
orders. Reads are a few hundred rows at most (tiers x hours with sales), whatever the number of
orders; the attendee table pages the orders by an index, newest first.

A file created before these tables existed is brought up to date on open: the tables are created
and filled from its orders, refunds and check-ins in one write transaction (`prepare_sales_stats`).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import datetime

from eventflow.domain.models import CheckIn, Order, Ticket
from eventflow.domain.payments.records import Refund, RefundStatus
from eventflow.domain.sales_stats import (
    RECENT_ADMISSIONS,
    Admission,
    DoorSummary,
    SalesBucket,
    SalesSummary,
    TierTotals,
    arrival_slot,
    sale_hour,
)
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.sqlite.database import SqliteDatabase
from eventflow.store.sqlite.door_pace import count_scan
from eventflow.store.sqlite.rows import checkin_from, order_from, ticket_from

# One row per (event, tier, hour): tickets/gross/fees count the tier's valid tickets sold that hour;
# orders/charged/order_fee count the orders whose first ticket is of that tier (so the event's order
# figures are the sum over its rows). Hours are instant texts (codec), so text order is time order.
SALES_STATS_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS sales_stats (
        event_id TEXT NOT NULL, tier_id TEXT NOT NULL, hour TEXT NOT NULL,
        orders INTEGER NOT NULL DEFAULT 0, charged_minor INTEGER NOT NULL DEFAULT 0,
        order_fee_minor INTEGER NOT NULL DEFAULT 0, tickets INTEGER NOT NULL DEFAULT 0,
        gross_minor INTEGER NOT NULL DEFAULT 0, fee_minor INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (event_id, hour, tier_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS door_stats (
        event_id TEXT NOT NULL, tier_id TEXT NOT NULL, slot TEXT NOT NULL, admitted INTEGER NOT NULL,
        PRIMARY KEY (event_id, slot, tier_id)
    ) WITHOUT ROWID""",
    # the same figures over every hour / slot, one row per tier: what a refresh reads, whatever the span
    """CREATE TABLE IF NOT EXISTS sales_totals (
        event_id TEXT NOT NULL, tier_id TEXT NOT NULL,
        orders INTEGER NOT NULL DEFAULT 0, charged_minor INTEGER NOT NULL DEFAULT 0,
        order_fee_minor INTEGER NOT NULL DEFAULT 0, tickets INTEGER NOT NULL DEFAULT 0,
        gross_minor INTEGER NOT NULL DEFAULT 0, fee_minor INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (event_id, tier_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS door_totals (
        event_id TEXT NOT NULL, tier_id TEXT NOT NULL, admitted INTEGER NOT NULL, PRIMARY KEY (event_id, tier_id)
    ) WITHOUT ROWID""",
    # the attendee table's keyset: newest first, id breaking ties
    "CREATE INDEX IF NOT EXISTS orders_by_event_newest ON orders (event_id, created_at, id)",
)
NEWEST_TABLE = "door_totals"  # a file without it has older aggregates, or none: they are rebuilt on open

_ADD_SALE = (
    "INSERT INTO sales_stats (event_id, tier_id, hour, orders, charged_minor, order_fee_minor, tickets,"
    " gross_minor, fee_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (event_id, hour, tier_id) DO UPDATE SET orders = orders + excluded.orders,"
    " charged_minor = charged_minor + excluded.charged_minor,"
    " order_fee_minor = order_fee_minor + excluded.order_fee_minor, tickets = tickets + excluded.tickets,"
    " gross_minor = gross_minor + excluded.gross_minor, fee_minor = fee_minor + excluded.fee_minor"
)
_ADD_SALE_TOTAL = (
    "INSERT INTO sales_totals (event_id, tier_id, orders, charged_minor, order_fee_minor, tickets,"
    " gross_minor, fee_minor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (event_id, tier_id) DO UPDATE SET orders = orders + excluded.orders,"
    " charged_minor = charged_minor + excluded.charged_minor,"
    " order_fee_minor = order_fee_minor + excluded.order_fee_minor, tickets = tickets + excluded.tickets,"
    " gross_minor = gross_minor + excluded.gross_minor, fee_minor = fee_minor + excluded.fee_minor"
)
_ADD_ADMISSION = (
    "INSERT INTO door_stats VALUES (?, ?, ?, 1)"
    " ON CONFLICT (event_id, slot, tier_id) DO UPDATE SET admitted = admitted + 1"
)
_ADD_ADMISSION_TOTAL = (
    "INSERT INTO door_totals VALUES (?, ?, 1) ON CONFLICT (event_id, tier_id) DO UPDATE SET admitted = admitted + 1"
)
# Backfill of a file from before the aggregates: the same figures, computed by SQL from the rows.
_HOUR = "substr({0}, 1, 13) || ':00:00.000000Z'"
_SLOT = ("substr(scanned_at, 1, 14) || printf('%02d', CAST(substr(scanned_at, 15, 2) AS INTEGER) / 5 * 5)"
         " || ':00.000000Z'")
_BACKFILL = (
    f"""INSERT INTO sales_stats (event_id, tier_id, hour, tickets, gross_minor, fee_minor)
        SELECT t.event_id, t.tier_id, {_HOUR.format('o.created_at')}, COUNT(*), SUM(t.price_minor), SUM(t.fee_minor)
        FROM tickets t JOIN orders o ON o.id = t.order_id WHERE t.status != 'void'
        GROUP BY t.event_id, t.tier_id, {_HOUR.format('o.created_at')}""",
    f"""INSERT INTO sales_stats (event_id, tier_id, hour, orders, charged_minor, order_fee_minor)
        SELECT o.event_id, COALESCE((SELECT tier_id FROM tickets WHERE order_id = o.id ORDER BY rowid LIMIT 1), ''),
               {_HOUR.format('o.created_at')} AS h, COUNT(*), SUM(o.total_minor),
               SUM(CASE WHEN o.total_minor != 0 THEN o.fee_minor ELSE 0 END)
        FROM orders o WHERE true GROUP BY 1, 2, 3  -- (an upsert after a SELECT needs its WHERE)
        ON CONFLICT (event_id, hour, tier_id) DO UPDATE SET orders = excluded.orders,
            charged_minor = excluded.charged_minor, order_fee_minor = excluded.order_fee_minor""",
    f"""INSERT INTO door_stats
        SELECT c.event_id, COALESCE(t.tier_id, ''), {_SLOT}, COUNT(*)
        FROM checkins c LEFT JOIN tickets t ON t.id = c.ticket_id GROUP BY 1, 2, 3""",
    """INSERT INTO sales_totals SELECT event_id, tier_id, SUM(orders), SUM(charged_minor), SUM(order_fee_minor),
        SUM(tickets), SUM(gross_minor), SUM(fee_minor) FROM sales_stats GROUP BY 1, 2""",
    "INSERT INTO door_totals SELECT event_id, tier_id, SUM(admitted) FROM door_stats GROUP BY 1, 2",
)


# ---------------------------------------------------------------- writes, inside the callers' transactions
def count_sale(db: sqlite3.Connection, order: Order) -> None:
    """`confirm`: the order and its tickets into their (tier, hour) rows."""
    hour = t2s(sale_hour(order.created_at))
    per_tier: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    lead = per_tier[order.tickets[0].tier_id if order.tickets else ""]
    lead[0:3] = [1, order.total_minor, order.fee_minor if order.total_minor else 0]
    for ticket in order.tickets:
        figures = per_tier[ticket.tier_id]
        figures[3:6] = [figures[3] + 1, figures[4] + ticket.price_minor, figures[5] + ticket.fee_minor]
    db.executemany(_ADD_SALE, [(order.event_id, tier_id, hour, *figures) for tier_id, figures in per_tier.items()])
    db.executemany(_ADD_SALE_TOTAL, [(order.event_id, tier_id, *figures) for tier_id, figures in per_tier.items()])


def count_refund(db: sqlite3.Connection, refund: Refund) -> None:
    """`finish_refund`: a SUCCEEDED refund's tickets (voided just before) leave their sale's rows."""
    if refund.status is not RefundStatus.SUCCEEDED or not refund.ticket_ids:
        return
    marks = ",".join("?" * len(refund.ticket_ids))
    rows = db.execute(
        f"SELECT t.tier_id, o.created_at, t.price_minor, t.fee_minor FROM tickets t"
        f" JOIN orders o ON o.id = t.order_id WHERE t.id IN ({marks})", refund.ticket_ids).fetchall()
    changes = [(row["tier_id"], t2s(sale_hour(s2t(row["created_at"]))), -row["price_minor"], -row["fee_minor"])
               for row in rows]
    db.executemany(_ADD_SALE, [(refund.event_id, tier, hour, 0, 0, 0, -1, gross, fee)
                               for tier, hour, gross, fee in changes])
    db.executemany(_ADD_SALE_TOTAL, [(refund.event_id, tier, 0, 0, 0, -1, gross, fee)
                                     for tier, _, gross, fee in changes])


def count_admission(db: sqlite3.Connection, checkin: CheckIn, created: bool) -> None:
    """`admit`: a first check-in into its (tier, 5-minute slot) row."""
    if created:
        row = db.execute("SELECT tier_id FROM tickets WHERE id = ?", (checkin.ticket_id,)).fetchone()
        tier_id = row["tier_id"] if row else ""
        db.execute(_ADD_ADMISSION, (checkin.event_id, tier_id, t2s(arrival_slot(checkin.scanned_at))))
        db.execute(_ADD_ADMISSION_TOTAL, (checkin.event_id, tier_id))
        count_scan(db, checkin)  # the door's pace per minute and device (store/sqlite/door_pace.py)


class SqliteSalesStatsMixin(SqliteDatabase):
    """Aggregates written by the inventory, payment and door writes; read by the dashboard."""

    def prepare_sales_stats(self) -> None:
        """Create the aggregate tables and fill them from the file's rows, in one transaction (so two
        processes opening an old file fill them once); a file that has them as this code writes them
        is left as it is."""
        with self._write() as db:
            current = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 (NEWEST_TABLE,)).fetchone()
            if current is not None:
                return
            for table in ("sales_stats", "door_stats"):  # an earlier layout of the aggregates, if any
                db.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in (*SALES_STATS_SCHEMA, *_BACKFILL):
                db.execute(statement)

    # ---------------------------------------------------------------- reads
    def sales_summary(self, event_id: str, since: datetime | None = None) -> SalesSummary:
        """Totals from one row per tier; buckets from `since` only."""
        db = self._db()
        totals = db.execute(
            "SELECT tier_id, orders AS o, charged_minor AS c, order_fee_minor AS f, tickets AS t,"
            " gross_minor AS g, fee_minor AS fe FROM sales_totals WHERE event_id = ? ORDER BY tier_id",
            (event_id,)).fetchall()
        buckets = db.execute(
            "SELECT hour, tier_id, tickets, gross_minor, fee_minor FROM sales_stats"
            " WHERE event_id = ? AND hour >= ? AND (tickets != 0 OR gross_minor != 0 OR fee_minor != 0)"
            " ORDER BY hour, tier_id", (event_id, t2s(since) if since else "")).fetchall()
        return SalesSummary(
            sum(r["o"] for r in totals), sum(r["c"] for r in totals), sum(r["f"] for r in totals),
            tuple(TierTotals(r["tier_id"], r["t"], r["g"], r["fe"]) for r in totals if r["t"] or r["g"] or r["fe"]),
            tuple(SalesBucket(s2t(r["hour"]), r["tier_id"], r["tickets"], r["gross_minor"], r["fee_minor"])
                  for r in buckets),
            since,
        )

    def door_summary(self, event_id: str, recent: int = RECENT_ADMISSIONS,
                     since: datetime | None = None) -> DoorSummary:
        db = self._db()
        admitted = db.execute("SELECT tier_id, admitted AS n FROM door_totals WHERE event_id = ? AND admitted > 0"
                              " ORDER BY tier_id", (event_id,))
        arrivals = db.execute("SELECT slot, SUM(admitted) AS n FROM door_stats WHERE event_id = ? AND slot >= ?"
                              " GROUP BY slot HAVING n > 0 ORDER BY slot", (event_id, t2s(since) if since else ""))
        latest = db.execute(
            "SELECT c.*, COALESCE(t.holder_name, '') AS holder"
            " FROM checkins c LEFT JOIN tickets t ON t.id = c.ticket_id WHERE c.event_id = ?"
            " ORDER BY c.scanned_at DESC, c.ticket_id DESC LIMIT ?", (event_id, max(recent, 0)))
        return DoorSummary(
            tuple((row["tier_id"], row["n"]) for row in admitted),
            tuple((s2t(row["slot"]), row["n"]) for row in arrivals),
            tuple(Admission(checkin_from(row), row["holder"]) for row in latest),
            since,
        )

    def orders_page(
        self, event_id: str, after: tuple[datetime, str] | None, limit: int, search: str = "",
        payment_ref_prefix: str = "",
    ) -> list[Order]:
        """Walks `orders_by_event_newest` backwards from the cursor, stopping once the page is full; a
        search filters on the way (LIKE is case-blind for ASCII; the ticket ids through their index)."""
        where, args = ["o.event_id = ?"], [event_id]
        if after is not None:
            where.append("(o.created_at, o.id) < (?, ?)")
            args += [t2s(after[0]), after[1]]
        if payment_ref_prefix:
            where.append("substr(o.payment_ref, 1, ?) = ?")
            args += [len(payment_ref_prefix), payment_ref_prefix]  # type: ignore[list-item]
        query = search.strip()
        if query:
            pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(o.buyer_name LIKE ? ESCAPE '\\' OR o.buyer_email LIKE ? ESCAPE '\\'"
                         " OR o.id LIKE ? ESCAPE '\\'"
                         " OR EXISTS (SELECT 1 FROM tickets t WHERE t.order_id = o.id AND t.id LIKE ? ESCAPE '\\'))")
            args += [pattern] * 4
        db = self._db()
        rows = db.execute(f"SELECT o.* FROM orders o WHERE {' AND '.join(where)}"
                          " ORDER BY o.created_at DESC, o.id DESC LIMIT ?", (*args, max(limit, 0))).fetchall()
        return self._with_tickets(db, rows)

    @staticmethod
    def _with_tickets(db: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[Order]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        tickets: dict[str, list[Ticket]] = defaultdict(list)
        for ticket in db.execute(f"SELECT * FROM tickets WHERE order_id IN ({','.join('?' * len(ids))}) ORDER BY rowid",
                                 ids):
            tickets[ticket["order_id"]].append(ticket_from(ticket))
        return [order_from(row, tickets[row["id"]]) for row in rows]
