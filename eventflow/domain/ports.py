"""Interfaces the domain needs from the outside world; adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from eventflow.domain.access_codes import AccessCodeStore
from eventflow.domain.attendees import AttendeeStore
from eventflow.domain.discovery import DiscoveryStore
from eventflow.domain.door_pace import DoorPaceFigures
from eventflow.domain.event_changes import EventChange
from eventflow.domain.flyers import FlyerStore
from eventflow.domain.follows import FollowStore
from eventflow.domain.models import (
    CheckIn,
    DoubleAdmission,
    Event,
    Order,
    Organizer,
    Reservation,
    ReservationStatus,
    StaffAccess,
    Ticket,
    Tier,
    TierCount,
)
from eventflow.domain.my_tickets import MyTicketsStore
from eventflow.domain.outbox import OutboxStore
from eventflow.domain.payments.dispute_store import DisputeStore
from eventflow.domain.payments.records import ConnectedAccount, Payment, PaymentState, Refund, RefundStatus
from eventflow.domain.sale_settings import SaleSettingsStore
from eventflow.domain.sales_stats import RECENT_ADMISSIONS, DoorSummary, SalesSummary
from eventflow.domain.traffic import TrafficStore
from eventflow.domain.transfers import TransferStore
from eventflow.domain.waiting_room import WaitingRoomStore


class Store(AccessCodeStore, TrafficStore, AttendeeStore, SaleSettingsStore, WaitingRoomStore, TransferStore,
            MyTicketsStore, Protocol):
    """Persistence of everything but payments: this docstring and the methods' are the specification
    every implementation meets (SQLite, DynamoDB, the tests' in-memory fake), checked by the contract
    suite in tests/store/test_contract.py.

    Inventory: the rule `held + sold <= capacity` lives in exactly one place per implementation;
    `reserve`, `release` and `confirm` are its only writers of held/sold (with
    `PaymentStore.finish_refund`). Every write is atomic: it happens entirely or not at all.

    Unknown ids: `get_*` and `find_*` return None; `list_*` return []; `tier_counts` maps an
    unknown event to []. Writes to a record that does not exist are told apart below, per method;
    the rule of thumb: `save_*` and `set_*` do nothing (they never create), `add_*` of a child
    whose parent is missing raises NotFound.

    Listings are totally ordered, ties broken by id, so every implementation returns the same
    sequence (each method says its order). Instants go in as aware datetimes and come back in UTC,
    to the microsecond.

    Domain errors carry their message from `eventflow.domain.errors`; a store adds none of its own.
    """

    # True when every call finishes in well under a millisecond with no network round trip
    # (embedded SQLite): an event loop may then call the store directly, because handing the call
    # to a worker thread costs more than the call itself. False for a networked store (DynamoDB),
    # whose calls must not stall the loop.
    inline_safe: bool

    def transaction_batch(self) -> AbstractContextManager[None]:
        """Group commit: the calling thread's writes inside the block may share one transaction that
        commits at the block's end (SQLite), each write still all-or-nothing on its own, its errors
        raised as usual. Nothing written inside counts as durable before the block has exited; where
        the transaction is shared, an exception escaping the block undoes every write made in it.
        A store without a shared transaction (DynamoDB, the fake) makes each write on its own: there
        the block changes nothing."""
        ...

    # organizers
    def add_organizer(self, organizer: Organizer) -> None:
        """Store a new organizer; EmailTaken when the (lower-cased) email already has an account."""

    def get_organizer(self, organizer_id: str) -> Organizer | None: ...

    def find_organizer_by_email(self, email: str) -> Organizer | None: ...

    def save_organizer(self, organizer: Organizer) -> None:
        """Overwrite name, password hash, 2FA secret, recovery codes and session epoch (never id,
        email or created_at). No such organizer: nothing happens."""

    def set_organizer_language(self, organizer_id: str, language: str | None) -> None:
        """Write only the organizer's language (their mails'; `save_organizer` never touches it, so a
        login's language and a password change cannot undo each other). No such organizer: nothing."""

    def add_identity(self, identity: str, organizer_id: str) -> None:
        """Link an external login (`issuer|subject`) to an organizer. LoginTaken when the login is
        linked already (to anyone); OrganizerNotFound when there is no such organizer."""

    def find_organizer_by_identity(self, identity: str) -> Organizer | None: ...

    # events and tiers
    def add_event(self, event: Event) -> None:
        """Store a new event; SlugTaken when its slug (or id) is taken."""

    def save_event(self, event: Event) -> None:
        """Overwrite an event's fields, slug and status included (never its tiers or inventory).
        SlugTaken when the new slug belongs to another event. No such event: nothing happens."""

    def get_event(self, event_id: str) -> Event | None: ...

    def find_event_by_slug(self, slug: str) -> Event | None: ...

    def list_events(self, organizer_id: str) -> list[Event]:
        """The organizer's events, any status, ordered by (starts_at, id)."""

    def list_published_events(self) -> list[Event]:
        """Every published event, ordered by (starts_at, id)."""

    def list_upcoming_published(
        self, now: datetime, limit: int, after: tuple[datetime, str] | None = None
    ) -> list[Event]:
        """One page of the home page's listing: published events that have not ended
        (`ends_at > now`), ordered by (starts_at, id) — id breaks ties between events starting
        at the same instant, so the order is total and stable. Keyset-paged: with `after` =
        (starts_at, id) of the previous page's last event, only events strictly after that key
        come back; at most `limit` of them (limit >= 1). Paging from `after=None` until a page is
        shorter than `limit` returns every such event exactly once (as long as none is edited
        meanwhile). Reads an index from the cursor on (passing over published events that already
        ended), stopping once the page is full: never every event."""

    def add_tier(self, tier: Tier) -> None:
        """Store a new tier with nothing held or sold (whatever `tier.held` / `tier.sold` say).
        EventNotFound when its event does not exist; TierExists when its id does."""

    def update_tier(self, tier: Tier) -> Tier:
        """Save an edited tier (name, price, capacity, limits, window, hidden, position).

        Conditional on `tier.version` still being the stored version (else StaleCatalog; also
        when there is no such tier) and on the new capacity covering held + sold (else
        CapacityBelowSold.of_tier); held/sold are never taken from the argument. Returns the
        stored tier with its version bumped."""

    def get_tiers(self, event_id: str) -> list[Tier]:
        """Tiers of one event in display order, (position, id), with live held/sold."""

    def delete_tier(self, event_id: str, tier_id: str) -> None:
        """Remove a tier of which nothing is held or sold, in one conditional write: TierHasSales
        (nothing changes) when a hold or sale got there first. No such tier: nothing happens."""

    def delete_event(self, event_id: str) -> None:
        """Remove a draft event that has no tiers left (delete them first), freeing its slug:
        EventNotDeletable (nothing changes) when it is not a draft or still has tiers. No such
        event: nothing happens."""

    def tier_counts(self, event_ids: Sequence[str]) -> dict[str, list[TierCount]]:
        """Live counts of many events in one batched read (for the availability poller): every
        asked id is a key, its tiers in (position, id) order, [] for an unknown event."""

    # inventory
    def reserve(self, reservation: Reservation) -> tuple[Reservation, bool]:
        """Hold every line or none, atomically and conditionally on capacity.

        Returns (reservation, created). If a reservation with this id already exists it is
        returned unchanged with created=False (idempotent retry), whatever else changed since.
        Otherwise, checked in this order: NotOnSale when the event is not published (or does
        not exist); then per line, in line order, StaleCatalog when the tier is gone or its
        version is not the line's `tier_version`, SoldOut (naming that tier) when it does not
        fit; then, for a reservation with an access `code`, in the same atomic write: StaleCatalog
        when the code is gone or not at `code.version`, CodeUsedUp when its uses + `code.uses` would
        pass `code.max_uses` (domain/access_codes.py). Without a code, no code is read or written."""

    def exchange_buyer_hold(self, event_id: str, buyer_key: str, reservation_id: str) -> str | None:
        """Record `reservation_id` as the buyer's standing hold for the event and return the one it
        replaces (None: none), atomically: of concurrent exchanges each gets a distinct previous
        value (domain/buyer_limits.py releases it)."""

    def buyer_hold(self, event_id: str, buyer_key: str) -> str | None:
        """The buyer's standing hold for the event as last exchanged, or None."""

    def get_reservation(self, reservation_id: str) -> Reservation | None: ...

    def release(
        self, reservation_id: str, status: ReservationStatus, now: datetime
    ) -> Reservation | None:
        """Close a held reservation as CANCELLED or EXPIRED (ValueError for any other status) and
        give its tickets back.

        Exactly once: returns the closed reservation to the one caller that released it, None to
        everyone else (no such reservation, already closed, or for EXPIRED: not yet due at `now`).
        A reservation's access-code uses are given back in the same write."""

    def confirm(self, reservation_id: str, order: Order, now: datetime) -> tuple[Order, bool]:
        """Turn the hold into sold tickets and store the order, atomically; idempotent.

        Returns (order, created); when the reservation was already confirmed returns its
        existing order with created=False. A reservation released in the meantime (late
        payment) is confirmed only if capacity still allows, else SoldOut. KeyError when there
        is no such reservation (callers confirm only reservations they read). With an access code,
        in the same write: its confirmed uses, tickets, revenue (line subtotals) and discount grow;
        a late payment takes its uses again only within `max_uses`, else SoldOut (refunded like one)."""

    def expired_reservation_ids(self, now: datetime, limit: int = 500) -> list[str]:
        """Held reservations whose hold ended at or before `now`, ordered by (expires_at, id), at
        most `limit`."""

    def release_expired(self, now: datetime, limit: int = 500) -> list[Reservation]:
        """The reaper's batch: close up to `limit` held reservations whose hold ended at or before
        `now` as EXPIRED, earliest (expires_at, id) first, and give their tickets back.

        Returns the reservations this call closed (status EXPIRED, closed_at = now), each exactly
        once across every concurrent caller (as `release`; access-code uses given back with it,
        summed per code): a hold another caller closed meanwhile
        is skipped, never given back twice. Fewer than `limit` returned means none were left due,
        or another caller took them; a full batch means more may be due (call again to drain)."""

    def get_order(self, order_id: str) -> Order | None:
        """The order with its tickets in issue order (as `confirm` stored them)."""

    def get_ticket(self, ticket_id: str) -> Ticket | None: ...

    def list_orders(self, event_id: str) -> list[Order]:
        """Every order of an event, oldest first: ordered by (created_at, id), each with its
        tickets in issue order."""

    def set_ticket_status(self, ticket_id: str, status: str) -> None:
        """Set a ticket's status (a `TicketStatus` value). No such ticket: nothing happens."""

    # door staff
    def add_staff(self, staff: StaffAccess) -> None:
        """Store a new staff access; StaffAccessExists when its id or token hash is taken."""

    def save_staff(self, staff: StaffAccess) -> None:
        """Overwrite label and revocation. No such staff access: nothing happens."""

    def list_staff(self, event_id: str) -> list[StaffAccess]:
        """The event's staff accesses, revoked ones included, ordered by (created_at, id)."""

    def find_staff(self, token_hash: str) -> StaffAccess | None: ...

    # door check-in
    def admit(self, checkin: CheckIn, transfers: int | None = None) -> tuple[CheckIn, bool]:
        """Record the ticket's check-in unless it has one: (the ticket's check-in, created).

        Conditional (first write wins), so two devices racing online admit one person once. With
        `transfers`, also only while the ticket's transfer count is still that (the code was judged
        against it; domain/transfers.py): else nothing is written and `(checkin, False)` comes back,
        the very record passed in, when the ticket has no check-in."""

    def list_checkins(self, event_id: str) -> list[CheckIn]:
        """The event's check-ins ordered by (scanned_at, ticket_id)."""

    def get_checkin(self, event_id: str, ticket_id: str) -> CheckIn | None:
        """The ticket's check-in (the first admission), or None: not admitted, or an unknown ticket."""

    def record_scan_result(self, nonce: str, event_id: str, result: str) -> str:
        """Remember the outcome of a scan nonce; returns the outcome stored first (idempotent sync)."""

    def add_double_admission(self, record: DoubleAdmission) -> None:
        """Idempotent per (ticket, second scan's nonce): a repeat is ignored."""

    def list_double_admissions(self, event_id: str) -> list[DoubleAdmission]:
        """The event's double admissions ordered by (ticket_id, second scan's nonce)."""

    # the organizer dashboard's figures, kept up to date by the writes they count (domain/sales_stats.py)
    def sales_summary(self, event_id: str, since: datetime | None = None) -> SalesSummary:
        """The event's sales aggregates, equal to `sales_summary_of(list_orders(event_id), since)` whenever
        every voided ticket was voided by a refund that then finished SUCCEEDED: `confirm` adds the order
        and its tickets, `finish_refund` (SUCCEEDED) takes out the refund's tickets, in the same atomic
        write. Totals are complete; hourly buckets only from the hour `since` on. Reads aggregates, never
        the orders: per tier totals, plus the buckets asked for. Unknown event: empty."""

    def door_summary(self, event_id: str, recent: int = RECENT_ADMISSIONS,
                     since: datetime | None = None) -> DoorSummary:
        """Admissions per tier and per 5-minute slot from the slot `since` on (counted by `admit` when it
        records a first check-in) and the `recent` latest check-ins, newest first, with their holders'
        names: equal to `door_summary_of` over `list_checkins`. Reads at most `recent` check-ins."""

    def door_pace(self, event_id: str) -> DoorPaceFigures:
        """The door's pace aggregates (domain/door_pace.py), kept by `admit` in the write of each first
        check-in: equal to `pace_of` over the event's first check-ins in the order they were recorded."""

    def orders_page(
        self, event_id: str, after: tuple[datetime, str] | None, limit: int, search: str = "",
        payment_ref_prefix: str = "",
    ) -> list[Order]:
        """One page of the event's orders, newest first: ordered by (created_at, id) descending, keyset-paged
        (`after` = (created_at, id) of the previous page's last order: only orders strictly before it), at
        most `limit`, each with its tickets in issue order. `search` keeps orders whose buyer name or email,
        order id or a ticket id contains it (any case); `payment_ref_prefix` those whose payment reference
        starts with it. Without a search, reads the page from an index, never every order."""

    # cancellations and postponements: the batch that settles every order (domain/cancellation.py)
    def save_event_change(self, change: EventChange) -> None:
        """Insert or overwrite the event's change: one per event (keyed by event id), the latest wins."""

    def get_event_change(self, event_id: str) -> EventChange | None: ...

    def unfinished_event_changes(self, limit: int = 100) -> list[EventChange]:
        """Changes whose batch is unfinished (`finished_at` None), ordered by (created_at, event_id), at
        most `limit`; read from an index of unfinished ones, never every event."""

    def ping(self) -> None:
        """Raise if the store does not answer."""

    def close(self) -> None:
        """Release connections; the store is not used afterwards."""


class AvailabilityListener(Protocol):
    """Told after every change to an event's inventory; fans the new counts out to live pages."""

    def availability_changed(self, event_id: str) -> None: ...


class NoListener:
    def availability_changed(self, event_id: str) -> None:
        return None


class PaymentGateway(Protocol):
    """Takes the buyer's money for a reservation (Stripe, or the built-in demo provider)."""

    name: str
    test_mode: bool

    def start_payment(self, reservation: Reservation, event: Event) -> str:
        """Prepare payment and return the URL the buyer is sent to; idempotent per reservation."""
        ...


class TicketMailer(Protocol):
    """Delivers an order's tickets to the buyer."""

    def send_tickets(self, order: Order, event: Event, paid_minor: int | None = None) -> None:
        """`paid_minor`: what the card was charged when it differs from the order's total (a
        passed-on "Payment processing" line, domain/processing_fees.py)."""


# ---------------------------------------------------------------------- payments
class PaymentStore(Protocol):
    """What card payments persist (Stripe Connect), next to `Store` on the same object and under
    the same conventions (unknown ids, ordering, atomic writes; see `Store`), checked by
    tests/store/test_contract_payments.py.

    Besides `reserve` / `release` / `confirm`, `finish_refund` is the one other writer of `sold`:
    a succeeded refund that restocks gives its tickets back to sale, exactly once."""

    # connected accounts
    def save_connected_account(self, account: ConnectedAccount) -> None:
        """Insert or overwrite the organizer's account (one per organizer)."""

    def get_connected_account(self, organizer_id: str) -> ConnectedAccount | None: ...

    def find_connected_account(self, account_id: str) -> ConnectedAccount | None: ...

    # one payment per reservation
    def add_payment(self, payment: Payment) -> tuple[Payment, bool]:
        """Store a reservation's payment unless it has one: (the stored payment, created)."""

    def get_payment(self, reservation_id: str) -> Payment | None: ...

    def find_payment_by_intent(self, payment_intent_id: str) -> Payment | None: ...

    def update_payment(self, payment: Payment) -> Payment | None:
        """Compare-and-set: overwrite if the stored version is still `payment.version`; returns
        the stored payment with its version bumped, or None when someone changed it first or
        there is no such payment (never creates one). A lease on the payment stays as it is."""

    def open_payments(
        self, hold_ended_by: datetime | None = None, limit: int = 1000, after: Payment | None = None,
        state: PaymentState = PaymentState.OPEN,
    ) -> list[Payment]:
        """Payments in `state` (OPEN or AWAITING: outcome unknown; ValueError for others), ordered
        by (hold_expires_at, reservation_id), at most `limit`; only holds that ended at or before
        `hold_ended_by` when given; `after` continues after that payment (paging)."""

    def claim_payment(self, reservation_id: str, owner: str, now: datetime, until: datetime) -> bool:
        """Lease a payment for deciding its outcome (confirm or refund): True if `owner` holds it
        until `until` (free, expired, or already its own). One decider at a time, on any instance.
        False when there is no such payment."""

    def release_payment_claim(self, reservation_id: str, owner: str) -> None:
        """Give the lease up if `owner` holds it; otherwise (or no such payment) nothing happens."""

    # webhook events
    def begin_webhook_event(self, event_id: str, event_type: str, now: datetime, until: datetime) -> bool:
        """Claim an event id for processing: True if new, or an earlier claim ran out unfinished."""

    def finish_webhook_event(self, event_id: str, now: datetime) -> None:
        """Processed: every later delivery of this id is skipped. An id never begun (or abandoned):
        nothing happens."""

    def abandon_webhook_event(self, event_id: str) -> None:
        """Processing failed: a redelivery may claim it again at once. A finished or unknown id:
        nothing happens."""

    def webhook_event_done(self, event_id: str) -> bool:
        """True once the id is finished; False while processing, abandoned or unknown."""

    # refunds
    def start_refund(self, refund: Refund) -> tuple[Refund, bool]:
        """Record a PENDING refund and claim its tickets, atomically: (stored, created). The same id
        again returns the stored refund; a ticket claimed by another refund (pending or succeeded)
        raises TicketsBeingRefunded and records nothing."""

    def finish_refund(
        self, refund_id: str, status: RefundStatus, now: datetime, stripe_refund_id: str | None = None,
        failure: str | None = None,
    ) -> Refund | None:
        """PENDING -> SUCCEEDED or FAILED (ValueError for PENDING), once: returns the finished refund
        to the one caller that finished it, None to everyone else and for an unknown id. SUCCEEDED
        with `restock` gives its tickets back to sale (sold -= n per tier) in the same atomic write;
        FAILED frees its tickets for another refund."""

    def get_refund(self, refund_id: str) -> Refund | None: ...

    def list_refunds(self, event_id: str) -> list[Refund]:
        """Every refund of an event, any status, oldest first: ordered by (created_at, id)."""

    def pending_refunds(self, limit: int = 500) -> list[Refund]:
        """PENDING refunds of every event, ordered by (created_at, id), at most `limit`."""

    # jobs shared by instances
    def acquire_lease(self, name: str, owner: str, now: datetime, until: datetime) -> bool:
        """A named lease (e.g. the reconciliation pass): True if `owner` holds it until `until`
        (free, expired at `now`, or already its own)."""


class StoreWithPayments(Store, PaymentStore, OutboxStore, DisputeStore, FlyerStore, DiscoveryStore, FollowStore,
                        Protocol):
    """The ports on one object, as every backend provides them (the outbox's: domain/outbox.py):
    what `open_store` returns."""


class PaidSalesGate(Protocol):
    """Whether an organizer's paid tiers may go on sale (card payments set up); raises if not."""

    def require_paid_sales_allowed(self, organizer_id: str) -> None: ...
