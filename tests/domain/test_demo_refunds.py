"""Test-mode refunds from the money panel (domain/payments/demo_refunds.py): the tickets stop working and
the buyer is told, once, in their language, that no money moved."""

from __future__ import annotations

import pytest

from eventflow.domain.errors import Conflict
from eventflow.domain.models import Buyer, TicketStatus
from eventflow.domain.outbox import Outbox
from eventflow.domain.payments.demo_refunds import DemoRefunds
from eventflow.domain.payments.records import RefundStatus, demo_payment_ref
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event
from tests.fakes.memory_store import InMemoryStore


def test_a_test_mode_refund_voids_the_tickets_and_tells_the_buyer_once_that_no_money_moved(
    service: Ticketing, store: InMemoryStore,
) -> None:
    event, tiers = publish_event(service, capacities=(10,), prices=(1500,))
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 2)],
                                  Buyer("nina@example.com", "Nina", language="de"))
    order, _ = service.confirm_once(reservation.id, demo_payment_ref(reservation.id))
    refunds = DemoRefunds(service, store, Outbox(store, service.clock), "https://shop.test")

    first = refunds.refund_order(event.organizer_id, event.id, order.id, [order.tickets[0].id], restock=True)
    with pytest.raises(Conflict):  # a second click: that ticket is refunded already
        refunds.refund_order(event.organizer_id, event.id, order.id, [order.tickets[0].id], restock=True)
    assert first.status is RefundStatus.SUCCEEDED and first.test_mode
    assert store.get_ticket(order.tickets[0].id).status is TicketStatus.VOID
    assert store.get_ticket(order.tickets[1].id).status is not TicketStatus.VOID

    notices = [message for key, message in store._outbox.items() if key.startswith("refund:")]
    assert len(notices) == 1
    text = notices[0].mail.text
    assert "Testmodus" in text and "kein Geld" in text  # German, as the buyer bought
    assert "Karte" not in text  # no "back to your card within 5-10 days": nothing was charged


def test_a_card_order_is_not_refunded_as_test_mode(service: Ticketing, store: InMemoryStore) -> None:
    event, tiers = publish_event(service, capacities=(10,), prices=(1500,))
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("otis@example.com", "Otis"))
    order, _ = service.confirm_once(reservation.id, "pi_3Nreal")
    refunds = DemoRefunds(service, store, Outbox(store, service.clock), "https://shop.test")
    with pytest.raises(Conflict):
        refunds.refund_order(event.organizer_id, event.id, order.id, [order.tickets[0].id], restock=True)
    assert not [key for key in store._outbox if key.startswith("refund:")]
