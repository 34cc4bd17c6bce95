"""The organizer's overview across events (domain/organizer_overview.py): sums per currency, fees next to
Eventbrite's published standard fees, check-in rate of started events, top sources."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer
from eventflow.domain.organizer_overview import eventbrite_fee_minor, overview_of
from eventflow.domain.queries import Queries
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.sales_stats import DoorSummary
from eventflow.domain.traffic import SourceFigures
from tests.conftest import publish_event


def sell(service: Ticketing, event_id: str, lines: list[tuple[str, int]]) -> None:
    held = service.reserve(event_id, [LineRequest(t, q) for t, q in lines], Buyer("b@example.com", "B"))
    service.confirm(held.id, payment_ref="demo")


def test_overview_sums_per_currency_and_compares_with_eventbrite(service: Ticketing, clock: ManualClock) -> None:
    usd, usd_tiers = publish_event(service, currency="USD")  # 25.00, free, 99.00; buyers pay the fee
    eur, eur_tiers = publish_event(service, currency="EUR")
    sell(service, usd.id, [(usd_tiers[0].id, 2), (usd_tiers[1].id, 1)])
    sell(service, eur.id, [(eur_tiers[2].id, 1)])
    queries = Queries(service.store, service.store)  # type: ignore[arg-type]
    sources = {usd.id: [SourceFigures(usd.id, "instagram", views=40, orders=1, tickets=3),
                        SourceFigures(usd.id, "direct", views=9)],
               eur.id: [SourceFigures(eur.id, "instagram", views=10, orders=0),
                        SourceFigures(eur.id, "flyer", orders=1)]}
    usd_figures = queries.event_figures(usd.id)
    started = replace(usd_figures, door=DoorSummary(admitted=((usd_tiers[0].id, 2), ("", 5)), arrivals=(), recent=()))
    clock.advance(timedelta(days=31))  # both events have started (they start in 30 days)
    overview = overview_of([(usd, started, sources[usd.id]), (eur, queries.event_figures(eur.id), sources[eur.id])],
                           clock.now())
    eur_row, usd_row = overview.currencies
    assert (usd_row.currency, usd_row.orders, usd_row.tickets, usd_row.revenue_minor) == ("USD", 1, 3, 5000)
    assert usd_row.fees_minor == 2 * 93  # 2.5% of 25.00 rounded half up (63) + 0.30, free ticket nothing
    # Eventbrite US: 3.7% of 50.00 (185) + 2 x 1.79 (358) + 2.9% of the 51.86 charged (150)
    assert usd_row.eventbrite_minor == 185 + 358 + 150
    assert (eur_row.tickets, eur_row.revenue_minor, eur_row.eventbrite_minor) == (1, 9900, 688 + 59)
    assert (overview.admitted, overview.started_tickets) == (2, 4)  # unknown tickets ("") left out
    assert overview.checkin_rate == 0.5
    assert overview_of([(usd, started, [])], clock.now() - timedelta(days=2)).checkin_rate is None  # not started
    assert [(s.source, s.orders, s.views) for s in overview.top_sources] == [("instagram", 1, 50), ("flyer", 1, 0)]


def test_currencies_without_a_known_schedule_are_not_compared() -> None:
    assert eventbrite_fee_minor("JPY", 2, 5000, 5200) is None
    assert eventbrite_fee_minor("GBP", 0, 0, 0) == 0
