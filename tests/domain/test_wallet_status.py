"""What the holder's wallet says of a ticket (`DoorCheckIn.holder_status`): valid, void, its
event cancelled, or disputed when the door refuses it (a flag-only dispute still admits)."""

from __future__ import annotations

from dataclasses import replace

from eventflow.domain.checkin import DoorCheckIn
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.models import Buyer, EventStatus, TicketStatus
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event


class Disputes:
    """A stand-in for payments.disputes.DoorDisputes: order id -> refused."""

    def __init__(self, verdicts: dict[str, bool]) -> None:
        self.by_order = verdicts

    def verdict(self, organizer_id: str, order_id: str) -> bool | None:
        return self.by_order.get(order_id)

    def verdicts(self, organizer_id: str, event_id: str) -> dict[str, bool]:
        return dict(self.by_order)


def test_the_wallet_word_for_each_kind_of_ticket(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    orders = [service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 1)],
                                              Buyer(f"b{n}@example.com", "B")).id, payment_ref="demo")
              for n in range(3)]
    refused, flagged, plain = (order.tickets[0] for order in orders)
    door = DoorCheckIn(service.store, service.clock, DoorKeys("k"),
                       disputes=Disputes({refused.order_id: True, flagged.order_id: False}))
    assert door.holder_status(plain, event) == "valid"
    assert door.holder_status(flagged, event) == "valid"  # the organizer lets disputed tickets in
    assert door.holder_status(refused, event) == "disputed"
    assert door.holder_status(replace(plain, status=TicketStatus.VOID), event) == "void"
    cancelled = replace(event, status=EventStatus.CANCELLED)
    for ticket in (plain, refused):
        assert door.holder_status(ticket, cancelled) == "event_cancelled"
    without_card_payments = DoorCheckIn(service.store, service.clock, DoorKeys("k"))
    assert without_card_payments.holder_status(refused, event) == "valid"
