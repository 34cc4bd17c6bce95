"""Exchange rates the operator configures (EVENTFLOW_EXCHANGE_RATES: a JSON file path or an http(s) URL)
for the pages' APPROXIMATE prices in a visitor's currency. Nothing is ever charged at these rates.

The source is JSON `{"base": "EUR", "rates": {"USD": 1.08, "GBP": 0.85}}` (the shape of most free rate
feeds, e.g. frankfurter.app's `/latest`). It is read at first use and again once a day; a source that
fails keeps the rates read last (and none at first: then no approximate price is shown).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

REFRESH_SECONDS = 24 * 3600
FETCH_TIMEOUT_SECONDS = 5


def read_rates(text: str) -> dict[str, Decimal]:
    """`{"base": "EUR", "rates": {...}}` → units of each currency per 1 base (the base itself is 1)."""
    data = json.loads(text)
    base = str(data["base"]).upper()
    rates = {base: Decimal(1)}
    for code, value in dict(data["rates"]).items():
        rate = Decimal(str(value))
        if len(code) == 3 and rate > 0:
            rates[code.upper()] = rate
    return rates


class ExchangeRates:
    """Rates from one source, refreshed daily; `rate(a, b)` is None when either currency is unknown."""

    def __init__(self, source: str | None, clock: Callable[[], float] = time.time) -> None:
        self.source = source
        self._clock = clock
        self._rates: dict[str, Decimal] = {}
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def _load(self) -> str:
        assert self.source is not None
        if self.source.startswith(("http://", "https://")):
            with urllib.request.urlopen(self.source, timeout=FETCH_TIMEOUT_SECONDS) as answer:
                return str(answer.read().decode("utf-8"))
        return Path(self.source).read_text(encoding="utf-8")

    @property
    def remote(self) -> bool:
        return self.source is not None and self.source.startswith(("http://", "https://"))

    def rates(self) -> dict[str, Decimal]:
        if self.source is None:
            return {}
        if self.remote:
            return self._rates  # fetched by the job, never here (see the module docstring)
        return self.refresh()

    def refresh(self) -> dict[str, Decimal]:
        """Read the source if a day has passed since the last read (blocking: a worker thread for a URL)."""
        if self.source is None:
            return {}
        with self._lock:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= REFRESH_SECONDS:
                self._read_at = now  # a failing source is tried again tomorrow, not on every page
                with suppress(OSError, ValueError, KeyError, TypeError, InvalidOperation, AttributeError):
                    self._rates = read_rates(self._load())  # on failure: the last good rates stay
            return self._rates

    def rate(self, from_currency: str, to_currency: str) -> Decimal | None:
        rates = self.rates()
        source, target = rates.get(from_currency.upper()), rates.get(to_currency.upper())
        if source is None or target is None:
            return None
        return target / source


@lru_cache(maxsize=8)
def shared_rates(source: str | None) -> ExchangeRates:
    """One ExchangeRates per configured source for the whole process (the pages ask on every render)."""
    return ExchangeRates(source)
