"""Refunds subtracted per source (domain/source_refunds.py via `Traffic.figures`): a refunded order's ticket
revenue leaves its last-touch source's revenue and its first-touch source's first-touch revenue."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from eventflow.domain.models import Buyer, Order
from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus
from eventflow.domain.payments.refunds import record_without_provider
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.traffic import DIRECT, Touch, Traffic
from tests.conftest import publish_event


def sell(service: Ticketing, event_id: str, tier_id: str, quantity: int, touch: Touch | None) -> Order:
    held = service.reserve(event_id, [LineRequest(tier_id, quantity)], Buyer("b@example.com", "B"), source=touch)
    return service.confirm(held.id, payment_ref="demo_pay")


def refund(service: Ticketing, order: Order, tickets: int, status: RefundStatus = RefundStatus.PENDING) -> Refund:
    """A test-mode refund of the order's first `tickets` tickets, recorded as the dashboard records it."""
    chosen = order.tickets[:tickets]
    digest = hashlib.sha256(f"{[t.id for t in chosen]}|{status}".encode()).hexdigest()[:24]
    record = Refund(id=f"rf_{digest}", event_id=order.event_id, reservation_id=order.reservation_id,
                    order_id=order.id, payment_intent_id=order.payment_ref, ticket_ids=tuple(t.id for t in chosen),
                    tier_quantities=((chosen[0].tier_id, len(chosen)),),
                    amount_minor=sum(t.price_minor + t.fee_minor for t in chosen), fee_minor=0,
                    currency=order.currency, reason=RefundReason.ORGANIZER, restock=False, status=status,
                    created_at=service.clock.now())
    if status is RefundStatus.FAILED:
        service.store.start_refund(record)  # type: ignore[attr-defined]
        service.store.finish_refund(record.id, RefundStatus.FAILED, service.clock.now())  # type: ignore[attr-defined]
        return record
    return record_without_provider(service, service.store, record)  # type: ignore[arg-type]


def test_a_refunded_order_leaves_its_sources_revenue(service: Ticketing) -> None:
    service.traffic = traffic = Traffic(service.store, service.clock)
    event, tiers = publish_event(service)  # tier 0: 25.00
    whole = sell(service, event.id, tiers[0].id, 2, Touch(first="instagram", last="newsletter"))
    part = sell(service, event.id, tiers[0].id, 3, Touch.of("flyer"))
    direct = sell(service, event.id, tiers[0].id, 1, None)
    refund(service, whole, 2)
    refund(service, part, 1)
    refund(service, direct, 1, RefundStatus.FAILED)  # Stripe refused it: nothing went back
    rows = {row.source: row for row in traffic.figures(event.id)}
    assert (rows["newsletter"].orders, rows["newsletter"].tickets, rows["newsletter"].revenue_minor) == (1, 2, 0)
    assert (rows["instagram"].revenue_minor, rows["instagram"].first_revenue_minor) == (0, 0)
    assert (rows["flyer"].revenue_minor, rows["flyer"].first_revenue_minor) == (5000, 5000)
    assert rows[DIRECT].revenue_minor == 2500
    assert traffic.figures(event.id) == traffic.figures(event.id)  # remembered shares: the same answer


def test_each_refund_is_worked_out_once(service: Ticketing) -> None:
    service.traffic = traffic = Traffic(service.store, service.clock)
    event, tiers = publish_event(service)
    order = sell(service, event.id, tiers[0].id, 2, Touch.of("flyer"))
    refund(service, order, 1)
    reads: list[str] = []
    real, listing = service.store.get_order, service.store.list_refunds  # type: ignore[attr-defined]
    service.store.get_order = lambda order_id: reads.append(order_id) or real(order_id)  # type: ignore[method-assign]
    service.store.list_refunds = lambda event_id: reads.append("list") or listing(event_id)  # type: ignore[attr-defined]
    for _ in range(3):
        [flyer] = [row for row in traffic.figures(event.id) if row.source == "flyer"]
        assert flyer.revenue_minor == 2500
    assert reads == ["list", order.id]  # later reads list the succeeded refunds' ids only
    second = replace(order, tickets=order.tickets[1:])
    refund(service, second, 1)  # a second refund (the other ticket): read in full once more
    [flyer] = [row for row in traffic.figures(event.id) if row.source == "flyer"]
    assert flyer.revenue_minor == 0 and reads == ["list", order.id, "list", order.id]
