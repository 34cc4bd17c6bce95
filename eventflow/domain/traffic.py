"""Where buyers come from: page views per source, holds and paid orders per source, without cookies or
personal data.

- **A source** is the `ref` of the link the visitor came through (`/e/{slug}?ref=instagram-story`, made
  in the dashboard) or else its standard `utm_source`; neither means `direct`. Sources are folded to
  lower case, letters, digits, `-`, `_` and `.` (`source_name`), so a link typed twice counts once.
- **First and last touch.** The event page remembers the first source it saw in the browser's
  localStorage and sends both with the hold (`Touch`); the API takes `ref` and `first_ref`. A hold
  made with a source other than `direct` keeps its `HoldSource` record (one store write); the order
  confirmed from it is counted under its last-touch source, and its first touch too (`first_orders`).
- **Views without personal data.** A unique visitor is a keyed hash of (event, IP address, user agent)
  under a random salt made per UTC day and kept in this process's memory only (`DailySalt`): the hash
  is only ever compared in memory, never stored, and when the day changes the salt and the hashes
  seen are dropped, so nothing kept can be traced back to a person, not even by the operator. The
  store holds counts per (event, source) and nothing else. Uniques are counted per process: with
  several instances behind a load balancer a visitor served by two of them counts twice.
- **Batched counts.** Views and holds are added up in memory (`Traffic.pending`) and written by
  `Traffic.flush` (app/traffic_job.py, every few seconds): one write per (event, source) that moved,
  however many views arrived; a paid order is written at once (a sale is rare and should not wait).
  A crash loses at most the views and holds of the last few seconds, never an order. Refunds are
  subtracted when read (`Traffic.figures`, domain/source_refunds.py): revenue per source is what was sold
  through it and kept.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Protocol

from eventflow.domain.clock import Clock
from eventflow.domain.models import Order, Reservation

log = logging.getLogger(__name__)

DIRECT = "direct"
MAX_SOURCE = 60
# Hashes of visitors seen today per process; past it, further views still count, uniques are capped.
MAX_VISITORS_PER_DAY = 1_000_000
ROBOT_WORDS = ("bot", "crawl", "spider", "slurp", "facebookexternalhit")


def source_name(text: str | None) -> str | None:
    """A source as it is counted: lower case, spaces as `-`, only letters, digits, `-`, `_`, `.`;
    None when nothing is left (`?ref=` empty or only symbols)."""
    if not text:
        return None
    folded = re.sub(r"[^a-z0-9._-]+", "", re.sub(r"\s+", "-", text.strip().lower()))[:MAX_SOURCE].strip("-.")
    return folded or None


def page_source(query: Mapping[str, str]) -> str:
    """The source of a page address: its `ref`, else its `utm_source`, else `direct`."""
    return source_name(query.get("ref")) or source_name(query.get("utm_source")) or DIRECT


@dataclass(frozen=True, slots=True)
class Touch:
    """A hold's sources: the first the browser ever came through, and the one of the page it bought on."""

    first: str = DIRECT
    last: str = DIRECT

    @classmethod
    def of(cls, last: str | None, first: str | None = None) -> Touch:
        """From what a page or an API client says (cleaned); the first touch defaults to the last."""
        last_source = source_name(last) or DIRECT
        return cls(first=source_name(first) or last_source, last=last_source)

    @property
    def tracked(self) -> bool:
        return self.first != DIRECT or self.last != DIRECT


@dataclass(frozen=True, slots=True)
class HoldSource:
    """The sources a hold was made through (only holds with one other than `direct` have one)."""

    reservation_id: str
    event_id: str
    first: str
    last: str


@dataclass(frozen=True, slots=True)
class SourceFigures:
    """Counts of one (event, source): page views, unique visitors (per day and process), holds, and paid
    orders, tickets and revenue (ticket prices after discounts, before the platform fee) by last touch;
    orders and revenue by first touch. Written as increments (`TrafficStore.add_source_figures`)."""

    event_id: str
    source: str
    views: int = 0
    visitors: int = 0
    holds: int = 0
    orders: int = 0
    tickets: int = 0
    revenue_minor: int = 0
    first_orders: int = 0
    first_revenue_minor: int = 0

    def plus(self, other: SourceFigures) -> SourceFigures:
        return replace(self, **{name: getattr(self, name) + getattr(other, name) for name in COUNTS})

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name) for name in COUNTS)


COUNTS = tuple(f.name for f in fields(SourceFigures) if f.name not in ("event_id", "source"))


def rate(part: int, whole: int) -> float | None:
    """A conversion rate, or None when there is nothing to divide by (never a made-up 0%)."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True, slots=True)
class Funnel:
    """Views -> holds -> paid orders -> revenue over some sources, with the rates between the steps."""

    views: int
    visitors: int
    holds: int
    orders: int
    tickets: int
    revenue_minor: int

    @classmethod
    def of(cls, figures: Iterable[SourceFigures]) -> Funnel:
        rows = list(figures)
        return cls(*(sum(getattr(r, name) for r in rows)
                     for name in ("views", "visitors", "holds", "orders", "tickets", "revenue_minor")))

    @property
    def hold_rate(self) -> float | None:  # holds per unique visitor
        return rate(self.holds, self.visitors)

    @property
    def paid_rate(self) -> float | None:  # paid orders per hold
        return rate(self.orders, self.holds)

    @property
    def conversion(self) -> float | None:  # paid orders per unique visitor
        return rate(self.orders, self.visitors)

    def as_dict(self) -> dict[str, int | float | None]:
        return {"views": self.views, "visitors": self.visitors, "holds": self.holds, "orders": self.orders,
                "tickets": self.tickets, "revenue_minor": self.revenue_minor, "hold_rate": self.hold_rate,
                "paid_rate": self.paid_rate, "conversion": self.conversion}


class TrafficStore(Protocol):
    """What every store keeps for this module: counts per (event, source) and the sources of tracked holds."""

    def add_source_figures(self, figures: Iterable[SourceFigures]) -> None:
        """Add each row's counts to its (event, source) row, creating it (with zeros) if new; a row whose
        counts are all zero only makes sure the source is listed (a tracking link made in the dashboard)."""

    def source_figures(self, event_id: str) -> list[SourceFigures]:
        """Every source row of the event, by source name; [] for an unknown event."""

    def save_hold_source(self, source: HoldSource) -> None:
        """Keep a hold's sources (saving the same reservation again overwrites)."""

    def hold_source(self, reservation_id: str) -> HoldSource | None:
        """A hold's sources; None when it had none kept (a direct hold, an unknown id)."""

    def hold_sources(self, reservation_ids: Sequence[str]) -> dict[str, HoldSource]:
        """`hold_source` for many holds in few reads (an export's page of orders): the kept ones by id."""


def order_touches(store: TrafficStore, orders: Sequence[Order]) -> dict[str, Touch]:
    """Each order's sources by order id, as the counts took them (its hold's kept sources, else `direct`)."""
    kept = store.hold_sources([order.reservation_id for order in orders])
    return {order.id: Touch(k.first, k.last) if (k := kept.get(order.reservation_id)) else Touch()
            for order in orders}


class SaleTracking(Protocol):
    """What `Ticketing` tells about holds and orders (domain/reservations.py); `Traffic` counts them."""

    def hold_made(self, reservation: Reservation, touch: Touch | None) -> None: ...

    def order_made(self, order: Order) -> None: ...


class NoTracking:
    """A `Ticketing` built without traffic counting (bare scripts and tests)."""

    def hold_made(self, reservation: Reservation, touch: Touch | None) -> None:
        return None

    def order_made(self, order: Order) -> None:
        return None


class DailySalt:
    """Unique visitors of today: keyed hashes under a random salt that lives in memory for one UTC day."""

    def __init__(self, clock: Clock, max_visitors: int = MAX_VISITORS_PER_DAY) -> None:
        self.clock, self.max_visitors = clock, max_visitors
        self.day: date | None = None
        self._salt = b""
        self._seen: set[bytes] = set()

    def first_visit_today(self, event_id: str, ip: str, user_agent: str) -> bool:
        """Whether this (event, address, browser) has not been seen today by this process. Call under a lock."""
        today = self.clock.now().date()
        if today != self.day:  # a new day: yesterday's salt and hashes are gone for good
            self.day, self._salt, self._seen = today, secrets.token_bytes(32), set()
        digest = hashlib.blake2b(f"{event_id}\n{ip}\n{user_agent}".encode(), key=self._salt, digest_size=12).digest()
        if digest in self._seen or len(self._seen) >= self.max_visitors:
            return False
        self._seen.add(digest)
        return True


def is_robot(user_agent: str) -> bool:
    lowered = user_agent.lower()
    return not lowered or any(word in lowered for word in ROBOT_WORDS)


class Traffic:
    """Counts page views, holds and orders per source (batched), and reads them back for the dashboard."""

    def __init__(self, store: TrafficStore, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.salt = DailySalt(clock)
        self.pending: dict[tuple[str, str], SourceFigures] = {}
        self._holds: dict[tuple[str, str], int] = {}  # holds per (event, source) not yet in `pending`
        self._lock = threading.Lock()
        from eventflow.domain.source_refunds import RefundedRevenue, RefundReads  # builds on this module
        self.refunded = RefundedRevenue(store) if isinstance(store, RefundReads) else None

    # ------------------------------------------------------------------ counting (no store call)
    def page_view(self, event_id: str, source: str, ip: str | None, user_agent: str | None) -> None:
        """One view of an event page (robots left out); the IP and user agent only ever reach a hash."""
        agent = user_agent or ""
        if is_robot(agent):
            return
        with self._lock:
            unique = self.salt.first_visit_today(event_id, ip or "", agent)
            self._add(SourceFigures(event_id, source_name(source) or DIRECT, views=1, visitors=int(unique)))

    def hold_made(self, reservation: Reservation, touch: Touch | None) -> None:
        """A new hold (Ticketing.reserve): counted under its last touch; a tracked one keeps its sources."""
        touch = touch or Touch()
        if touch.tracked:
            try:  # a source is worth less than the buyer's hold: a failed write only loses the attribution
                self.store.save_hold_source(HoldSource(reservation.id, reservation.event_id, touch.first, touch.last))
            except Exception:
                log.exception("hold source of %s not kept", reservation.id)
        key = (reservation.event_id, touch.last)
        with self._lock:  # every reserve comes here: a plain count, folded into `pending` when read
            self._holds[key] = self._holds.get(key, 0) + 1

    def order_made(self, order: Order) -> None:
        """A new order (Ticketing.confirm_once, once per order): written at once under its hold's sources."""
        try:  # the order stands whatever happens here; only its count per source could be lost
            kept = self.store.hold_source(order.reservation_id)
            touch = Touch(kept.first, kept.last) if kept else Touch()
            sale = SourceFigures(order.event_id, touch.last, orders=1, tickets=len(order.tickets),
                                 revenue_minor=order.subtotal_minor)
            first = SourceFigures(order.event_id, touch.first, first_orders=1,
                                  first_revenue_minor=order.subtotal_minor)
            self.store.add_source_figures([sale.plus(first)] if touch.first == touch.last else [sale, first])
        except Exception:
            log.exception("order %s not counted per source", order.id)

    def add_channel(self, event_id: str, source: str) -> str:
        """A tracking link made in the dashboard: its source listed (with zeros) at once. Returns the name."""
        name = source_name(source)
        if name is None or name == DIRECT:
            raise ValueError("source")
        self.store.add_source_figures([SourceFigures(event_id, name)])
        return name

    def _add(self, figures: SourceFigures) -> None:
        key = (figures.event_id, figures.source)
        before = self.pending.get(key)
        self.pending[key] = before.plus(figures) if before else figures

    def _fold_holds(self) -> None:
        """Add the holds counted since the last read to `pending` (with the lock held)."""
        holds, self._holds = self._holds, {}
        for (event_id, source), count in holds.items():
            self._add(SourceFigures(event_id, source, holds=count))

    # ------------------------------------------------------------------ writing and reading
    def flush(self) -> int:
        """Write what was counted since the last flush: one row write per (event, source) that moved.
        Returns how many rows were written. On a store error the counts are kept for the next flush."""
        with self._lock:
            self._fold_holds()
            batch, self.pending = self.pending, {}
        if not batch:
            return 0
        try:
            self.store.add_source_figures(batch.values())
        except Exception:
            with self._lock:
                for figures in batch.values():
                    self._add(figures)
            raise
        return len(batch)

    def figures(self, event_id: str) -> list[SourceFigures]:
        """Every source of the event: what the store has plus what this process has not written yet."""
        rows = {row.source: row for row in self.store.source_figures(event_id)}
        with self._lock:
            self._fold_holds()
            waiting = [f for (event, _source), f in self.pending.items() if event == event_id]
        for extra in waiting:
            rows[extra.source] = rows[extra.source].plus(extra) if extra.source in rows else extra
        for back in self.refunded.figures(event_id) if self.refunded else ():  # refunded revenue leaves
            rows[back.source] = rows[back.source].plus(back) if back.source in rows else back
        return sorted(rows.values(), key=lambda row: (-row.revenue_minor, -row.orders, -row.views, row.source))
