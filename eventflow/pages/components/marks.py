"""Helpers for the organizer pages' words (eventflow/i18n.py marks and translates them): a table's column
labels marked with `N_` in the visitor's language, money and short dates the visitor's way, and `pgettext` for a word
another page uses in another sense."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from eventflow.domain.money import format_money
from eventflow.i18n import DEFAULT, _, current_language, current_visitor, translations


def translated(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A table's columns (labels marked with N_) with their labels in the visitor's language."""
    return [{**column, "label": _(column["label"]) if column["label"] else ""} for column in columns]


def day_and_time(moment: datetime | date, shape: str = "%d %b %H:%M") -> str:
    """`30 Nov 15:40` (an strftime shape with a day, a short month, maybe a year and time) in the visitor's
    language: English as strftime writes it, German `30. Nov. 15:40`, Spanish `30 nov 15:40` (babel)."""
    visitor = current_visitor()
    if visitor.language == DEFAULT:
        return moment.strftime(shape)
    pattern = shape.replace("%d", "dd" if visitor.language != "de" else "dd.").replace("%b", "MMM") \
        .replace("%Y", "y").replace("%H", "HH").replace("%M", "mm")
    if isinstance(moment, datetime):
        return format_datetime(moment, pattern.replace("UTC", "'UTC'"), locale=visitor.format_locale)
    return format_date(moment, pattern, locale=visitor.format_locale)


def slot_labels(slots: Sequence[datetime], zone: ZoneInfo) -> tuple[str, ...]:
    """`19:05` per slot's local start; `05 Jun 23:55` when the slots span more than one local day (so no
    chart assumes an hour of the day). `slots` in time order."""
    if not slots:
        return ()
    days = {slots[0].astimezone(zone).date(), slots[-1].astimezone(zone).date()}
    shape = "%H:%M" if len(days) == 1 else "%d %b %H:%M"
    return tuple(day_and_time(slot.astimezone(zone), shape) for slot in slots)


def pgettext(context: str, message: str) -> str:
    """`_()` for a word another page uses in another sense ("To" a recipient, not "To" a date): the
    catalogue keeps one translation per (context, word)."""
    return translations(current_language()).pgettext(context, message)


def money(minor: int, currency: str) -> str:
    """`formatting.money`, remembered per language: Babel's formatting was a quarter of a dashboard refresh's CPU."""
    return _money(minor, currency, current_visitor().format_locale)


@functools.lru_cache(maxsize=4096)
def _money(minor: int, currency: str, locale: str) -> str:
    return format_money(minor, currency, locale=locale)
