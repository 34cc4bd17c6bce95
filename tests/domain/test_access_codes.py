"""Access and promo codes in the domain (issue 12): prices with a discount, the fee on what is paid,
in currencies of 0, 2 and 3 decimals; which tiers a code reveals; a code's limits and states."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventflow.domain.access_codes import (
    CODE_ALPHABET,
    AccessCodes,
    CodeInvalid,
    CodeNotActive,
    CodeRequired,
    CodeSettings,
    CodeUsedUp,
    generate_code,
    normalize_code,
)
from eventflow.domain.errors import IdempotencyKeyReused, ValidationFailed
from eventflow.domain.payments.settle import checkout_lines
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import BUYER, publish_event


def codes_of(service: Ticketing) -> AccessCodes:
    return AccessCodes(service.store, service.clock, service.catalog)


# currency, fee mode, tier price, discount (percent or minor), tickets ->
#   (unit discount, unit price paid, unit fee, unit total, reservation total)
FEE_TABLE = [
    ("USD", "buyer_pays", 2500, {"discount_percent": 20}, 2, (500, 2000, 80, 2080, 4160)),
    ("USD", "buyer_pays", 999, {"discount_percent": 33}, 1, (330, 669, 47, 716, 716)),  # 329.67; fee 16.725
    ("USD", "buyer_pays", 1000, {"discount_minor": 1500}, 3, (1000, 0, 0, 0, 0)),  # never below zero: free, no fee
    ("USD", "organizer_absorbs", 2500, {"discount_percent": 20}, 1, (500, 2000, 80, 2000, 2000)),
    ("JPY", "buyer_pays", 3000, {"discount_percent": 10}, 2, (300, 2700, 118, 2818, 5636)),  # fee 67.5 -> 68 + 50
    ("JPY", "buyer_pays", 1001, {"discount_percent": 50}, 1, (501, 500, 63, 563, 563)),  # 500.5 -> 501; fee 12.5 -> 13
    ("JPY", "organizer_absorbs", 100, {"discount_minor": 40}, 1, (40, 60, 52, 60, 60)),
    ("KWD", "buyer_pays", 12500, {"discount_minor": 2500}, 2, (2500, 10000, 350, 10350, 20700)),  # 12.500 - 2.500
    ("KWD", "buyer_pays", 5005, {"discount_percent": 100}, 4, (5005, 0, 0, 0, 0)),
    ("KWD", "buyer_pays", 1999, {"discount_percent": 15}, 1, (300, 1699, 142, 1841, 1841)),  # 299.85 -> 300; 42.475
]


@pytest.mark.parametrize(("currency", "fee_mode", "price", "discount", "tickets", "expected"), FEE_TABLE)
def test_fee_and_total_with_a_discount(service: Ticketing, currency: str, fee_mode: str, price: int,
                                       discount: dict[str, int], tickets: int,
                                       expected: tuple[int, int, int, int, int]) -> None:
    event, tiers = publish_event(service, capacities=(100,), prices=(price,), currency=currency, fee_mode=fee_mode)
    code = codes_of(service).create(event.organizer_id, event.id, CodeSettings(code="PROMO", **discount))
    view_offer = codes_of(service).buyer_view(event.id, "promo").offer(tiers[0].id)
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, tickets)], BUYER, code=code.code)
    line = reservation.lines[0]
    got = (line.unit_discount_minor, line.unit_price_minor, line.unit_fee_minor, line.unit_total_minor,
           reservation.total_minor)
    assert got == expected
    assert view_offer is not None  # the page shows what the hold then charges
    assert (view_offer.discount_minor, view_offer.price.price_minor, view_offer.price.buyer_total_minor) == (
        expected[0], expected[1], expected[3])
    assert reservation.discount_minor == expected[0] * tickets
    assert line.unit_price_minor + line.unit_discount_minor == price


def test_a_paid_discounted_order_refunds_what_was_paid(service: Ticketing) -> None:
    event, tiers = publish_event(service, capacities=(10,), prices=(2500,), currency="USD")
    codes_of(service).create(event.organizer_id, event.id, CodeSettings(code="HALF", discount_percent=50))
    order = service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code="half").id, "pay")
    assert [(t.price_minor, t.fee_minor) for t in order.tickets] == [(1250, 61), (1250, 61)]
    assert (order.subtotal_minor, order.fee_minor, order.total_minor) == (2500, 122, 2622)


def test_a_code_reveals_only_the_hidden_tiers_it_unlocks(service: Ticketing) -> None:
    event, tiers = publish_event(service, capacities=(100,), prices=(2000,))
    crew = service.catalog.add_tier(event.organizer_id, event.id, name="Crew", price_minor=0, capacity=5, hidden=True)
    vip = service.catalog.add_tier(event.organizer_id, event.id, name="VIP", price_minor=9000, capacity=5, hidden=True)
    codes = codes_of(service)
    codes.create(event.organizer_id, event.id, CodeSettings(code="VIPONLY", unlocks_tiers=(vip.id,)))
    codes.create(event.organizer_id, event.id, CodeSettings(code="TENOFF", discount_percent=10))
    assert [o.tier.id for o in codes.buyer_view(event.id).tiers] == [tiers[0].id]
    assert [o.tier.id for o in codes.buyer_view(event.id, "viponly").tiers] == [tiers[0].id, vip.id]
    assert [o.tier.id for o in codes.buyer_view(event.id, "TENOFF").tiers] == [tiers[0].id]
    with pytest.raises(CodeRequired):
        service.reserve(event.id, [LineRequest(crew.id, 1)], BUYER, code="VIPONLY")
    with pytest.raises(CodeRequired):
        service.reserve(event.id, [LineRequest(vip.id, 1)], BUYER, code="TENOFF")
    held = service.reserve(event.id, [LineRequest(vip.id, 1), LineRequest(tiers[0].id, 2)], BUYER, code="VIPONLY")
    assert held.code is not None and held.code.uses == 1  # only the ticket the code was needed for
    public_only = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code="VIPONLY")
    assert public_only.code is None  # the code did nothing for these tickets: no use taken


def test_limits_windows_and_pauses_say_which(service: Ticketing, clock) -> None:  # type: ignore[no-untyped-def]
    event, tiers = publish_event(service, capacities=(100,), prices=(2000,))
    codes = codes_of(service)
    start = clock.now() + timedelta(days=1)
    soon = codes.create(event.organizer_id, event.id, CodeSettings(
        code="PRESALE", discount_percent=10, valid_from=start, valid_until=start + timedelta(days=1),
        max_per_order=2, max_uses=3))
    line = [LineRequest(tiers[0].id, 1)]
    with pytest.raises(CodeNotActive, match="not valid yet"):
        service.reserve(event.id, line, BUYER, code="PRESALE")
    clock.advance(days=1)
    with pytest.raises(ValidationFailed, match="At most 2"):
        service.reserve(event.id, [LineRequest(tiers[0].id, 3)], BUYER, code="presale")
    service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code="presale")
    with pytest.raises(CodeUsedUp, match="1 uses left"):
        service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code="presale")
    codes.pause(event.organizer_id, event.id, soon.id)
    with pytest.raises(CodeNotActive, match="paused"):
        service.reserve(event.id, line, BUYER, code="presale")
    codes.resume(event.organizer_id, event.id, soon.id)
    service.reserve(event.id, line, BUYER, code="presale")
    with pytest.raises(CodeUsedUp):
        codes.check(event.id, "presale")
    clock.advance(days=1)
    with pytest.raises(CodeNotActive, match="expired"):
        service.reserve(event.id, line, BUYER, code="presale")
    with pytest.raises(CodeInvalid):
        service.reserve(event.id, line, BUYER, code="nope-nope")
    assert [s.state for s in codes.stats(event.organizer_id, event.id)] == ["ended"]


def test_an_idempotency_key_with_another_code_is_another_request(service: Ticketing) -> None:
    event, tiers = publish_event(service, capacities=(100,), prices=(2000,))
    codes_of(service).create(event.organizer_id, event.id, CodeSettings(code="TENOFF", discount_percent=10))
    line = [LineRequest(tiers[0].id, 1)]
    first = service.reserve(event.id, line, BUYER, idempotency_key="k1", code="TENOFF")
    assert service.reserve(event.id, line, BUYER, idempotency_key="k1", code="tenoff") == first
    with pytest.raises(IdempotencyKeyReused):
        service.reserve(event.id, line, BUYER, idempotency_key="k1")


def test_edits_reach_the_next_hold_and_other_organizers_see_nothing(service: Ticketing) -> None:
    event, tiers = publish_event(service, capacities=(100,), prices=(2000,))
    codes = codes_of(service)
    code = codes.create(event.organizer_id, event.id, CodeSettings(code="SPRING", discount_minor=300))
    service.catalog.recent_view(event.id)
    codes.update(event.organizer_id, event.id, code.id, discount_minor=700)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], BUYER, code="SPRING")
    assert held.lines[0].unit_price_minor == 1300
    intruder = service.sign_up("intruder@example.com", "long enough", "I")
    for call in (lambda: codes.list(intruder.id, event.id), lambda: codes.delete(intruder.id, event.id, code.id),
                 lambda: codes.update(intruder.id, event.id, code.id, discount_minor=2000),
                 lambda: codes.create(intruder.id, event.id, CodeSettings(discount_percent=100))):
        with pytest.raises(Exception) as refused:
            call()
        assert getattr(refused.value, "code", "") == "not_found"


def test_codes_are_case_insensitive_and_generated_ones_unambiguous() -> None:
    assert normalize_code("  vip-2026 ") == "VIP-2026"
    for odd in ("", "ab", "a b c", "ÉTÉ", "x" * 41, "-LEADING", "CODE\x00", "😀😀😀"):
        with pytest.raises(CodeInvalid):
            normalize_code(odd)
    generated = {generate_code() for _ in range(200)}
    assert len(generated) == 200 and all(len(c) == 8 for c in generated)
    assert set("".join(generated)) <= set(CODE_ALPHABET) and not set(CODE_ALPHABET) & set("0O1IL")


def test_stripe_line_items_carry_the_discounted_amounts(service: Ticketing) -> None:
    event, tiers = publish_event(service, capacities=(10,), prices=(2500,), currency="USD")
    codes_of(service).create(event.organizer_id, event.id, CodeSettings(code="HALF", discount_percent=50))
    reservation = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], BUYER, code="half")
    items = checkout_lines(reservation, event, {tiers[0].id: "General"})
    assert [(i.unit_amount_minor, i.quantity) for i in items] == [(1250, 2), (122, 1)]
    assert "code HALF: $12.50 off" in items[0].name
    assert sum(i.unit_amount_minor * i.quantity for i in items) == reservation.total_minor == 2622
