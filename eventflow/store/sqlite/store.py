"""The embedded default store: one SQLite file in WAL mode.

`SqliteStore` is the `Store` and `PaymentStore` ports on one file. Its parts:

    database.py   the schema, per-thread connections and `BEGIN IMMEDIATE` write transactions
    rows.py       the row codec: domain records <-> rows
    store.py      this module: organizers, events and tiers, the door, and the assembled store
    inventory.py  holds, release, confirm, orders and tickets (the only writers of held/sold)
    payments.py   connected accounts, payments, webhook ids, refunds, leases
    sales_stats.py  the dashboard's aggregates (sales per tier and hour, admissions) and order pages
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from eventflow.domain.errors import (
    CapacityBelowSold,
    EmailTaken,
    EventNotFound,
    LoginTaken,
    OrganizerNotFound,
    SlugTaken,
    StaffAccessExists,
    StaleCatalog,
    TierExists,
)
from eventflow.domain.models import CheckIn, DoubleAdmission, Event, Organizer, StaffAccess, Tier, TierCount
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.sqlite.access_codes import ACCESS_CODES_SCHEMA, SqliteAccessCodesMixin
from eventflow.store.sqlite.attendees import ATTENDEES_SCHEMA, SqliteAttendeesMixin
from eventflow.store.sqlite.cancellations import CANCELLATIONS_SCHEMA, SqliteCancellationsMixin
from eventflow.store.sqlite.daily_exports import SqliteDailyExportsMixin
from eventflow.store.sqlite.database import SCHEMA
from eventflow.store.sqlite.deletions import SqliteDeletionsMixin
from eventflow.store.sqlite.discovery import DISCOVERY_SCHEMA, SqliteDiscoveryMixin
from eventflow.store.sqlite.disputes import DISPUTES_SCHEMA, SqliteDisputesMixin
from eventflow.store.sqlite.door_pace import SqliteDoorPaceMixin
from eventflow.store.sqlite.flyers import FLYERS_SCHEMA, SqliteFlyersMixin
from eventflow.store.sqlite.inventory import BUYER_HOLDS_SCHEMA, SqliteInventoryMixin
from eventflow.store.sqlite.my_tickets import SqliteMyTicketsMixin
from eventflow.store.sqlite.outbox import OUTBOX_SCHEMA, SqliteOutboxMixin
from eventflow.store.sqlite.payments import PAYMENTS_SCHEMA, SqlitePaymentsMixin
from eventflow.store.sqlite.rows import (
    checkin_from,
    checkin_row,
    double_admission_from,
    double_admission_row,
    event_from,
    event_row,
    organizer_from,
    organizer_row,
    staff_from,
    staff_row,
    tier_from,
    tier_row,
)
from eventflow.store.sqlite.sales_stats import SqliteSalesStatsMixin, count_admission
from eventflow.store.sqlite.suggestion_dismissals import SqliteSuggestionDismissalsMixin
from eventflow.store.sqlite.traffic import TRAFFIC_SCHEMA, SqliteTrafficMixin
from eventflow.store.sqlite.transfers import SqliteTransfersMixin
from eventflow.store.sqlite.waiting_room import WAITING_ROOM_SCHEMA, SqliteWaitingRoomMixin
from eventflow.store.sqlite.waitlist import WAITLIST_SCHEMA, SqliteWaitlistMixin


class SqliteStore(SqliteInventoryMixin, SqlitePaymentsMixin, SqliteOutboxMixin, SqliteSalesStatsMixin,
                  SqliteCancellationsMixin, SqliteDisputesMixin, SqliteFlyersMixin, SqliteDiscoveryMixin,
                  SqliteAccessCodesMixin, SqliteDeletionsMixin, SqliteTrafficMixin, SqliteAttendeesMixin,
                  SqliteWaitingRoomMixin, SqliteWaitlistMixin, SqliteTransfersMixin, SqliteDailyExportsMixin,
                  SqliteMyTicketsMixin, SqliteSuggestionDismissalsMixin,
                  SqliteDoorPaceMixin):
    """`Store` and `PaymentStore` on one SQLite file (created with its schema on first open)."""

    inline_safe = True  # a reserve is ~0.1 ms of local work; see Store.inline_safe

    def __init__(self, path: Path | str, busy_timeout_ms: int = 60_000) -> None:
        super().__init__(path, busy_timeout_ms)
        self._db().executescript(SCHEMA + PAYMENTS_SCHEMA + OUTBOX_SCHEMA + CANCELLATIONS_SCHEMA + DISPUTES_SCHEMA
                                 + FLYERS_SCHEMA + DISCOVERY_SCHEMA + ACCESS_CODES_SCHEMA + BUYER_HOLDS_SCHEMA
                                 + TRAFFIC_SCHEMA + ATTENDEES_SCHEMA + WAITING_ROOM_SCHEMA
                                 + WAITLIST_SCHEMA)
        self.add_missing_column("organizers", "totp_last_step", "INTEGER NOT NULL DEFAULT 0")
        self.add_missing_column("reservations", "request_fingerprint", "TEXT")
        self.add_missing_column("reservations", "code", "TEXT")
        self.add_missing_column("checkins", "received_at", "TEXT")
        self.add_missing_column("payments", "processing_minor", "INTEGER NOT NULL DEFAULT 0")
        self.add_missing_column("connected_accounts", "country", "TEXT")
        self.add_missing_column("tickets", "holder_email", "TEXT NOT NULL DEFAULT ''")  # issue 17
        self.add_missing_column("reservations", "buyer_language", "TEXT")  # the buyer's mails' language
        self.add_missing_column("orders", "buyer_language", "TEXT")
        self.add_missing_column("follows", "language", "TEXT")  # a follower's mails' language
        self.add_missing_column("organizers", "language", "TEXT")  # the organizer's mails' language
        self.prepare_sales_stats()
        self.prepare_door_pace()  # issue 18: the door's pace per minute and device
        self.prepare_transfers()  # issue 17: ticket transfers
        self.prepare_my_tickets()  # issue 17: My tickets index, sign-in links, pass settings
        self.prepare_suggestion_dismissals()  # issue 18: dismissed pricing suggestions

    # ---------------------------------------------------------------- organizers
    def add_organizer(self, organizer: Organizer) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO organizers (id, email, name, password_hash, created_at, totp_secret,"
                           " recovery_code_hashes, session_epoch, totp_last_step, language)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", organizer_row(organizer))
        except sqlite3.IntegrityError:
            raise EmailTaken() from None

    def get_organizer(self, organizer_id: str) -> Organizer | None:
        row = self._db().execute("SELECT * FROM organizers WHERE id = ?", (organizer_id,)).fetchone()
        return organizer_from(row) if row else None

    def find_organizer_by_email(self, email: str) -> Organizer | None:
        row = self._db().execute("SELECT * FROM organizers WHERE email = ?", (email,)).fetchone()
        return organizer_from(row) if row else None

    def save_organizer(self, organizer: Organizer) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE organizers SET name = ?, password_hash = ?, totp_secret = ?,"
                " recovery_code_hashes = ?, session_epoch = ?, totp_last_step = ? WHERE id = ?",
                (organizer.name, organizer.password_hash, organizer.totp_secret,
                 json.dumps(list(organizer.recovery_code_hashes)), organizer.session_epoch,
                 organizer.totp_last_step, organizer.id),
            )

    def set_organizer_language(self, organizer_id: str, language: str | None) -> None:
        with self._write() as db:
            db.execute("UPDATE organizers SET language = ? WHERE id = ?", (language, organizer_id))

    def add_identity(self, identity: str, organizer_id: str) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO identities VALUES (?, ?)", (identity, organizer_id))
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise OrganizerNotFound() from None
            raise LoginTaken() from None

    def find_organizer_by_identity(self, identity: str) -> Organizer | None:
        row = self._db().execute(
            "SELECT organizers.* FROM identities JOIN organizers ON organizers.id = identities.organizer_id"
            " WHERE identity = ?",
            (identity,),
        ).fetchone()
        return organizer_from(row) if row else None

    # ---------------------------------------------------------------- events and tiers
    def add_event(self, event: Event) -> None:
        try:
            with self._write() as db:
                db.execute(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    event_row(event),
                )
        except sqlite3.IntegrityError:
            raise SlugTaken() from None

    def save_event(self, event: Event) -> None:
        row = event_row(event)
        try:
            with self._write() as db:
                db.execute(
                    "UPDATE events SET organizer_id=?, slug=?, title=?, starts_at=?, ends_at=?,"
                    " timezone=?, venue=?, currency=?, description=?, fee_mode=?, status=?,"
                    " created_at=? WHERE id=?",
                    (*row[1:], row[0]),
                )
        except sqlite3.IntegrityError:
            raise SlugTaken() from None

    def get_event(self, event_id: str) -> Event | None:
        row = self._db().execute("SELECT * FROM events WHERE id = ?", (event_id,)).fetchone()
        return event_from(row) if row else None

    def find_event_by_slug(self, slug: str) -> Event | None:
        row = self._db().execute("SELECT * FROM events WHERE slug = ?", (slug,)).fetchone()
        return event_from(row) if row else None

    def list_events(self, organizer_id: str) -> list[Event]:
        rows = self._db().execute(
            "SELECT * FROM events WHERE organizer_id = ? ORDER BY starts_at, id", (organizer_id,)
        )
        return [event_from(row) for row in rows]

    def list_published_events(self) -> list[Event]:
        rows = self._db().execute("SELECT * FROM events WHERE status = 'published' ORDER BY starts_at, id")
        return [event_from(row) for row in rows]

    def list_upcoming_published(
        self, now: datetime, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[Event]:
        # Row-value comparison walks the partial index `published_events_by_start` from the cursor.
        start, after_id = (t2s(after[0]), after[1]) if after else ("", "")
        rows = self._db().execute(
            "SELECT * FROM events"
            " WHERE status = 'published' AND (starts_at, id) > (?, ?) AND ends_at > ?"
            " ORDER BY starts_at, id LIMIT ?",
            (start, after_id, t2s(now), max(limit, 1)),
        )
        return [event_from(row) for row in rows]

    def add_tier(self, tier: Tier) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO tiers (id, event_id, name, price_minor, capacity, max_per_order,"
                           " sales_start, sales_end, hidden, position, version)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", tier_row(tier))
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise EventNotFound() from None
            raise TierExists() from None

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
                raise CapacityBelowSold.of_tier(tier.name, row["held"], row["sold"])
        return tier_from(row)

    def get_tiers(self, event_id: str) -> list[Tier]:
        rows = self._db().execute(
            "SELECT * FROM tiers WHERE event_id = ? ORDER BY position, id", (event_id,)
        )
        return [tier_from(row) for row in rows]

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

    # ---------------------------------------------------------------- door check-in
    def admit(self, checkin: CheckIn, transfers: int | None = None) -> tuple[CheckIn, bool]:
        # With `transfers`: only while the ticket was not handed on meanwhile (store/sqlite/transfers.py).
        still = "" if transfers is None else " WHERE EXISTS (SELECT 1 FROM tickets WHERE id = ? AND transfers = ?)"
        with self._write() as db:
            created = db.execute(
                "INSERT OR IGNORE INTO checkins"
                " (ticket_id, event_id, device_id, scanned_at, nonce, offline, received_at)"
                " SELECT ?, ?, ?, ?, ?, ?, ?" + still,
                checkin_row(checkin) + (() if transfers is None else (checkin.ticket_id, transfers)),
            ).rowcount == 1
            count_admission(db, checkin, created)
            row = db.execute("SELECT * FROM checkins WHERE ticket_id = ?", (checkin.ticket_id,)).fetchone()
        return (checkin_from(row), created) if row is not None else (checkin, False)

    def list_checkins(self, event_id: str) -> list[CheckIn]:
        rows = self._db().execute(
            "SELECT * FROM checkins WHERE event_id = ? ORDER BY scanned_at, ticket_id", (event_id,)
        )
        return [checkin_from(row) for row in rows]

    def get_checkin(self, event_id: str, ticket_id: str) -> CheckIn | None:
        row = self._db().execute(
            "SELECT * FROM checkins WHERE ticket_id = ? AND event_id = ?", (ticket_id, event_id)
        ).fetchone()
        return checkin_from(row) if row is not None else None

    def record_scan_result(self, nonce: str, event_id: str, result: str) -> str:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO scan_results VALUES (?, ?, ?)", (nonce, event_id, result))
            row = db.execute("SELECT result FROM scan_results WHERE nonce = ?", (nonce,)).fetchone()
        return str(row["result"])

    def add_double_admission(self, record: DoubleAdmission) -> None:
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO double_admissions VALUES (?, ?, ?, ?, ?)", double_admission_row(record))

    def list_double_admissions(self, event_id: str) -> list[DoubleAdmission]:
        rows = self._db().execute(
            "SELECT * FROM double_admissions WHERE event_id = ? ORDER BY ticket_id, second_nonce", (event_id,)
        )
        return [double_admission_from(row) for row in rows]

    # ---------------------------------------------------------------- door staff
    def add_staff(self, staff: StaffAccess) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO staff VALUES (?, ?, ?, ?, ?, ?)", staff_row(staff))
        except sqlite3.IntegrityError:
            raise StaffAccessExists() from None

    def save_staff(self, staff: StaffAccess) -> None:
        with self._write() as db:
            db.execute("UPDATE staff SET label = ?, revoked_at = ? WHERE id = ?",
                       (staff.label, t2s(staff.revoked_at), staff.id))

    def list_staff(self, event_id: str) -> list[StaffAccess]:
        rows = self._db().execute(
            "SELECT * FROM staff WHERE event_id = ? ORDER BY created_at, id", (event_id,)
        )
        return [staff_from(row) for row in rows]

    def find_staff(self, token_hash: str) -> StaffAccess | None:
        row = self._db().execute("SELECT * FROM staff WHERE token_hash = ?", (token_hash,)).fetchone()
        return staff_from(row) if row else None


