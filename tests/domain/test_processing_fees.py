"""The processor's fee in both modes (pass_on, absorb), USD, EUR and JPY: the platform's take after
the processor's fee is never negative, on a sale or on any sequence of refunds, over many amounts
and quantities (hypothesis); integer minor units throughout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventflow.domain.errors import ValidationFailed
from eventflow.domain.money import FeeMode, TicketPrice
from eventflow.domain.payments.processing import FULL_REFUNDS, organizer_share, within_what_the_processor_left
from eventflow.domain.payments.records import Payment, PaymentState, Refund, RefundReason, RefundStatus
from eventflow.domain.processing_fees import (
    PROCESSOR_PRICES,
    ChargeSplit,
    ProcessingFees,
    ProcessorPrice,
    parse_processor_prices,
    split_charge,
)

CURRENCIES = ["USD", "EUR", "JPY"]
STRIPE_MINIMUM = {"USD": 50, "EUR": 50, "JPY": 50}  # Stripe refuses smaller charges
MODES = list(ProcessingFees)
PRICE = {"USD": st.integers(0, 500_000), "EUR": st.integers(0, 500_000), "JPY": st.integers(0, 5_000_000)}


def cart(currency: str, fee_mode: FeeMode, lines: list[tuple[int, int]]) -> tuple[int, int]:
    """(what the buyer owes before processing, the platform fee) of a cart, priced as checkout does."""
    prices = [(TicketPrice.of(price, currency, fee_mode), quantity) for price, quantity in lines]
    return (sum(p.buyer_total_minor * q for p, q in prices), sum(p.fee_minor * q for p, q in prices))


@st.composite
def charges(draw: st.DrawFn) -> tuple[str, ProcessingFees, FeeMode, ChargeSplit, int]:
    currency = draw(st.sampled_from(CURRENCIES))
    mode = draw(st.sampled_from(MODES))
    fee_mode = draw(st.sampled_from(list(FeeMode)))
    lines = draw(st.lists(st.tuples(PRICE[currency], st.integers(1, 20)), min_size=1, max_size=4))
    owed, fee = cart(currency, fee_mode, lines)
    if owed < STRIPE_MINIMUM[currency]:
        owed, fee = cart(currency, fee_mode, [(STRIPE_MINIMUM[currency] * 2, 1)])
    return currency, mode, fee_mode, split_charge(owed, fee, currency, mode), fee


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(charges())
def test_a_sale_never_costs_the_platform(charge: tuple[str, ProcessingFees, FeeMode, ChargeSplit, int]) -> None:
    currency, mode, _, split, platform_fee = charge
    processor_takes = PROCESSOR_PRICES[currency].fee_on(split.buyer_total_minor)  # what Stripe keeps
    assert split.application_fee_minor - processor_takes >= 0
    assert split.application_fee_minor - processor_takes == split.platform_fee_minor
    assert split.organizer_minor >= 0 and split.application_fee_minor <= split.buyer_total_minor
    if mode is ProcessingFees.PASS_ON:  # the buyer's extra line, and the platform fee untouched
        assert split.buyer_processing_minor == split.processing_minor == processor_takes
        assert split.platform_fee_minor == platform_fee
    else:
        assert split.buyer_processing_minor == 0 and split.processing_minor == processor_takes
        assert split.platform_fee_minor <= platform_fee
    assert all(isinstance(v, int) for v in (split.buyer_total_minor, split.platform_fee_minor,
                                            split.processing_minor, split.organizer_minor))


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(charges(), st.lists(st.integers(1, 1000), min_size=1, max_size=6), st.booleans())
def test_no_sequence_of_refunds_costs_the_platform(
    charge: tuple[str, ProcessingFees, FeeMode, ChargeSplit, int], parts: list[int], to_the_end: bool
) -> None:
    currency, _, _, split, _ = charge
    processor_takes = PROCESSOR_PRICES[currency].fee_on(split.buyer_total_minor)  # and keeps, refunds or not
    # Cut the refundable amount into pieces in the drawn proportions (all of it, or short of it).
    whole = split.refundable_minor if to_the_end else split.refundable_minor * 2 // 3
    cuts = [whole * sum(parts[: k + 1]) // sum(parts) for k in range(len(parts))]
    refunded = fee_back = reversed_ = 0
    for cut in cuts:
        piece = split.refund(cut - refunded, refunded, fee_back)
        refunded += piece.amount_minor
        fee_back += piece.platform_fee_back_minor
        reversed_ += piece.transfer_reversal_minor
        assert piece.platform_fee_back_minor >= 0 and piece.transfer_reversal_minor >= 0
        platform = split.application_fee_minor - processor_takes - fee_back
        assert platform >= 0, f"the platform nets {platform} after refunding {refunded}"
        assert reversed_ <= split.organizer_minor  # a reversal takes back at most what was sent
    if to_the_end:  # everything refundable went back: the whole platform fee, not a unit more
        assert refunded == split.refundable_minor and fee_back == split.platform_fee_minor
        assert reversed_ == split.organizer_minor  # the organizer gives back all it was sent


@pytest.mark.parametrize("currency", CURRENCIES)
@pytest.mark.parametrize("mode", MODES)
def test_refunding_more_than_the_processor_left_is_refused(currency: str, mode: ProcessingFees) -> None:
    split = split_charge(10_000, 280, currency, mode)
    with pytest.raises(ValidationFailed):
        split.refund(split.refundable_minor + 1)
    with pytest.raises(ValidationFailed):
        split.refund(2, split.refundable_minor - 1)


@pytest.mark.parametrize(("currency", "mode", "owed", "fee", "expected"), [
    # 2 x $10.00 with the buyer paying the platform fee (2 x 0.55): owes 2110.
    # pass_on, grossed up: x >= ceil(0.029 (2110 + x)) + 30: 92 is short (2202 -> 64 + 30 = 94), 94 covers (2204 -> 94)
    ("USD", ProcessingFees.PASS_ON, 2110, 110, (2204, 110, 94, 2000)),
    # absorb: the buyer pays 2110; ceil(61.19) + 30 = 92 comes out of the organizer's 2000
    ("USD", ProcessingFees.ABSORB, 2110, 110, (2110, 110, 92, 1908)),
    # €25.00 absorbed platform fee (0.93): 2.5 % + 25 -> ceil(62.5) + 25 = 88
    ("EUR", ProcessingFees.ABSORB, 2500, 93, (2500, 93, 88, 2319)),
    # ¥3000 + ¥125 fee, 3.6 %: 3125 * 0.036 = 112.5 -> 113; grossed up: 3242 * 0.036 = 116.7 -> 117
    ("JPY", ProcessingFees.PASS_ON, 3125, 125, (3242, 125, 117, 3000)),
])
def test_charges_by_hand(currency: str, mode: ProcessingFees, owed: int, fee: int,
                         expected: tuple[int, int, int, int]) -> None:
    split = split_charge(owed, fee, currency, mode)
    got = (split.buyer_total_minor, split.platform_fee_minor, split.processing_minor, split.organizer_minor)
    assert got == expected


def test_free_carts_and_tiny_absorbed_charges() -> None:
    assert split_charge(0, 0, "USD", ProcessingFees.PASS_ON).buyer_total_minor == 0
    with pytest.raises(ValidationFailed):  # 30 cents cannot pay a 31-cent processor fee
        split_charge(30, 0, "USD", ProcessingFees.ABSORB)
    tiny = split_charge(50, 31, "USD", ProcessingFees.ABSORB)  # the platform fee gives way, never below zero
    assert (tiny.processing_minor, tiny.platform_fee_minor, tiny.organizer_minor) == (32, 18, 0)


def test_the_operator_overrides_the_table() -> None:
    prices = parse_processor_prices("USD=3.4%+30, eur = 1.5%+25,JPY=3.6%")
    assert prices["USD"] == ProcessorPrice(340, 30) and prices["EUR"] == ProcessorPrice(150, 25)
    assert prices["JPY"] == ProcessorPrice(360, 0) and prices["GBP"] == PROCESSOR_PRICES["GBP"]
    assert set(parse_processor_prices("*=0%").values()) == {ProcessorPrice(0, 0)}
    assert parse_processor_prices(None) == PROCESSOR_PRICES
    for bad in ("USD=abc", "XXX=1%", "USD=100%", "USD"):
        with pytest.raises(ValidationFailed):
            parse_processor_prices(bad)


class RefundBook:
    """The two reads `domain/payments/processing.py` makes of the store: refunds recorded so far."""

    def __init__(self) -> None:
        self.refunds: list[Refund] = []

    def list_refunds(self, event_id: str) -> list[Refund]:
        return list(self.refunds)

    def get_refund(self, refund_id: str) -> Refund | None:
        return next((r for r in self.refunds if r.id == refund_id), None)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(charges(), st.lists(st.integers(1, 1000), max_size=4), st.sampled_from(sorted(FULL_REFUNDS)))
def test_a_full_refund_after_any_partial_ones_gives_everything_back_and_the_organizer_pays_the_processor(
    charge: tuple[str, ProcessingFees, FeeMode, ChargeSplit, int], parts: list[int], reason: RefundReason,
) -> None:
    """The organizer refunds some tickets (the processor's fee kept), then the event is cancelled (or
    the order voided, or the buyer asks after a postponement): the buyer has everything back, the
    platform never dips below zero and ends at exactly zero, the organizer's transfer is never
    reversed beyond what it was sent, and the debit is the processor's fee."""
    currency, _, _, split, _ = charge
    now = datetime(2026, 11, 30, tzinfo=UTC)
    payment = Payment(reservation_id="res_1", event_id="evt_1", organizer_id="org_1", account_id="acct_1",
                      session_id="cs_1", url="", amount_minor=split.buyer_total_minor,
                      fee_minor=split.application_fee_minor, currency=currency, state=PaymentState.PAID,
                      created_at=now, hold_expires_at=now, updated_at=now, payment_intent_id="pi_1",
                      order_id="ord_1", processing_minor=split.processing_minor)
    book = RefundBook()
    processor_takes = PROCESSOR_PRICES[currency].fee_on(split.buyer_total_minor)
    platform = split.application_fee_minor - processor_takes
    reversed_total = debited = 0

    def refund(refund_id: str, amount: int, why: RefundReason) -> None:
        nonlocal platform, reversed_total, debited
        asked = Refund(id=refund_id, event_id="evt_1", reservation_id="res_1", order_id="ord_1",
                       payment_intent_id="pi_1", ticket_ids=(), tier_quantities=(), amount_minor=amount,
                       fee_minor=0, currency=currency, reason=why, restock=False,
                       status=RefundStatus.PENDING, created_at=now)
        fitted = within_what_the_processor_left(asked, payment, book)  # type: ignore[arg-type]
        book.refunds.append(fitted)
        reversal, debit = organizer_share(fitted, payment, book)  # type: ignore[arg-type]
        platform += reversal + debit - fitted.amount_minor
        reversed_total += reversal
        debited += debit
        assert platform >= 0 and reversal >= 0 and debit >= 0
        assert reversed_total <= split.organizer_minor
        if why not in FULL_REFUNDS:
            assert debit == 0  # the organizer's own refunds never reach past the transfer

    whole = split.refundable_minor * 2 // 3
    done = 0
    for n, part in enumerate(parts):
        piece = whole * part // (sum(parts) * 2)
        if piece and done + piece <= split.refundable_minor:
            refund(f"rf_{n}", piece, RefundReason.ORGANIZER)
            done += piece
    refund("rf_full", split.buyer_total_minor, reason)
    assert sum(r.amount_minor for r in book.refunds) == split.buyer_total_minor  # everything back
    assert sum(r.fee_minor for r in book.refunds) == split.platform_fee_minor
    assert platform == 0 and debited == split.processing_minor
