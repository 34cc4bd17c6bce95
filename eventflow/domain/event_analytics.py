"""What `GET /api/v1/events/{id}/analytics` answers: sources with their funnel (domain/traffic.py), sales
velocity per tier (the store's hourly sales aggregates, domain/sales_stats.py), door arrivals per 5 minutes
(`DoorSummary`). The sell-out forecast, its back-test and the pricing suggestions come from
domain/sales_advice.py (`advice_json`), which the route adds over this answer's empty `forecast` and
`suggestions`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from eventflow.domain.models import Tier
from eventflow.domain.sales_stats import DoorSummary, SalesSummary, sale_hour
from eventflow.domain.traffic import Funnel, SourceFigures

DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TierVelocity:
    """Tickets of one tier per hour: over the last 24 hours, and since its first sale."""

    tier_id: str
    name: str
    sold: int
    capacity: int
    last_24h_tickets: int
    per_hour_24h: float
    per_hour_overall: float | None  # None before the first sale
    valid_tickets: int = 0  # sold and not voided by a refund: the dashboard's "Tickets sold"
    open_hours: float | None = None  # hours since sales opened (the tier's sales start, else the first sale's hour)


def velocity(tiers: Sequence[Tier], sales: SalesSummary, now: datetime) -> list[TierVelocity]:
    """From the hourly aggregates (valid tickets per tier and hour): the last 24 hours are the hours
    that started after `now` - 24 h (the current hour included); "overall" divides every valid ticket
    by the hours from the first sale's hour to now (at least one)."""
    recent_from = sale_hour(now - DAY) + HOUR
    rows = []
    for tier in tiers:
        buckets = [b for b in sales.buckets if b.tier_id == tier.id]
        recent = sum(b.tickets for b in buckets if b.hour >= recent_from)
        total = dict((t.tier_id, t.tickets) for t in sales.tiers).get(tier.id, 0)
        first = min((b.hour for b in buckets if b.tickets), default=None)
        hours = max((now - first) / HOUR, 1.0) if first is not None else None
        opened = min(filter(None, (tier.sales_start, first)), default=None)
        rows.append(TierVelocity(tier.id, tier.name, tier.sold, tier.capacity, recent, round(recent / 24, 3),
                                 round(total / hours, 3) if hours else None, total,
                                 None if opened is None else round(max((now - opened) / HOUR, 0.0), 3)))
    return rows


def analytics_json(sources: Sequence[SourceFigures], tiers: Sequence[Tier], sales: SalesSummary,
                   door: DoorSummary, now: datetime) -> dict[str, Any]:
    """The analytics answer as plain values (money in minor units, times in UTC)."""
    return {
        "sources": [{"source": row.source, "views": row.views, "visitors": row.visitors, "holds": row.holds,
                     "orders": row.orders, "tickets": row.tickets, "revenue_minor": row.revenue_minor,
                     "first_touch_orders": row.first_orders, "first_touch_revenue_minor": row.first_revenue_minor,
                     "conversion": Funnel.of([row]).conversion} for row in sources],
        "funnel": Funnel.of(sources).as_dict(),
        "velocity": [{"tier_id": v.tier_id, "name": v.name, "sold": v.sold, "capacity": v.capacity,
                      "last_24h_tickets": v.last_24h_tickets, "per_hour_24h": v.per_hour_24h,
                      "per_hour_overall": v.per_hour_overall, "valid_tickets": v.valid_tickets,
                      "open_hours": v.open_hours} for v in velocity(tiers, sales, now)],
        "forecast": None,  # the route fills it (domain/sales_advice.py)
        "arrivals": [{"slot": slot.isoformat(), "admitted": count} for slot, count in door.arrivals],
        "suggestions": [],
    }
