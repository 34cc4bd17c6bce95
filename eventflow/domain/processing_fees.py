"""The card processor's fee, and who carries it: the money of one charge and of its refunds.

With Stripe Connect destination charges the processor takes its fee from the *platform's*
balance. Before this module the platform paid it out of its own 2.5 % + fixed fee, so a US card
(2.9 % + 0.30 of the buyer's total) lost money on every ticket, and every refund that returned the
platform fee lost the processor's fee a second time. Now the application fee the platform takes on
a charge is its platform fee **plus** the processor's fee, estimated from a per-currency price
table (`PROCESSOR_PRICES`, overridable by the operator: `parse_processor_prices`). Who pays for
that estimate is the operator's setting (`ProcessingFees`):

- `pass_on`: the buyer pays it as its own line, "Payment processing", grossed up so that the
  processor's fee on the larger total is still covered;
- `absorb`: the buyer pays the sticker price; the organizer's transfer is smaller by the estimate.

The platform fee (2.5 % + fixed, `money.platform_fee_minor`) is the same in both modes. So the
platform's take on a sale is `application fee - processor's fee = platform fee >= 0` whenever the
processor charges no more than the table says (a dearer card, an international one say, eats
into the platform fee first: keep the table at the prices actually paid).

A processor keeps its fee when a payment is refunded, and a transfer reversal can take back at
most what the organizer was sent, so the processor's fee can never go back to the buyer without
someone paying it twice: refunds give back at most `ChargeSplit.refundable_minor` (the buyer's
total less the processing estimate), and the platform gives back its platform fee (never the
processing part) in proportion to what is refunded. See `RefundSplit` and docs/payments.md.

Everything is integer minor units; a fee estimate is rounded *up* (never under the real fee).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from eventflow.domain.errors import ValidationFailed
from eventflow.domain.money import FIXED_FEE_MINOR, SUPPORTED_CURRENCIES, round_half_up_div


class ProcessingFees(StrEnum):
    """Who carries the payment processor's fee (`EVENTFLOW_PROCESSING_FEES`)."""

    PASS_ON = "pass_on"  # the buyer, as the line "Payment processing"
    ABSORB = "absorb"  # the organizer, out of the transfer


PROCESSING_LINE = "Payment processing"
BASIS_POINTS = 10_000


@dataclass(frozen=True, slots=True)
class ProcessorPrice:
    """The processor's price for one card charge: a share of the charged total plus a fixed amount."""

    basis_points: int  # 290 = 2.9 %
    fixed_minor: int

    def fee_on(self, charged_minor: int) -> int:
        """The processor's fee on a charge of this total, rounded up (an estimate never falls short)."""
        if charged_minor <= 0:
            return 0
        return -(-charged_minor * self.basis_points // BASIS_POINTS) + self.fixed_minor

    def grossed_up(self, base_minor: int) -> int:
        """The smallest surcharge `x` with `x >= fee_on(base + x)`: what a buyer adds so that the
        processor's fee on the whole (surcharge included) is covered."""
        if base_minor <= 0:
            return 0
        surcharge = self.fee_on(base_minor)
        while self.fee_on(base_minor + surcharge) > surcharge:  # converges in a step or two
            surcharge = self.fee_on(base_minor + surcharge)
        return surcharge

    def describe(self) -> str:
        percent = f"{self.basis_points / 100:g}%"
        return f"{percent} + {self.fixed_minor}" if self.fixed_minor else percent


# Stripe's standard card prices (2026) for a platform charging in these currencies: US 2.9 % + 30¢,
# Japan 3.6 %, the UK and the euro area between domestic (1.5 %) and international cards (3.25 %).
# Every other supported currency: 2.9 % + the platform's own fixed fee (about 0.30 USD in it).
# Operators override this with EVENTFLOW_PROCESSOR_PRICES to match their contract with Stripe.
PROCESSOR_PRICES: dict[str, ProcessorPrice] = {
    "USD": ProcessorPrice(290, 30), "EUR": ProcessorPrice(250, 25), "GBP": ProcessorPrice(250, 20),
    "JPY": ProcessorPrice(360, 0), "CAD": ProcessorPrice(290, 30), "AUD": ProcessorPrice(290, 30),
    **{currency: ProcessorPrice(290, FIXED_FEE_MINOR[currency])
       for currency in SUPPORTED_CURRENCIES - {"USD", "EUR", "GBP", "JPY", "CAD", "AUD"}},
}

_PRICE = re.compile(r"^\s*(\d+(?:\.\d{1,2})?)\s*%\s*(?:\+\s*(\d+))?\s*$")


def parse_processor_prices(text: str | None) -> dict[str, ProcessorPrice]:
    """The default table with an operator's overrides: `"USD=2.9%+30,EUR=1.5%+25,JPY=3.6%"`
    (percent of the charged total + fixed in minor units; `*=` sets every currency, `*=0%` turns
    the estimate off, e.g. for a processor that charges the organizer directly)."""
    prices = dict(PROCESSOR_PRICES)
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        currency, _, price = entry.partition("=")
        match = _PRICE.match(price)
        currency = currency.strip().upper()
        if match is None or (currency != "*" and currency not in SUPPORTED_CURRENCIES):
            raise ValidationFailed("Processor price {entry!r}: write CURRENCY=PERCENT%+FIXED_MINOR, e.g. USD=2.9%+30",
                                   entry=entry)
        basis_points = round(float(match.group(1)) * 100)
        if basis_points >= BASIS_POINTS:
            raise ValidationFailed("Processor price {entry!r}: the percentage must be under 100", entry=entry)
        parsed = ProcessorPrice(basis_points, int(match.group(2) or 0))
        prices.update(dict.fromkeys(SUPPORTED_CURRENCIES, parsed) if currency == "*" else {currency: parsed})
    return prices


@dataclass(frozen=True, slots=True)
class ChargeSplit:
    """One card charge, line by line, and where its money goes (all minor units).

    buyer_total = tickets + platform fee paid by the buyer + processing paid by the buyer;
    application_fee = platform_fee + processing (what the platform keeps from the charge);
    organizer = buyer_total - application_fee (the destination's transfer)."""

    buyer_total_minor: int
    platform_fee_minor: int  # the platform's own fee (2.5 % + fixed per ticket, as priced)
    processing_minor: int  # the processor's fee as estimated from the table
    processing_on_buyer: bool  # shown to the buyer as its own line

    @property
    def application_fee_minor(self) -> int:
        return self.platform_fee_minor + self.processing_minor

    @property
    def organizer_minor(self) -> int:
        return self.buyer_total_minor - self.application_fee_minor

    @property
    def buyer_processing_minor(self) -> int:
        """The "Payment processing" line the buyer sees (0 when absorbed)."""
        return self.processing_minor if self.processing_on_buyer else 0

    @property
    def refundable_minor(self) -> int:
        """The most all refunds of this charge together give back: the processor keeps its fee."""
        return self.buyer_total_minor - self.processing_minor

    def refund(self, amount_minor: int, refunded_before_minor: int = 0, fee_back_before_minor: int = 0) -> RefundSplit:
        """How a refund of `amount_minor` is paid for, after earlier refunds of this charge.

        The platform gives back its platform fee in proportion to everything refunded so far
        (half up, less what it gave back before: refunding piece by piece returns exactly the whole
        fee, never the processing part); the organizer's transfer is reversed by the rest."""
        after = refunded_before_minor + amount_minor
        if amount_minor < 0 or after > self.refundable_minor:
            raise ValidationFailed("That is more than can be refunded of this payment "
                                   "(the card processor keeps its fee)")
        if after == 0:
            return RefundSplit(0, 0)
        fee_back = round_half_up_div(self.platform_fee_minor * after, self.refundable_minor) - fee_back_before_minor
        return RefundSplit(amount_minor, fee_back)


@dataclass(frozen=True, slots=True)
class RefundSplit:
    amount_minor: int  # back to the buyer
    platform_fee_back_minor: int  # out of the platform's fee

    @property
    def transfer_reversal_minor(self) -> int:
        """Taken back from the organizer's transfer."""
        return self.amount_minor - self.platform_fee_back_minor


def split_charge(
    tickets_total_minor: int, platform_fee_minor: int, currency: str, mode: ProcessingFees,
    prices: dict[str, ProcessorPrice] | None = None,
) -> ChargeSplit:
    """The charge for a cart whose buyer owes `tickets_total_minor` before processing (the tickets,
    plus the platform fee when the buyer pays it; `platform_fee_minor` is that fee, or the one the
    organizer absorbs). Free carts are no charge at all."""
    price = (prices or PROCESSOR_PRICES)[currency]
    if tickets_total_minor <= 0:
        return ChargeSplit(0, 0, 0, mode is ProcessingFees.PASS_ON)
    if mode is ProcessingFees.PASS_ON:
        processing = price.grossed_up(tickets_total_minor)
        return ChargeSplit(tickets_total_minor + processing, platform_fee_minor, processing, True)
    processing = price.fee_on(tickets_total_minor)
    if processing > tickets_total_minor:
        raise ValidationFailed("This amount is too small to take by card: the processor's fee is larger")
    # The organizer's transfer never goes below zero: on a tiny ticket the platform fee gives way
    # first (the processor's fee never does, so the platform never pays it).
    fee = min(platform_fee_minor, tickets_total_minor - processing)
    return ChargeSplit(tickets_total_minor, fee, processing, False)
