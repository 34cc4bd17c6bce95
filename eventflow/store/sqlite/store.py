"""The embedded default store: one SQLite file in WAL mode.

Every inventory change is a conditional UPDATE inside a `BEGIN IMMEDIATE` transaction
(`... WHERE held + sold + :q <= capacity`), so concurrent threads and processes sharing the
file can never oversell; the CHECK constraint on `tiers` is a second line of defence.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

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
    ReservationStatus,
    StaffAccess,
    Ticket,
    Tier,
    TierCount,
)
from eventflow.domain.money import FeeMode
from eventflow.store.codec import checkin_from_dict, checkin_to_dict, line_from_dict, line_to_dict
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.sqlite.payments import PAYMENTS_SCHEMA, SqlitePaymentsMixin

SCHEMA = """
CREATE TABLE IF NOT EXISTS organizers (
    id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    password_hash TEXT NOT NULL, created_at TEXT NOT NULL, totp_secret TEXT,
    recovery_code_hashes TEXT NOT NULL DEFAULT '[]', session_epoch INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS identities (
    identity TEXT PRIMARY KEY, organizer_id TEXT NOT NULL REFERENCES organizers (id)
);
CREATE TABLE IF NOT EXISTS staff (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL, label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS staff_by_event ON staff (event_id, created_at);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, organizer_id TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL, starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, timezone TEXT NOT NULL,
    venue TEXT NOT NULL, currency TEXT NOT NULL, description TEXT NOT NULL,
    fee_mode TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_organizer ON events (organizer_id, created_at);
CREATE TABLE IF NOT EXISTS tiers (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL REFERENCES events (id), name TEXT NOT NULL,
    price_minor INTEGER NOT NULL, capacity INTEGER NOT NULL, max_per_order INTEGER NOT NULL,
    sales_start TEXT, sales_end TEXT, hidden INTEGER NOT NULL, position INTEGER NOT NULL,
    held INTEGER NOT NULL DEFAULT 0, sold INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    CHECK (held >= 0 AND sold >= 0 AND held + sold <= capacity)
);
CREATE INDEX IF NOT EXISTS tiers_by_event ON tiers (event_id, position);
CREATE TABLE IF NOT EXISTS reservations (
    id TEXT PRIMARY KEY, event_id TEXT NOT NULL, lines TEXT NOT NULL,
    buyer_email TEXT NOT NULL, buyer_name TEXT NOT NULL, currency TEXT NOT NULL,
    fee_mode TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, idempotency_key TEXT, order_id TEXT, closed_at TEXT
);
CREATE INDEX IF NOT EXISTS holds_by_expiry ON reservations (expires_at) WHERE status = 'held';
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, reservation_id TEXT NOT NULL UNIQUE, event_id TEXT NOT NULL,
    buyer_email TEXT NOT NULL, buyer_name TEXT NOT NULL, currency TEXT NOT NULL,
    subtotal_minor INTEGER NOT NULL, fee_minor INTEGER NOT NULL, total_minor INTEGER NOT NULL,
    created_at TEXT NOT NULL, payment_ref TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders (id), event_id TEXT NOT NULL,
    tier_id TEXT NOT NULL, holder_name TEXT NOT NULL, access_key TEXT NOT NULL,
    secret TEXT NOT NULL, status TEXT NOT NULL,
    price_minor INTEGER NOT NULL DEFAULT 0, fee_minor INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tickets_by_order ON tickets (order_id);
CREATE INDEX IF NOT EXISTS tickets_by_event ON tickets (event_id);
CREATE INDEX IF NOT EXISTS orders_by_event ON orders (event_id, created_at);
CREATE TABLE IF NOT EXISTS checkins (
    ticket_id TEXT PRIMARY KEY, event_id TEXT NOT NULL, device_id TEXT NOT NULL,
    scanned_at TEXT NOT NULL, nonce TEXT NOT NULL, offline INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS checkins_by_event ON checkins (event_id, scanned_at);
CREATE TABLE IF NOT EXISTS scan_results (
    nonce TEXT PRIMARY KEY, event_id TEXT NOT NULL, result TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS double_admissions (
    ticket_id TEXT NOT NULL, second_nonce TEXT NOT NULL, event_id TEXT NOT NULL,
    first TEXT NOT NULL, second TEXT NOT NULL, PRIMARY KEY (ticket_id, second_nonce)
);
CREATE INDEX IF NOT EXISTS double_admissions_by_event ON double_admissions (event_id);
"""


class SqliteStore(SqlitePaymentsMixin):
    inline_safe = True  # a reserve is ~0.1 ms of local work; see Store.inline_safe

    def __init__(self, path: Path | str, busy_timeout_ms: int = 60_000) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._db().executescript(SCHEMA + PAYMENTS_SCHEMA)

    # ---------------------------------------------------------------- connections
    def _db(self) -> sqlite3.Connection:
        """One connection per thread; sqlite3 connections must not be shared across threads."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA foreign_keys = ON")
            self._local.db = db
            with self._connections_lock:
                self._connections.append(db)
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the database's write lock up front (no upgrade
        deadlocks between readers turning writers), committed on success, rolled back on error."""
        db = self._db()
        # Threads of this process queue on a lock instead of SQLite's sleep-and-retry on the file
        # lock, which left the losers sleeping and made a long latency tail (other processes still
        # wait on the file lock through busy_timeout).
        with self._write_lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def ping(self) -> None:
        self._db().execute("SELECT 1").fetchone()

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                with suppress(sqlite3.ProgrammingError):
                    db.close()
            self._connections.clear()
        self._local = threading.local()

    # ---------------------------------------------------------------- organizers
    def add_organizer(self, organizer: Organizer) -> None:
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO organizers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (organizer.id, organizer.email, organizer.name, organizer.password_hash,
                     t2s(organizer.created_at), organizer.totp_secret,
                     json.dumps(list(organizer.recovery_code_hashes)), organizer.session_epoch),
                )
        except sqlite3.IntegrityError:
            raise EmailTaken() from None

    def get_organizer(self, organizer_id: str) -> Organizer | None:
        row = self._db().execute("SELECT * FROM organizers WHERE id = ?", (organizer_id,)).fetchone()
        return _organizer(row) if row else None

    def find_organizer_by_email(self, email: str) -> Organizer | None:
        row = self._db().execute("SELECT * FROM organizers WHERE email = ?", (email,)).fetchone()
        return _organizer(row) if row else None

    def save_organizer(self, organizer: Organizer) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE organizers SET name = ?, password_hash = ?, totp_secret = ?,"
                " recovery_code_hashes = ?, session_epoch = ? WHERE id = ?",
                (organizer.name, organizer.password_hash, organizer.totp_secret,
                 json.dumps(list(organizer.recovery_code_hashes)), organizer.session_epoch, organizer.id),
            )

    def add_identity(self, identity: str, organizer_id: str) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO identities VALUES (?, ?)", (identity, organizer_id))
        except sqlite3.IntegrityError:
            raise Conflict("This login is already linked to an account") from None

    def find_organizer_by_identity(self, identity: str) -> Organizer | None:
        row = self._db().execute(
            "SELECT organizers.* FROM identities JOIN organizers ON organizers.id = identities.organizer_id"
            " WHERE identity = ?",
            (identity,),
        ).fetchone()
        return _organizer(row) if row else None

    # ---------------------------------------------------------------- events and tiers
    def add_event(self, event: Event) -> None:
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    _event_row(event),
                )
        except sqlite3.IntegrityError:
            raise Conflict("This event address is taken") from None

    def save_event(self, event: Event) -> None:
        row = _event_row(event)
        try:
            with self._write() as db:
                db.execute(
                    "UPDATE events SET organizer_id=?, slug=?, title=?, starts_at=?, ends_at=?,"
                    " timezone=?, venue=?, currency=?, description=?, fee_mode=?, status=?,"
                    " created_at=? WHERE id=?",
                    (*row[1:], row[0]),
                )
        except sqlite3.IntegrityError:
            raise Conflict("This event address is taken") from None

    def get_event(self, event_id: str) -> Event | None:
        row = self._db().execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        return _event(row) if row else None

    def find_event_by_slug(self, slug: str) -> Event | None:
        row = self._db().execute("SELECT * FROM events WHERE slug = ?", (slug,)).fetchone()
        return _event(row) if row else None

    def list_events(self, organizer_id: str) -> list[Event]:
        rows = self._db().execute(
            "SELECT * FROM events WHERE organizer_id = ? ORDER BY starts_at", (organizer_id,)
        )
        return [_event(row) for row in rows]

    def list_published_events(self) -> list[Event]:
        rows = self._db().execute("SELECT * FROM events WHERE status = 'published' ORDER BY starts_at")
        return [_event(row) for row in rows]

    def add_tier(self, tier: Tier) -> None:
        try:
            self._insert_tier(tier)
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise NotFound("No such event") from None
            raise Conflict(f"Tier {tier.id} already exists") from None

    def _insert_tier(self, tier: Tier) -> None:
        with self._write() as db:
            db.execute(
                "INSERT INTO tiers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
                (tier.id, tier.event_id, tier.name, tier.price_minor, tier.capacity,
                 tier.max_per_order, t2s(tier.sales_start), t2s(tier.sales_end), int(tier.hidden),
                 tier.position, tier.version),
            )

    def update_tier(self, tier: Tier) -> Tier:
        with self._write() as db:
            changed = db.execute(
                "UPDATE tiers SET name = :name, price_minor = :price, capacity = :capacity,"
                " max_per_order = :max, sales_start = :start, sales_end = :end, hidden = :hidden,"
                " position = :position, version = version + 1"
                " WHERE id = :id AND version = :version AND held + sold <= :capacity",
                {"name": tier.name, "price": tier.price_minor, "capacity": tier.capacity,
                 "max": tier.max_per_order, "start": t2s(tier.sales_start), "end": t2s(tier.sales_end),
                 "hidden": int(tier.hidden), "position": tier.position, "id": tier.id,
                 "version": tier.version},
            ).rowcount
            row = db.execute("SELECT * FROM tiers WHERE id = ?", (tier.id,)).fetchone()
            if changed != 1:
                if row is None or row["version"] != tier.version:
                    raise StaleCatalog(tier.id)
                raise CapacityBelowSold(
                    f"{tier.name}: capacity cannot go below {row['held'] + row['sold']}"
                    f" ({row['sold']} sold, {row['held']} held right now)"
                )
        return _tier(row)

    def get_tiers(self, event_id: str) -> list[Tier]:
        rows = self._db().execute(
            "SELECT * FROM tiers WHERE event_id = ? ORDER BY position, id", (event_id,)
        )
        return [_tier(row) for row in rows]

    def tier_counts(self, event_ids: Sequence[str]) -> dict[str, list[TierCount]]:
        counts: dict[str, list[TierCount]] = {event_id: [] for event_id in event_ids}
        if not event_ids:
            return counts
        marks = ",".join("?" * len(event_ids))
        rows = self._db().execute(
            f"SELECT event_id, id, capacity, held, sold FROM tiers WHERE event_id IN ({marks})"
            " ORDER BY position, id",
            tuple(event_ids),
        )
        for row in rows:
            counts[row["event_id"]].append(
                TierCount(row["id"], row["capacity"], row["held"], row["sold"])
            )
        return counts

    # ---------------------------------------------------------------- inventory
    def reserve(self, reservation: Reservation) -> tuple[Reservation, bool]:
        with self._write() as db:
            existing = db.execute(
                "SELECT * FROM reservations WHERE id = ?", (reservation.id,)
            ).fetchone()
            if existing is not None:
                return _reservation(existing), False
            event = db.execute(
                "SELECT status FROM events WHERE id = ?", (reservation.event_id,)
            ).fetchone()
            if event is None or event["status"] != EventStatus.PUBLISHED.value:
                raise NotOnSale("This event is not on sale")
            for line in reservation.lines:
                taken = db.execute(
                    "UPDATE tiers SET held = held + :q WHERE id = :tier AND event_id = :event"
                    " AND version = :version AND held + sold + :q <= capacity",
                    {"q": line.quantity, "tier": line.tier_id, "event": reservation.event_id,
                     "version": line.tier_version},
                ).rowcount
                if taken != 1:
                    self._raise_why_not(db, reservation.event_id, line.tier_id, line.tier_version)
            db.execute(
                "INSERT INTO reservations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _reservation_row(reservation),
            )
        return reservation, True

    @staticmethod
    def _raise_why_not(db: sqlite3.Connection, event_id: str, tier_id: str, version: int) -> None:
        row = db.execute(
            "SELECT version FROM tiers WHERE id = ? AND event_id = ?", (tier_id, event_id)
        ).fetchone()
        if row is None or row["version"] != version:
            raise StaleCatalog(tier_id)
        raise SoldOut("Not enough tickets left", tier_ids=(tier_id,))

    def get_reservation(self, reservation_id: str) -> Reservation | None:
        row = self._db().execute(
            "SELECT * FROM reservations WHERE id = ?", (reservation_id,)
        ).fetchone()
        return _reservation(row) if row else None

    def release(
        self, reservation_id: str, status: ReservationStatus, now: datetime
    ) -> Reservation | None:
        if status not in (ReservationStatus.CANCELLED, ReservationStatus.EXPIRED):
            raise ValueError("release closes a hold as cancelled or expired")
        due = " AND expires_at <= :now" if status is ReservationStatus.EXPIRED else ""
        with self._write() as db:
            closed = db.execute(
                "UPDATE reservations SET status = :status, closed_at = :now"
                f" WHERE id = :id AND status = 'held'{due}",
                {"status": status.value, "now": t2s(now), "id": reservation_id},
            ).rowcount
            if closed != 1:
                return None
            row = db.execute("SELECT * FROM reservations WHERE id = ?", (reservation_id,)).fetchone()
            reservation = _reservation(row)
            for line in reservation.lines:
                given_back = db.execute(
                    "UPDATE tiers SET held = held - ? WHERE id = ? AND held >= ?",
                    (line.quantity, line.tier_id, line.quantity),
                ).rowcount
                if given_back != 1:
                    raise RuntimeError(f"held count of tier {line.tier_id} is inconsistent")
        return reservation

    def confirm(self, reservation_id: str, order: Order, now: datetime) -> tuple[Order, bool]:
        with self._write() as db:
            row = db.execute("SELECT * FROM reservations WHERE id = ?", (reservation_id,)).fetchone()
            if row is None:
                raise KeyError(reservation_id)
            reservation = _reservation(row)
            if reservation.status is ReservationStatus.CONFIRMED:
                existing = self._order_in(db, reservation.order_id or "")
                if existing is None:
                    raise RuntimeError(f"reservation {reservation_id} confirmed without an order")
                return existing, False
            for line in reservation.lines:
                if reservation.status is ReservationStatus.HELD:
                    moved = db.execute(
                        "UPDATE tiers SET held = held - :q, sold = sold + :q"
                        " WHERE id = :tier AND held >= :q",
                        {"q": line.quantity, "tier": line.tier_id},
                    ).rowcount
                else:  # the hold already ended: payment is honoured only if capacity allows
                    moved = db.execute(
                        "UPDATE tiers SET sold = sold + :q"
                        " WHERE id = :tier AND held + sold + :q <= capacity",
                        {"q": line.quantity, "tier": line.tier_id},
                    ).rowcount
                if moved != 1:
                    raise SoldOut("Not enough tickets left", tier_ids=(line.tier_id,))
            db.execute(
                "UPDATE reservations SET status = 'confirmed', order_id = ?, closed_at = ?"
                " WHERE id = ?",
                (order.id, t2s(now), reservation_id),
            )
            db.execute(
                "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (order.id, order.reservation_id, order.event_id, order.buyer.email,
                 order.buyer.name, order.currency, order.subtotal_minor, order.fee_minor,
                 order.total_minor, t2s(order.created_at), order.payment_ref),
            )
            db.executemany(
                "INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(t.id, t.order_id, t.event_id, t.tier_id, t.holder_name, t.access_key, t.secret,
                  t.status, t.price_minor, t.fee_minor) for t in order.tickets],
            )
        return order, True

    def expired_reservation_ids(self, now: datetime, limit: int = 500) -> list[str]:
        rows = self._db().execute(
            "SELECT id FROM reservations WHERE status = 'held' AND expires_at <= ?"
            " ORDER BY expires_at LIMIT ?",
            (t2s(now), limit),
        )
        return [row["id"] for row in rows]

    def get_order(self, order_id: str) -> Order | None:
        return self._order_in(self._db(), order_id)

    @staticmethod
    def _order_in(db: sqlite3.Connection, order_id: str) -> Order | None:
        row = db.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
        if row is None:
            return None
        tickets = db.execute("SELECT * FROM tickets WHERE order_id = ? ORDER BY rowid", (order_id,))
        return _order(row, [_ticket(t) for t in tickets])

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        row = self._db().execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone()
        return _ticket(row) if row else None

    def list_orders(self, event_id: str) -> list[Order]:
        db = self._db()
        tickets: dict[str, list[Ticket]] = {}
        for row in db.execute("SELECT * FROM tickets WHERE event_id = ? ORDER BY rowid", (event_id,)):
            tickets.setdefault(row["order_id"], []).append(_ticket(row))
        rows = db.execute("SELECT * FROM orders WHERE event_id = ? ORDER BY created_at, id", (event_id,))
        return [_order(row, tickets.get(row["id"], [])) for row in rows]

    def set_ticket_status(self, ticket_id: str, status: str) -> None:
        with self._write() as db:
            db.execute("UPDATE tickets SET status = ? WHERE id = ?", (status, ticket_id))

    # ---------------------------------------------------------------- door check-in
    def admit(self, checkin: CheckIn) -> tuple[CheckIn, bool]:
        with self._write() as db:
            created = db.execute(
                "INSERT OR IGNORE INTO checkins VALUES (?, ?, ?, ?, ?, ?)",
                (checkin.ticket_id, checkin.event_id, checkin.device_id, t2s(checkin.scanned_at),
                 checkin.nonce, int(checkin.offline)),
            ).rowcount == 1
            row = db.execute("SELECT * FROM checkins WHERE ticket_id = ?", (checkin.ticket_id,)).fetchone()
        return _checkin(row), created

    def list_checkins(self, event_id: str) -> list[CheckIn]:
        rows = self._db().execute(
            "SELECT * FROM checkins WHERE event_id = ? ORDER BY scanned_at, ticket_id", (event_id,)
        )
        return [_checkin(row) for row in rows]

    def record_scan_result(self, nonce: str, event_id: str, result: str) -> str:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO scan_results VALUES (?, ?, ?)", (nonce, event_id, result))
            row = db.execute("SELECT result FROM scan_results WHERE nonce = ?", (nonce,)).fetchone()
        return str(row["result"])

    def add_double_admission(self, record: DoubleAdmission) -> None:
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO double_admissions VALUES (?, ?, ?, ?, ?)",
                (record.ticket_id, record.second.nonce, record.event_id,
                 json.dumps(checkin_to_dict(record.first)), json.dumps(checkin_to_dict(record.second))),
            )

    def list_double_admissions(self, event_id: str) -> list[DoubleAdmission]:
        rows = self._db().execute(
            "SELECT * FROM double_admissions WHERE event_id = ? ORDER BY ticket_id, second_nonce", (event_id,)
        )
        return [
            DoubleAdmission(row["ticket_id"], row["event_id"], checkin_from_dict(json.loads(row["first"])),
                            checkin_from_dict(json.loads(row["second"])))
            for row in rows
        ]

    # ---------------------------------------------------------------- door staff
    def add_staff(self, staff: StaffAccess) -> None:
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO staff VALUES (?, ?, ?, ?, ?, ?)",
                    (staff.id, staff.event_id, staff.label, staff.token_hash, t2s(staff.created_at),
                     t2s(staff.revoked_at)),
                )
        except sqlite3.IntegrityError:
            raise Conflict("This staff access already exists") from None

    def save_staff(self, staff: StaffAccess) -> None:
        with self._write() as db:
            db.execute("UPDATE staff SET label = ?, revoked_at = ? WHERE id = ?",
                       (staff.label, t2s(staff.revoked_at), staff.id))

    def list_staff(self, event_id: str) -> list[StaffAccess]:
        rows = self._db().execute(
            "SELECT * FROM staff WHERE event_id = ? ORDER BY created_at, id", (event_id,)
        )
        return [_staff(row) for row in rows]

    def find_staff(self, token_hash: str) -> StaffAccess | None:
        row = self._db().execute("SELECT * FROM staff WHERE token_hash = ?", (token_hash,)).fetchone()
        return _staff(row) if row else None


# -------------------------------------------------------------------- row mapping
def _organizer(row: sqlite3.Row) -> Organizer:
    return Organizer(
        id=row["id"], email=row["email"], name=row["name"], password_hash=row["password_hash"],
        created_at=s2t(row["created_at"]), totp_secret=row["totp_secret"],  # type: ignore[arg-type]
        recovery_code_hashes=tuple(json.loads(row["recovery_code_hashes"])),
        session_epoch=row["session_epoch"],
    )


def _order(row: sqlite3.Row, tickets: list[Ticket]) -> Order:
    return Order(
        id=row["id"], reservation_id=row["reservation_id"], event_id=row["event_id"],
        buyer=Buyer(row["buyer_email"], row["buyer_name"]), currency=row["currency"],
        subtotal_minor=row["subtotal_minor"], fee_minor=row["fee_minor"],
        total_minor=row["total_minor"], created_at=s2t(row["created_at"]),  # type: ignore[arg-type]
        payment_ref=row["payment_ref"], tickets=tuple(tickets),
    )


def _checkin(row: sqlite3.Row) -> CheckIn:
    return CheckIn(
        ticket_id=row["ticket_id"], event_id=row["event_id"], device_id=row["device_id"],
        scanned_at=s2t(row["scanned_at"]), nonce=row["nonce"], offline=bool(row["offline"]),  # type: ignore[arg-type]
    )


def _staff(row: sqlite3.Row) -> StaffAccess:
    return StaffAccess(
        id=row["id"], event_id=row["event_id"], label=row["label"], token_hash=row["token_hash"],
        created_at=s2t(row["created_at"]), revoked_at=s2t(row["revoked_at"]),  # type: ignore[arg-type]
    )


def _event_row(event: Event) -> tuple[Any, ...]:
    return (
        event.id, event.organizer_id, event.slug, event.title, t2s(event.starts_at),
        t2s(event.ends_at), event.timezone, event.venue, event.currency, event.description,
        event.fee_mode.value, event.status.value, t2s(event.created_at),
    )


def _event(row: sqlite3.Row) -> Event:
    return Event(
        id=row["id"], organizer_id=row["organizer_id"], slug=row["slug"], title=row["title"],
        starts_at=s2t(row["starts_at"]), ends_at=s2t(row["ends_at"]),  # type: ignore[arg-type]
        timezone=row["timezone"], venue=row["venue"], currency=row["currency"],
        description=row["description"], fee_mode=FeeMode(row["fee_mode"]),
        status=EventStatus(row["status"]), created_at=s2t(row["created_at"]),  # type: ignore[arg-type]
    )


def _tier(row: sqlite3.Row) -> Tier:
    return Tier(
        id=row["id"], event_id=row["event_id"], name=row["name"], price_minor=row["price_minor"],
        capacity=row["capacity"], max_per_order=row["max_per_order"],
        sales_start=s2t(row["sales_start"]), sales_end=s2t(row["sales_end"]),
        hidden=bool(row["hidden"]), position=row["position"], held=row["held"], sold=row["sold"],
        version=row["version"],
    )


def _reservation_row(r: Reservation) -> tuple[Any, ...]:
    return (
        r.id, r.event_id, json.dumps([line_to_dict(line) for line in r.lines]), r.buyer.email,
        r.buyer.name, r.currency, r.fee_mode.value, r.status.value, t2s(r.created_at),
        t2s(r.expires_at), r.idempotency_key, r.order_id, t2s(r.closed_at),
    )


def _reservation(row: sqlite3.Row) -> Reservation:
    return Reservation(
        id=row["id"], event_id=row["event_id"],
        lines=tuple(line_from_dict(d) for d in json.loads(row["lines"])),
        buyer=Buyer(row["buyer_email"], row["buyer_name"]), currency=row["currency"],
        fee_mode=FeeMode(row["fee_mode"]), status=ReservationStatus(row["status"]),
        created_at=s2t(row["created_at"]), expires_at=s2t(row["expires_at"]),  # type: ignore[arg-type]
        idempotency_key=row["idempotency_key"], order_id=row["order_id"],
        closed_at=s2t(row["closed_at"]),
    )


def _ticket(row: sqlite3.Row) -> Ticket:
    return Ticket(
        id=row["id"], order_id=row["order_id"], event_id=row["event_id"], tier_id=row["tier_id"],
        holder_name=row["holder_name"], access_key=row["access_key"], secret=row["secret"],
        status=row["status"], price_minor=row["price_minor"], fee_minor=row["fee_minor"],
    )
