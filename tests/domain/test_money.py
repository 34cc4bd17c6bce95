"""Platform fee: round half up of 2.5 % plus a fixed amount per currency; free tickets free."""

from __future__ import annotations

import pytest

from eventflow.domain.errors import ValidationFailed
from eventflow.domain.money import (
    FIXED_FEE_MINOR,
    FeeMode,
    TicketPrice,
    currency_exponent,
    fee_description,
    format_money,
    parse_amount,
    platform_fee_minor,
    round_half_up_div,
)


@pytest.mark.parametrize(
    ("price_minor", "currency", "fee_minor"),
    [
        (0, "USD", 0),  # free tickets never pay a fee
        (0, "JPY", 0),
        (1000, "USD", 25 + 30),  # 10.00 -> 0.25 + 0.30
        (1200, "EUR", 30 + 30),
        (1800, "EUR", 45 + 30),
        (2000, "GBP", 50 + 30),
        (20, "USD", 1 + 30),  # 0.5 cent rounds half up to 1
        (19, "USD", 0 + 30),  # 0.475 cent rounds to 0
        (60, "USD", 2 + 30),  # 1.5 -> 2
        (100, "USD", 3 + 30),  # 2.5 -> 3 (half up, not banker's 2)
        (140, "CAD", 4 + 30),  # 3.5 -> 4 (banker's would also give 4)
        (1, "AUD", 0 + 30),
        (9999, "USD", 250 + 30),  # 249.975 -> 250
        (1500, "JPY", 38 + 50),  # 37.5 yen -> 38
        (1000, "JPY", 25 + 50),
        (3000, "KRW", 75 + 400),
        (20000, "KRW", 500 + 400),
        (5000, "KWD", 125 + 100),  # 5.000 KWD -> 0.125 + 0.100
        (12345, "KWD", 309 + 100),  # 308.625 -> 309
        (10_000_000_000, "USD", 250_000_000 + 30),
    ],
)
def test_platform_fee_table(price_minor: int, currency: str, fee_minor: int) -> None:
    assert platform_fee_minor(price_minor, currency) == fee_minor


@pytest.mark.parametrize(
    ("currency", "exponent"), [("USD", 2), ("EUR", 2), ("GBP", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3)]
)
def test_currency_exponents_follow_iso_4217(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


def test_fixed_fee_is_about_thirty_us_cents_in_every_currency() -> None:
    # Sanity bounds at rough 2026 rates: no currency gets a fee an order of magnitude off.
    assert FIXED_FEE_MINOR["JPY"] >= 40 and FIXED_FEE_MINOR["KRW"] >= 300
    assert 80 <= FIXED_FEE_MINOR["KWD"] <= 120


def test_unknown_currency_and_negative_price_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        platform_fee_minor(100, "XXX")
    with pytest.raises(ValidationFailed):
        platform_fee_minor(-1, "USD")


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(0, 7, 0), (5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (35, 10, 4), (14, 10, 1)],
)
def test_round_half_up(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_up_div(numerator, denominator) == expected


def test_buyer_pays_fee_on_top() -> None:
    price = TicketPrice.of(1800, "EUR", FeeMode.BUYER_PAYS)
    assert (price.fee_minor, price.buyer_total_minor, price.organizer_net_minor) == (75, 1875, 1800)


def test_organizer_absorbs_fee_from_the_price() -> None:
    price = TicketPrice.of(1800, "EUR", FeeMode.ORGANIZER_ABSORBS)
    assert (price.fee_minor, price.buyer_total_minor, price.organizer_net_minor) == (75, 1800, 1725)


def test_absorbed_fee_never_exceeds_a_tiny_price() -> None:
    price = TicketPrice.of(20, "USD", FeeMode.ORGANIZER_ABSORBS)
    assert (price.fee_minor, price.buyer_total_minor, price.organizer_net_minor) == (20, 20, 0)


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [(1250, "EUR", "€12.50"), (1500, "JPY", "JP¥1,500"), (12345, "KWD", "KWD12.345"), (0, "USD", "US$0.00")],
)
def test_format_money_uses_the_currency_digits(amount: int, currency: str, text: str) -> None:
    assert format_money(amount, currency, locale="en_GB").replace("\xa0", "") == text


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("12.50", "EUR", 1250), ("12,50", "EUR", 1250), ("1,500", "JPY", 1500), ("1500", "JPY", 1500),
     ("0", "USD", 0), ("", "USD", 0), ("3.125", "KWD", 3125), (" 7 ", "GBP", 700),
     ("1,234.5", "USD", 123450)],
)
def test_parse_amount(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [("12.505", "EUR"), ("1.5", "JPY"), ("-1", "USD"), ("ten", "USD"), ("NaN", "USD"), ("Infinity", "EUR")],
)
def test_parse_amount_refuses(text: str, currency: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_amount(text, currency)


# Rough 2026 US dollars per unit of each currency: bounds, not prices.
USD_PER_UNIT = {
    "USD": 1, "EUR": 1.1, "GBP": 1.3, "CAD": 0.73, "AUD": 0.66, "NZD": 0.6, "CHF": 1.15, "SGD": 0.75,
    "JPY": 0.0067, "KRW": 0.00073, "KWD": 3.25, "BHD": 2.65, "SEK": 0.095, "NOK": 0.093, "DKK": 0.147,
    "PLN": 0.25, "CZK": 0.044, "HUF": 0.0028, "MXN": 0.055, "BRL": 0.18, "INR": 0.012, "ZAR": 0.055,
    "HKD": 0.128, "ISK": 0.0073,
}


@pytest.mark.parametrize("currency", sorted(FIXED_FEE_MINOR))
def test_fixed_fee_is_near_thirty_us_cents_in_the_currencys_own_digits(currency: str) -> None:
    fixed_in_units = FIXED_FEE_MINOR[currency] / 10 ** currency_exponent(currency)
    assert 0.15 <= fixed_in_units * USD_PER_UNIT[currency] <= 0.6, currency


@pytest.mark.parametrize(
    ("currency", "text"),
    [("EUR", "2.5% + €0.30 per paid ticket"), ("JPY", "2.5% + JP¥50 per paid ticket"),
     ("KWD", "2.5% + KWD0.100 per paid ticket"), ("HUF", "2.5% + HUF120 per paid ticket")],
)
def test_fee_description_names_the_fixed_part_in_the_events_currency(currency: str, text: str) -> None:
    assert fee_description(currency) == text
