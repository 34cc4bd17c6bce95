"""What to do next (issue 18): the sell-out forecast with its back-test and the pricing suggestions of one
event, read for the analytics API and the dashboard's forecast panel, and the organizer's dismissals.

The organizer's past events (the last `PAST_EVENTS` whose start has passed, cancelled ones left out) are
read as curves from the store's hourly aggregates: two reads per past event, kept for
`HISTORY_TTL` per event (older ones dropped) so a dashboard that re-reads on every sale does not re-read
the history, nor re-run its back-test, each time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from eventflow.domain.analytics import major_units
from eventflow.domain.clock import Clock
from eventflow.domain.errors import NotFound
from eventflow.domain.forecast import (
    BackTest,
    ForecastAnswer,
    SaleCurve,
    back_test,
    curve_of,
    event_forecast,
    forecast,
)
from eventflow.domain.models import Event, EventStatus, Tier
from eventflow.domain.ports import Store
from eventflow.domain.pricing_suggestions import (
    ADVICE,
    REASONS,
    TITLES,
    Suggestion,
    SuggestionDismissals,
    suggestions,
)
from eventflow.domain.sales_stats import SalesSummary
from eventflow.domain.traffic import SourceFigures
from eventflow.domain.waitlist_rules import WaitlistStore

PAST_EVENTS = 12
HISTORY_TTL = timedelta(minutes=10)


class AdviceStore(SuggestionDismissals, WaitlistStore, Store, Protocol):
    """The store as this module uses it (every backend is all three)."""


@dataclass(frozen=True, slots=True)
class History:
    """The organizer's past events as their tiers' curves (the forecasts and the suggestions)."""

    events: int
    tiers: tuple[SaleCurve, ...]
    back_test: BackTest  # computed once per read of the history, not per refresh


@dataclass(frozen=True, slots=True)
class Advice:
    answer: ForecastAnswer
    back_test: BackTest
    past_events: int
    suggestions: tuple[Suggestion, ...]  # the ones not dismissed
    tiers: tuple[tuple[str, ForecastAnswer], ...] = ()  # (tier id, its own sell-out forecast), in tier order


class SalesAdvice:
    """Forecast, back-test and suggestions of one event; dismissals."""

    def __init__(self, store: AdviceStore, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self._history: dict[str, tuple[datetime, History]] = {}  # event id -> (read at, its organizer's past)
        self._lock = threading.Lock()

    def history(self, event: Event, now: datetime) -> History:
        """The organizer's past events other than `event`, as curves (read at most every `HISTORY_TTL`)."""
        with self._lock:
            kept = self._history.get(event.id)
        if kept is not None and timedelta(0) <= now - kept[0] < HISTORY_TTL:
            return kept[1]
        past = sorted((e for e in self.store.list_events(event.organizer_id)
                       if e.id != event.id and e.starts_at <= now and e.status is not EventStatus.CANCELLED),
                      key=lambda e: e.starts_at)[-PAST_EVENTS:]
        tiers: list[SaleCurve] = []
        for old in past:
            buckets = self.store.sales_summary(old.id).buckets
            tiers.extend(curve_of(old, [tier], buckets) for tier in self.store.get_tiers(old.id))
        history = History(len(past), tuple(tiers), back_test(tiers))
        with self._lock:
            self._history = {key: got for key, got in self._history.items() if now - got[0] < HISTORY_TTL}
            self._history[event.id] = (now, history)
        return history

    def all_suggestions(self, event: Event, tiers: Sequence[Tier], sales: SalesSummary,
                        sources: Sequence[SourceFigures], history: History, now: datetime) -> list[Suggestion]:
        joined = {queue.tier_id: queue.next_position for queue in self.store.waitlist_tiers(event.id)}
        curves = {tier.id: curve_of(event, [tier], sales.buckets) for tier in tiers}
        return suggestions(tiers, curves, history.tiers, joined, sources, event.currency, now)

    def read(self, event: Event, tiers: Sequence[Tier], sales: SalesSummary,
             sources: Sequence[SourceFigures]) -> Advice:
        """`sales` must hold every hour (`Store.sales_summary(event_id)` without `since`)."""
        now = self.clock.now()
        if sales.since is not None:
            sales = self.store.sales_summary(event.id)
        history = self.history(event, now)
        curves = [curve_of(event, [tier], sales.buckets) for tier in tiers]
        each = [forecast(curve, now, history.tiers) for curve in curves]
        answer = event_forecast(curves, now, answers=each)
        per_tier = tuple((tier.id, tier_answer) for tier, tier_answer in zip(tiers, each, strict=True))
        dismissed = self.store.dismissed_suggestions(event.id)
        shown = [s for s in self.all_suggestions(event, tiers, sales, sources, history, now) if s.key not in dismissed]
        return Advice(answer, history.back_test, history.events, tuple(shown), per_tier)

    def dismiss(self, event: Event, key: str, sources: Sequence[SourceFigures]) -> None:
        """Dismiss a suggestion the event has now (dismissed already or not); NotFound for any other key."""
        now = self.clock.now()
        tiers = self.store.get_tiers(event.id)
        found = self.all_suggestions(event, tiers, self.store.sales_summary(event.id), sources,
                                     self.history(event, now), now)
        if key not in {s.key for s in found} and key not in self.store.dismissed_suggestions(event.id):
            raise NotFound("No such suggestion")
        self.store.dismiss_suggestion(event.id, key, now)


def iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def suggestion_words(suggestion: Suggestion) -> dict[str, str]:
    """The suggestion's placeholders in English: its facts, the tier's name, money as `EUR 27.50`."""
    words = {name: str(value) for name, value in suggestion.facts.items() if value is not None}
    currency = str(suggestion.facts.get("currency", ""))
    for name in ("price_minor", "old_price_minor"):
        value = suggestion.facts.get(name)
        if isinstance(value, int):
            words[name.removesuffix("_minor")] = f"{currency} {major_units(value, currency)}"
    return {**words, "tier": suggestion.tier_name}


def suggestion_json(suggestion: Suggestion) -> dict[str, Any]:
    words = suggestion_words(suggestion)
    return {"key": suggestion.key, "kind": suggestion.kind.value, "tier_id": suggestion.tier_id,
            "tier": suggestion.tier_name, "title": TITLES[suggestion.kind].format(**words),
            "reasoning": REASONS[suggestion.kind].format(**words),
            "advice": ADVICE[suggestion.advice].format(**words), "facts": dict(suggestion.facts)}


def answer_json(answer: ForecastAnswer, past_events: int) -> dict[str, Any]:
    """`forecast` (or None), `forecast_reason`, `forecast_by_close` of one forecast answer; `past_events`:
    how many past events' tiers shaped it (0 when none had enough sales)."""
    made = answer.forecast
    return {
        "forecast": None if made is None else {
            "sell_out_at": iso(made.sell_out_at), "low": iso(made.low), "high": iso(made.high),
            "per_hour": made.per_hour, "window_hours": made.window_hours, "sold": made.sold,
            "capacity": made.capacity, "past_events": past_events if made.histories else 0},
        "forecast_reason": None if answer.reason is None else answer.reason.value,
        "forecast_by_close": answer.by_close,
    }


def advice_json(advice: Advice | None) -> dict[str, Any]:
    """The analytics answer's `forecast`, `forecast_reason`, `forecast_by_close`, `backtest`, `suggestions`
    and `tier_forecasts` (each tier's own forecast, from its curve and the past events' tiers)."""
    if advice is None:
        return {"forecast": None, "forecast_reason": None, "forecast_by_close": None, "backtest": None,
                "suggestions": [], "tier_forecasts": []}
    test = advice.back_test
    return {
        **answer_json(advice.answer, advice.past_events),
        "backtest": {"past_events": advice.past_events, "held_out": len(test.held_out),
                     "forecasts": test.forecast_count, "mean_abs_error_hours": test.mean_abs_error_hours,
                     "inside_range": test.inside_range,
                     "events": [{"event_id": h.event_id, "sold_out_at": iso(h.sold_out_at),
                                 "forecast_at": iso(h.forecast_at), "error_hours": h.error_hours,
                                 "inside_range": h.inside_range} for h in test.held_out]},
        "suggestions": [suggestion_json(s) for s in advice.suggestions],
        "tier_forecasts": [{"tier_id": tier_id, **answer_json(answer, advice.past_events)}
                           for tier_id, answer in advice.tiers],
    }
