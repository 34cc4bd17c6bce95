"""An event's sales and door figures as the store keeps them: small aggregates, not a scan of orders.

The organizer's dashboard refreshes on every sale, hold and admission; reading every order each
time cost ~0.5 s of CPU per change at 20,000 orders. Instead every store keeps, in the same atomic
write as the change it counts:

- per (tier, hour of the sale): tickets still valid, their prices and platform fees — written by
  `confirm`, lowered by `finish_refund` (SUCCEEDED) for the tickets the refund voided;
- per event: orders, what buyers were charged and the platform fee on paid orders (kept per lead
  tier and hour too, so no single record is written by every sale of the event);
- per (tier, 5-minute slot): admissions, written by `admit` when it records a first check-in.

`SalesSummary` and `DoorSummary` are what `Store.sales_summary` / `Store.door_summary` return;
`sales_summary_of` / `door_summary_of` compute the same from a full scan: the specification the
contract test holds every store to (tests/store/test_contract_sales_stats.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from eventflow.domain.models import CheckIn, DoubleAdmission, Order, TicketStatus, Tier

RECENT_ADMISSIONS = 8  # the door panel's "recent scans"
ATTENDEES_PAGE = 25  # the attendee table's page


def sale_hour(instant: datetime) -> datetime:
    """The UTC hour an order was placed in: the sales chart's and the aggregates' bucket."""
    return instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def arrival_slot(instant: datetime) -> datetime:
    """The UTC 5-minute slot of an admission (every time zone's offset is a multiple of 5 minutes,
    so it is a local 5-minute slot too)."""
    utc = instant.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 5, second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class SalesBucket:
    """Tickets of one tier sold in one hour and still valid (a refund that voided one took it out)."""

    hour: datetime
    tier_id: str
    tickets: int
    gross_minor: int  # the tier prices they were bought at
    fee_minor: int  # the platform fees taken on them


@dataclass(frozen=True, slots=True)
class TierTotals:
    """Valid tickets of one tier over every hour, with their prices and platform fees."""

    tier_id: str
    tickets: int
    gross_minor: int
    fee_minor: int


@dataclass(frozen=True, slots=True)
class SalesSummary:
    """An event's sales. Order figures count every order ever placed (refunds do not undo them: the
    ledger subtracts refunds itself); ticket figures count valid tickets only. The totals are always
    complete; `buckets` (the chart's hours) only from `since` on when asked so, so a live dashboard
    re-reads only the hour still filling, not every hour the event has been on sale."""

    orders: int
    charged_minor: int  # what buyers paid: the sum of order totals
    order_fee_minor: int  # platform fees of orders that charged something (the ledger's rule)
    tiers: tuple[TierTotals, ...]  # by tier id; none with every figure zero
    buckets: tuple[SalesBucket, ...]  # ordered by (hour, tier_id); none with every figure zero
    since: datetime | None = None  # buckets of hours before this one are left out

    def per_tier(self) -> dict[str, tuple[int, int, int]]:
        """tier id -> (valid tickets, gross, fees) over every hour."""
        return {t.tier_id: (t.tickets, t.gross_minor, t.fee_minor) for t in self.tiers}


EMPTY_SALES = SalesSummary(0, 0, 0, (), ())


@dataclass(frozen=True, slots=True)
class Admission:
    """A recent check-in with the name on its ticket ("" for an unknown ticket)."""

    checkin: CheckIn
    holder_name: str


@dataclass(frozen=True, slots=True)
class DoorSummary:
    admitted: tuple[tuple[str, int], ...]  # (tier id, people admitted), by tier id; "" = unknown ticket
    arrivals: tuple[tuple[datetime, int], ...]  # (UTC 5-minute slot, admissions) from `since`, in time order
    recent: tuple[Admission, ...]  # the latest check-ins, newest first: (scanned_at, ticket_id) descending
    since: datetime | None = None  # arrivals of slots before this one are left out

    def admitted_in(self, tier_id: str) -> int:
        return dict(self.admitted).get(tier_id, 0)


@dataclass(frozen=True, slots=True)
class EventFigures:
    """What the event dashboard reads on every change: tiers with live counts, the two summaries, and
    the (rare) double admissions with their holders' names. Its size follows tiers, hours of sales
    and double admissions, never the number of orders."""

    tiers: list[Tier]
    sales: SalesSummary
    door: DoorSummary
    doubles: list[DoubleAdmission]
    double_holders: dict[str, str]  # ticket id -> holder name


def summary_from_rows(
    order_rows: Iterable[tuple[int, int, int]], bucket_rows: Iterable[tuple[datetime, str, int, int, int]],
    since: datetime | None = None,
) -> SalesSummary:
    """Assemble a summary from every stored aggregate row: (orders, charged, fees) rows are summed;
    (hour, tier, tickets, gross, fees) rows are merged per (hour, tier) and per tier, empty ones left
    out, hours before `since` counted in the totals only."""
    orders = charged = fees = 0
    for count, charged_minor, fee_minor in order_rows:
        orders, charged, fees = orders + count, charged + charged_minor, fees + fee_minor
    merged: dict[tuple[datetime, str], tuple[int, int, int]] = {}
    per_tier: dict[str, tuple[int, int, int]] = {}
    for hour, tier_id, tickets, gross, fee in bucket_rows:
        was = per_tier.get(tier_id, (0, 0, 0))
        per_tier[tier_id] = (was[0] + tickets, was[1] + gross, was[2] + fee)
        if since is None or hour >= since:
            was = merged.get((hour, tier_id), (0, 0, 0))
            merged[hour, tier_id] = (was[0] + tickets, was[1] + gross, was[2] + fee)
    return SalesSummary(
        orders, charged, fees,
        tuple(TierTotals(tier_id, *figures) for tier_id, figures in sorted(per_tier.items()) if any(figures)),
        tuple(SalesBucket(hour, tier_id, *figures) for (hour, tier_id), figures in sorted(merged.items())
              if any(figures)),
        since,
    )


def sales_summary_of(orders: Sequence[Order], since: datetime | None = None) -> SalesSummary:
    """The summary by a full scan of the event's orders (the specification)."""
    rows = [(sale_hour(o.created_at), t.tier_id, 1, t.price_minor, t.fee_minor)
            for o in orders for t in o.tickets if t.status is not TicketStatus.VOID]
    totals = [(1, o.total_minor, o.fee_minor if o.total_minor else 0) for o in orders]
    return summary_from_rows(totals, rows, since)


def door_summary_of(checkins: Sequence[CheckIn], tiers_and_holders: Mapping[str, tuple[str, str]],
                    recent: int = RECENT_ADMISSIONS, since: datetime | None = None) -> DoorSummary:
    """The door summary by a full scan of check-ins; `tiers_and_holders`: ticket id -> (tier id, holder)."""
    admitted: dict[str, int] = {}
    arrivals: dict[datetime, int] = {}
    for checkin in checkins:
        tier_id = tiers_and_holders.get(checkin.ticket_id, ("", ""))[0]
        admitted[tier_id] = admitted.get(tier_id, 0) + 1
        slot = arrival_slot(checkin.scanned_at)
        if since is None or slot >= since:
            arrivals[slot] = arrivals.get(slot, 0) + 1
    latest = sorted(checkins, key=lambda c: (c.scanned_at, c.ticket_id), reverse=True)[:max(recent, 0)]
    return DoorSummary(
        tuple(sorted(admitted.items())), tuple(sorted(arrivals.items())),
        tuple(Admission(c, tiers_and_holders.get(c.ticket_id, ("", ""))[1]) for c in latest), since,
    )


def matches(order: Order, search: str) -> bool:
    """The attendee search: part of the buyer's name or email, the order id or a ticket id, any case."""
    query = search.strip().lower()
    return not query or (query in order.buyer.name.lower() or query in order.buyer.email.lower()
                         or query in order.id.lower() or any(query in t.id.lower() for t in order.tickets))


def newest_first_page(orders: Iterable[Order], after: tuple[datetime, str] | None, limit: int, search: str = "",
                      payment_ref_prefix: str = "") -> list[Order]:
    """`Store.orders_page` by a full scan (the specification, and the in-memory fake's answer)."""
    chosen = sorted((o for o in orders if (after is None or (o.created_at, o.id) < after)
                     and o.payment_ref.startswith(payment_ref_prefix) and matches(o, search)),
                    key=lambda o: (o.created_at, o.id), reverse=True)
    return chosen[:max(limit, 0)]
