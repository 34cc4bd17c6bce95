"""Money as integer minor units, and the platform fee.

The fee per paid ticket is round-half-up(2.5 % of the price) plus a fixed amount per currency
(0.30 in the dollar/euro family, a comparable amount elsewhere). Free tickets cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from babel.numbers import format_currency, format_decimal, get_currency_precision

from eventflow.domain.errors import ValidationFailed

PERCENT_FEE_PER_MILLE = 25  # 2.5 %

# Fixed part of the platform fee, in minor units of each supported currency; roughly
# 0.30 USD at 2026 rates, rounded to an amount a person in that currency would find natural.
# Minor units follow the currency's digits as babel (CLDR) reports them: HUF and ISK have none.
FIXED_FEE_MINOR: dict[str, int] = {
    "USD": 30, "EUR": 30, "GBP": 30, "CAD": 30, "AUD": 30, "NZD": 30, "CHF": 30, "SGD": 40,
    "JPY": 50, "KRW": 400, "KWD": 100, "BHD": 100, "SEK": 300, "NOK": 300, "DKK": 200,
    "PLN": 120, "CZK": 700, "HUF": 120, "MXN": 600, "BRL": 150, "INR": 2500, "ZAR": 550,
    "HKD": 250, "ISK": 40,
}

SUPPORTED_CURRENCIES = frozenset(FIXED_FEE_MINOR)


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point in the ISO 4217 currency (USD 2, JPY 0, KWD 3)."""
    require_supported(currency)
    return int(get_currency_precision(currency))


def require_supported(currency: str) -> str:
    if currency not in SUPPORTED_CURRENCIES:
        raise ValidationFailed("Currency {currency!r} is not supported; use one of {names}", currency=currency,
                               names=", ".join(sorted(SUPPORTED_CURRENCIES)))
    return currency


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("round_half_up_div takes a non-negative numerator and positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def platform_fee_minor(price_minor: int, currency: str) -> int:
    """The platform fee on one ticket of this price: 2.5 % (half up) + fixed; 0 for free tickets."""
    require_supported(currency)
    if price_minor < 0:
        raise ValidationFailed("A price cannot be negative")
    if price_minor == 0:
        return 0
    return round_half_up_div(price_minor * PERCENT_FEE_PER_MILLE, 1000) + FIXED_FEE_MINOR[currency]


class FeeMode(StrEnum):
    BUYER_PAYS = "buyer_pays"
    ORGANIZER_ABSORBS = "organizer_absorbs"


@dataclass(frozen=True, slots=True)
class TicketPrice:
    """What one ticket costs the buyer and earns the organizer, line by line."""

    price_minor: int  # the tier's price as the organizer set it
    fee_minor: int  # platform fee on this ticket
    buyer_total_minor: int  # what the buyer pays for this ticket
    organizer_net_minor: int  # what reaches the organizer

    @staticmethod
    def of(price_minor: int, currency: str, fee_mode: FeeMode) -> TicketPrice:
        fee = platform_fee_minor(price_minor, currency)
        if fee_mode is FeeMode.BUYER_PAYS:
            return TicketPrice(price_minor, fee, price_minor + fee, price_minor)
        # Absorbed: the buyer pays the sticker price; the fee never exceeds it, so an organizer
        # never owes money on a very cheap ticket.
        fee = min(fee, price_minor)
        return TicketPrice(price_minor, fee, price_minor, price_minor - fee)


def fee_description(currency: str, locale: str = "en_GB") -> str:
    """The fee in words for buyers and organizers, e.g. '2.5% + €0.30 per paid ticket', '2.5% + ¥50 ...'."""
    percent = format_decimal(Decimal(PERCENT_FEE_PER_MILLE) / 10, locale=locale)
    fixed = format_money(FIXED_FEE_MINOR[require_supported(currency)], currency, locale)
    return f"{percent}% + {fixed} per paid ticket"


def parse_amount(text: str, currency: str) -> int:
    """'12.50' in EUR -> 1250; refuses negatives, words, and more decimals than the currency has."""
    exponent = currency_exponent(currency)
    cleaned = text.strip().replace(" ", "")
    # "12,50" is a decimal comma; "1,500" and "1,234.50" use the comma to group thousands.
    if cleaned.count(",") == 1 and "." not in cleaned and len(cleaned.split(",")[1]) != 3:
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    try:
        amount = Decimal(cleaned or "0")
    except InvalidOperation:
        raise ValidationFailed("{text!r} is not an amount", text=text) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed("Enter an amount of zero or more")
    minor = amount.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValidationFailed("{currency} amounts have {places} decimal places at most", currency=currency,
                               places=exponent)
    return int(minor)


def format_money(amount_minor: int, currency: str, locale: str = "en_US") -> str:
    """Human text for an amount, e.g. 1250 EUR -> '€12.50'; babel knows each currency's digits."""
    exponent = currency_exponent(currency)
    return format_currency(Decimal(amount_minor).scaleb(-exponent), currency, locale=locale)
