"""Display helpers shared by the screens: money, numbers and dates in the event's own terms (its
currency, its timezone), written the way the visitor's language writes them (eventflow/i18n.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_time
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol

from eventflow.adapters.exchange_rates import ExchangeRates, shared_rates
from eventflow.domain.models import AvailabilityBand, availability_band
from eventflow.domain.money import currency_exponent, fee_description, format_money
from eventflow.i18n import _, current_visitor

# Date patterns per language (CLDR skeletons would reorder English; these keep English as it was):
# (with year, without year, time only). German: "Sa., 12. Dez. 2026, 18:00"; Spanish: "sáb, 12 dic 2026, 18:00".
DATE_PATTERNS = {
    "en": ("EEE d MMM y, HH:mm", "EEE d MMM, HH:mm"),
    "de": ("EEE, d. MMM y, HH:mm", "EEE, d. MMM, HH:mm"),
    "es": ("EEE, d MMM y, HH:mm", "EEE, d MMM, HH:mm"),
}
_rates_source: list[str | None] = [None]  # EVENTFLOW_EXCHANGE_RATES, set once at start (app/wiring.py)


def use_exchange_rates(source: str | None) -> None:
    _rates_source[0] = source


def rate_currencies() -> list[str]:
    """The currencies approximate prices can be shown in (none when no rates are configured)."""
    return sorted(shared_rates(_rates_source[0]).rates()) if _rates_source[0] else []


def money(amount_minor: int, currency: str) -> str:
    """`£12.50` for English readers, `12,50 €` / `1.234,50 €` for German ones: always the event's currency."""
    return format_money(amount_minor, currency, locale=current_visitor().format_locale)


def number(value: int | float | Decimal) -> str:
    return format_decimal(value, locale=current_visitor().format_locale)


def price_label(amount_minor: int, currency: str) -> str:
    return _("Free") if amount_minor == 0 else money(amount_minor, currency)


def fee_words(currency: str) -> str:
    """The platform fee in words ('2.5% + €0.30 per paid ticket') in the visitor's language."""
    locale = current_visitor().format_locale
    if locale == "en_GB":
        return fee_description(currency)
    percent, _sep, fixed = fee_description(currency, locale).removesuffix(" per paid ticket").partition(" + ")
    return _("{percent} + {fixed} per paid ticket").format(percent=percent, fixed=fixed)


def approximate(amount_minor: int, currency: str, rates: ExchangeRates | None = None) -> str | None:
    """`≈ US$13.55 (approximate)` in the visitor's currency, or None: same currency, no rates configured,
    or a currency the rates do not know. Only a guide: the event's currency is what is charged."""
    target = current_visitor().currency
    if amount_minor == 0 or target is None or target == currency.upper():
        return None
    rates = rates or shared_rates(_rates_source[0])
    rate = rates.rate(currency, target)
    if rate is None:
        return None
    major = Decimal(amount_minor).scaleb(-currency_exponent(currency)) * rate
    exponent = currency_exponent(target)
    converted = int((major.scaleb(exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return _("≈ {amount} (approximate)").format(amount=money(converted, target))


def _patterns() -> tuple[str, str]:
    return DATE_PATTERNS[current_visitor().language]


def event_when(starts_at: datetime, ends_at: datetime, timezone: str) -> str:
    """`Sat 12 Dec 2026, 18:00–00:00 (Europe/Berlin)` in the event's timezone."""
    zone = ZoneInfo(timezone)
    locale = current_visitor().format_locale
    with_year, without_year = _patterns()
    start = format_datetime(starts_at.astimezone(zone), with_year, locale=locale)
    end_local = ends_at.astimezone(zone)
    if end_local.date() == starts_at.astimezone(zone).date() or (
        end_local - starts_at.astimezone(zone)
    ).total_seconds() < 12 * 3600:
        end = format_time(end_local, "HH:mm", locale=locale)
    else:
        end = format_datetime(end_local, without_year, locale=locale)
    return f"{start}–{end} ({timezone})"


def local_moment(moment: datetime, now: datetime, timezone: str) -> str:
    """`Sat 12 Dec, 10:00 (Europe/Berlin)` in the event's timezone; the year only when it is not this year."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    with_year, without_year = _patterns()
    pattern = without_year if local.year == now.astimezone(zone).year else with_year
    return f"{format_datetime(local, pattern, locale=current_visitor().format_locale)} ({timezone})"


def availability_text(available: int, capacity: int) -> str:
    band = availability_band(available, capacity)
    if band is AvailabilityBand.NONE:
        return _("Sold out")
    if band is AvailabilityBand.FEW:
        return _("Only {count} left").format(count=available)
    return _("{count} left").format(count=available)


def device_words(recorded_by: str) -> str:
    """"Front door" for a check-in recorded as "Front door · device-1a2b3c" (the staff link's label the
    organizer gave, then the phone's random id, api/door.py `device_name`): the id means nothing to people."""
    label, _sep, device = recorded_by.rpartition(" · ")
    return label if label and device.startswith("device-") else recorded_by


def percent(share: float | None, decimals: int = 1) -> str:
    """A share (0.125) as the visitor writes percentages: `12.5%`, `12,5 %` (German, Spanish); `—` for none.
    The locale's own pattern (its space and sign), with a fixed number of decimals."""
    if share is None:
        return "—"
    locale = current_visitor().format_locale
    pattern = Locale.parse(locale).percent_formats[None].pattern
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1) if "." not in pattern else pattern
    return format_percent(share, pattern, locale=locale)


def rate(share: float | None) -> str:
    """A rate as an organizer reads it: `100%`, `12.5%`, `4.2%` (at most one decimal, never a trailing `.0`),
    in the locale's own pattern (`12,5 %` for German readers); `—` for none."""
    if share is None:
        return "—"
    locale = current_visitor().format_locale
    pattern = Locale.parse(locale).percent_formats[None].pattern
    if "." not in pattern:  # `#` drops a zero decimal: 100% and 5%, not 100.0% and 5.0%
        pattern = pattern.replace("0", "0.#", 1)
    return format_percent(share, pattern, locale=locale)


def chart_separators() -> str:
    """Plotly's `layout.separators` (decimal mark, then thousands) in the visitor's locale: its axes and
    hover labels then read `1.234,5` for German readers instead of `1,234.5`."""
    locale = current_visitor().format_locale
    return get_decimal_symbol(locale) + get_group_symbol(locale)
