"""Where buyers come from (domain/traffic.py): sources, first/last touch, funnels, batched view counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.traffic import DIRECT, Funnel, SourceFigures, Touch, Traffic, page_source, source_name
from tests.conftest import publish_event
from tests.fakes.memory_store import InMemoryStore

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"


@pytest.fixture
def traffic(service: Ticketing) -> Traffic:
    service.traffic = Traffic(service.store, service.clock)
    return service.traffic


def buy(service: Ticketing, event_id: str, tier_id: str, quantity: int, touch: Touch | None, pay: bool = True) -> None:
    held = service.reserve(event_id, [LineRequest(tier_id, quantity)], Buyer("b@example.com", "B"), source=touch)
    if pay:
        service.confirm(held.id, payment_ref="demo")


@pytest.mark.parametrize(("text", "name"), [("Instagram Story", "instagram-story"), ("  flyer ", "flyer"),
                                            ("news<script>", "newsscript"), ("", None), ("€€", None),
                                            ("x" * 80, "x" * 60)])
def test_source_names_are_folded(text: str, name: str | None) -> None:
    assert source_name(text) == name


def test_a_page_source_is_its_ref_else_its_utm_source_else_direct() -> None:
    assert page_source({"ref": "Flyer", "utm_source": "newsletter"}) == "flyer"
    assert page_source({"utm_source": "newsletter", "utm_medium": "email"}) == "newsletter"
    assert page_source({}) == DIRECT
    assert Touch.of("newsletter") == Touch("newsletter", "newsletter")
    assert Touch.of(None, "instagram") == Touch("instagram", DIRECT)


def test_orders_count_under_last_touch_and_first_touch(service: Ticketing, traffic: Traffic) -> None:
    event, tiers = publish_event(service)
    buy(service, event.id, tiers[0].id, 2, Touch(first="instagram", last="newsletter"))  # 2 x 25.00
    buy(service, event.id, tiers[0].id, 1, Touch.of("instagram"))
    buy(service, event.id, tiers[0].id, 1, None)  # direct
    buy(service, event.id, tiers[0].id, 3, Touch.of("flyer"), pay=False)  # a hold never paid
    traffic.flush()
    rows = {row.source: row for row in traffic.figures(event.id)}
    assert (rows["newsletter"].orders, rows["newsletter"].tickets, rows["newsletter"].revenue_minor) == (1, 2, 5000)
    assert (rows["newsletter"].first_orders, rows["instagram"].first_orders) == (0, 2)
    assert (rows["instagram"].orders, rows["instagram"].first_revenue_minor) == (1, 7500)
    assert (rows[DIRECT].orders, rows[DIRECT].holds) == (1, 1)
    assert (rows["flyer"].holds, rows["flyer"].orders) == (1, 0)


def test_confirming_twice_counts_the_order_once(service: Ticketing, traffic: Traffic) -> None:
    event, tiers = publish_event(service)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("b@example.com", "B"),
                           idempotency_key="k1", source=Touch.of("flyer"))
    again = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("b@example.com", "B"),
                            idempotency_key="k1", source=Touch.of("flyer"))
    assert again.id == held.id
    service.confirm(held.id, payment_ref="demo")
    service.confirm(held.id, payment_ref="demo")
    [flyer] = [row for row in traffic.figures(event.id) if row.source == "flyer"]
    assert (flyer.holds, flyer.orders, flyer.tickets) == (1, 1, 1)


def test_funnel_of_a_synthetic_history(clock: ManualClock) -> None:
    """200 visitors (some twice), 20 holds, 8 paid: the funnel's steps and rates per source."""
    store = InMemoryStore()
    traffic = Traffic(store, clock)
    for visitor in range(200):
        source = "instagram" if visitor < 150 else "flyer"
        for _ in range(2 if visitor % 4 == 0 else 1):
            traffic.page_view("evt_a", source, f"10.0.{visitor // 250}.{visitor % 250}", PHONE)
    traffic.page_view("evt_a", "flyer", "10.9.9.9", "Googlebot/2.1")  # robots are not visitors
    store.add_source_figures([SourceFigures("evt_a", "instagram", holds=15, orders=5, tickets=6, revenue_minor=15000),
                              SourceFigures("evt_a", "flyer", holds=5, orders=3, tickets=3, revenue_minor=7500)])
    rows = {row.source: row for row in traffic.figures("evt_a")}
    assert (rows["instagram"].views, rows["instagram"].visitors) == (188, 150)
    assert (rows["flyer"].views, rows["flyer"].visitors) == (62, 50)
    instagram, everything = Funnel.of([rows["instagram"]]), Funnel.of(rows.values())
    assert (instagram.hold_rate, instagram.paid_rate, instagram.conversion) == (0.1, 0.3333, 0.0333)
    assert (everything.views, everything.visitors, everything.holds, everything.orders) == (250, 200, 20, 8)
    assert everything.revenue_minor == 22500 and everything.conversion == 0.04
    assert Funnel.of([]).conversion is None  # no visitors: no rate, not 0%


class CountingStore(InMemoryStore):
    """The fake store, counting its traffic writes."""

    def __init__(self) -> None:
        super().__init__()
        self.traffic_writes = 0

    def add_source_figures(self, figures):  # type: ignore[no-untyped-def]
        rows = list(figures)
        self.traffic_writes += len(rows)
        super().add_source_figures(rows)


def test_a_flood_of_views_costs_a_bounded_number_of_writes(clock: ManualClock) -> None:
    """10,000 views in one minute from one event page, flushed every 5 s: 12 flushes, one row write each
    (two with a second source), whatever the number of views."""
    store = CountingStore()
    traffic = Traffic(store, clock)
    for second in range(60):
        for view in range(10_000 // 60 + (1 if second < 10_000 % 60 else 0)):
            traffic.page_view("evt_a", "instagram" if view % 2 else DIRECT, f"10.1.{second}.{view}", PHONE)
        clock.advance(timedelta(seconds=1))
        if second % 5 == 4:
            traffic.flush()
    assert store.traffic_writes <= 2 * 12
    assert sum(row.views for row in store.source_figures("evt_a")) == 10_000
    assert traffic.flush() == 0  # nothing left over
