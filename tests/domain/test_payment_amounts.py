"""The money of card payments, in integer minor units: checkout line items, proportional refunds
(ties included: half up, by hand), the event ledger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventflow.domain.errors import ValidationFailed
from eventflow.domain.models import (
    Buyer,
    Event,
    EventStatus,
    Order,
    Reservation,
    ReservationLine,
    ReservationStatus,
    Ticket,
)
from eventflow.domain.money import FeeMode, TicketPrice, round_half_up_div
from eventflow.domain.payments.ledger import event_ledger
from eventflow.domain.payments.records import (
    Dispute,
    DisputeStatus,
    Payment,
    PaymentState,
    Refund,
    RefundReason,
    RefundStatus,
)
from eventflow.domain.payments.refunds import ticket_refund_amounts
from eventflow.domain.payments.settle import checkout_lines

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def event(currency: str = "EUR", fee_mode: FeeMode = FeeMode.BUYER_PAYS) -> Event:
    return Event("evt", "org", "gig", "Gig", NOW, NOW, "UTC", "", currency, "", fee_mode, EventStatus.PUBLISHED, NOW)


def reservation(prices: list[tuple[int, int]], currency: str = "EUR",
                fee_mode: FeeMode = FeeMode.BUYER_PAYS) -> Reservation:
    lines = []
    for n, (price, quantity) in enumerate(prices):
        p = TicketPrice.of(price, currency, fee_mode)
        lines.append(ReservationLine(f"tier{n}", quantity, p.price_minor, p.fee_minor, p.buyer_total_minor))
    return Reservation("res", "evt", tuple(lines), Buyer("a@b.c", "A"), currency, fee_mode, ReservationStatus.HELD,
                       NOW, NOW)


def order_of(r: Reservation) -> Order:
    tickets = tuple(Ticket(f"t{line.tier_id}{k}", "ord", "evt", line.tier_id, "A", "key", "secret",
                           price_minor=line.unit_price_minor, fee_minor=line.unit_fee_minor)
                    for line in r.lines for k in range(line.quantity))
    return Order("ord", r.id, "evt", r.buyer, r.currency, r.subtotal_minor, r.fee_minor, r.total_minor, NOW, "pi_1",
                 tickets)


@pytest.mark.parametrize(("prices", "currency", "fee_mode"), [
    ([(2500, 2), (1000, 1)], "EUR", FeeMode.BUYER_PAYS),
    ([(2500, 2), (0, 3)], "EUR", FeeMode.BUYER_PAYS),
    ([(2000, 3)], "EUR", FeeMode.ORGANIZER_ABSORBS),
    ([(10, 1)], "USD", FeeMode.ORGANIZER_ABSORBS),  # the fee is capped at the price
    ([(3000, 1), (1500, 4)], "JPY", FeeMode.BUYER_PAYS),
    ([(12345, 2)], "KWD", FeeMode.BUYER_PAYS),
])
def test_line_items_add_up_to_what_the_buyer_saw(prices, currency, fee_mode) -> None:
    r = reservation(prices, currency, fee_mode)
    items = checkout_lines(r, event(currency, fee_mode), {"tier0": "Early", "tier1": "Late"})
    assert sum(i.unit_amount_minor * i.quantity for i in items) == r.total_minor
    fee_lines = [i for i in items if i.name == "Platform fee"]
    if fee_mode is FeeMode.BUYER_PAYS and r.fee_minor:
        assert fee_lines == [fee_lines[0]] and fee_lines[0].unit_amount_minor == r.fee_minor
    else:
        assert fee_lines == []
    assert items[0].name == "Early · Gig" and items[0].quantity == prices[0][1]


@pytest.mark.parametrize("fee_mode", [FeeMode.BUYER_PAYS, FeeMode.ORGANIZER_ABSORBS])
@pytest.mark.parametrize("prices", [[(1000, 1), (10000, 1)], [(999, 7)], [(1, 3), (5, 2)], [(123457, 2), (3, 1)]])
def test_refunding_ticket_by_ticket_gives_back_exactly_the_whole_fee(prices, fee_mode) -> None:
    r = reservation(prices, "EUR", fee_mode)
    order = order_of(r)
    done: list[Refund] = []
    for ticket in order.tickets:
        amount, fee = ticket_refund_amounts(order, fee_mode, [ticket], done)
        assert amount == ticket.price_minor + (ticket.fee_minor if fee_mode is FeeMode.BUYER_PAYS else 0)
        assert 0 <= fee <= amount
        done.append(Refund(f"rf{len(done)}", "evt", r.id, order.id, "pi_1", (ticket.id,), (), amount, fee, "EUR",
                           RefundReason.ORGANIZER, True, RefundStatus.SUCCEEDED, NOW))
    assert sum(x.amount_minor for x in done) == order.total_minor
    assert sum(x.fee_minor for x in done) == order.fee_minor


def test_partial_refund_fee_is_proportional_half_up() -> None:
    r = reservation([(1000, 1), (10000, 1)])
    order = order_of(r)  # 1055 + 10280 = 11335, fee 335
    amount, fee = ticket_refund_amounts(order, FeeMode.BUYER_PAYS, [order.tickets[0]], [])
    assert (amount, fee) == (1055, 31)  # 335 * 1055 / 11335 = 31.18
    with pytest.raises(ValidationFailed):
        earlier = [Refund("x", "evt", r.id, order.id, "pi", (), (), 11000, 0, "EUR", RefundReason.ORGANIZER, True,
                          RefundStatus.SUCCEEDED, NOW)]
        ticket_refund_amounts(order, FeeMode.BUYER_PAYS, [order.tickets[0]], earlier)


def test_ledger_counts_late_payments_refunded_without_an_order() -> None:
    r = reservation([(2000, 2)])
    order = order_of(r)
    organizer = Refund("rf1", "evt", r.id, order.id, "pi_1", (order.tickets[0].id,), (), 2080, 80, "EUR",
                       RefundReason.ORGANIZER, True, RefundStatus.SUCCEEDED, NOW)
    late = Refund("rf_late", "evt", "res2", None, "pi_2", (), (), 4160, 160, "EUR", RefundReason.LATE_SOLD_OUT, False,
                  RefundStatus.SUCCEEDED, NOW)
    failed = Refund("rf_failed", "evt", r.id, order.id, "pi_1", (), (), 999, 9, "EUR", RefundReason.ORGANIZER, True,
                    RefundStatus.FAILED, NOW)
    book = event_ledger(event(), [order], [organizer, late, failed])
    assert (book.charged_minor, book.platform_fee_minor, book.refunded_minor, book.fee_refunded_minor) == (
        4160 + 4160, 160 + 160, 2080 + 4160, 80 + 160)
    assert book.net_platform_fee_minor == 80 and book.organizer_net_minor == 8320 - 6240 - 80 == 2000
    assert book.orders == 1 and book.pending_refunds == 0


# Ties: the fee given back lands exactly on .5. Half up, floor and half-to-even (Python's round)
# answer differently, so each expectation is worked out by hand here, never with round().
@pytest.mark.parametrize(("prices", "fee_mode", "fees", "first_refund", "second_refund"), [
    # fees 45 + 55 = 100 of 1600 paid; first ticket: 100 * 600 / 1600 = 37.5 -> 38 (floor would say 37)
    ((600, 1000), FeeMode.ORGANIZER_ABSORBS, (45, 55), (600, 38), (1000, 62)),
    # fees 60 + 80 = 140 of 3200; 140 * 1200 / 3200 = 52.5 -> 53 (floor and half-to-even would say 52)
    ((1200, 2000), FeeMode.ORGANIZER_ABSORBS, (60, 80), (1200, 53), (2000, 87)),
    # fees 100 + 208 (2.5 % of 7100 = 177.5 -> 178, + 30) = 308 of 2900 + 7308 = 10208 paid;
    # 308 * 2900 / 10208 = 87.5 -> 88 (floor would say 87)
    ((2800, 7100), FeeMode.BUYER_PAYS, (100, 208), (2900, 88), (7308, 220)),
])
def test_refund_fee_ties_round_half_up(prices, fee_mode, fees, first_refund, second_refund) -> None:
    r = reservation([(price, 1) for price in prices], "EUR", fee_mode)
    assert tuple(line.unit_fee_minor for line in r.lines) == fees
    order = order_of(r)
    first = ticket_refund_amounts(order, fee_mode, [order.tickets[0]], [])
    assert first == first_refund
    done = [Refund("rf1", "evt", r.id, order.id, "pi_1", (order.tickets[0].id,), (), *first, "EUR",
                   RefundReason.ORGANIZER, True, RefundStatus.SUCCEEDED, NOW)]
    # The rest of the fee goes back with the last ticket: together exactly the whole fee.
    assert ticket_refund_amounts(order, fee_mode, [order.tickets[1]], done) == second_refund
    assert first_refund[1] + second_refund[1] == sum(fees)


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (75, 2, 38), (105, 2, 53), (1, 2, 1), (5, 2, 3),  # ties go up, from odd and from even alike
    (31, 10, 3), (36, 10, 4), (0, 7, 0), (14, 7, 2),
])
def test_round_half_up_div_by_hand(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_up_div(numerator, denominator) == expected


def test_ledger_counts_processing_and_lost_disputes() -> None:
    r = reservation([(2000, 2)])  # 4160 with the buyer paying 160 platform fee
    order = order_of(r)

    def payment(amount: int, processing: int) -> Payment:
        return Payment(r.id, "evt", "org", "acct", "cs", "", amount, 160 + processing, "EUR", PaymentState.PAID, NOW,
                       NOW, NOW, order_id=order.id, processing_minor=processing)

    # passed on: the buyer paid 4160 + 130, all of it charged; the organizer keeps the tickets' 4000
    passed = event_ledger(event(), [order], []).with_processing([(order, payment(4290, 130))])
    assert (passed.charged_minor, passed.buyer_processing_minor, passed.processing_minor) == (4290, 130, 130)
    assert passed.organizer_net_minor == 4000
    # absorbed: the buyer paid 4160, the organizer keeps 4000 - 129
    absorbed = event_ledger(event(), [order], []).with_processing([(order, payment(4160, 129))])
    assert (absorbed.charged_minor, absorbed.organizer_net_minor) == (4160, 3871)
    lost = Dispute("dp", "evt", "org", r.id, order.id, "pi_1", 4160, 2000, "EUR", DisputeStatus.LOST, "fraudulent",
                   NOW, NOW)
    won = Dispute("dp2", "evt", "org", r.id, order.id, "pi_1", 4160, 0, "EUR", DisputeStatus.WON, "", NOW, NOW)
    book = event_ledger(event(), [order], [], [lost, won])
    assert (book.dispute_lost_minor, book.dispute_fees_minor, book.disputes_open) == (4160, 2000, 0)
    assert book.organizer_net_minor == 4000 - 4160 - 2000
