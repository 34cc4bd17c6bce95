"""Pricing suggestions (domain/pricing_suggestions.py) fire only on the condition they name, on synthetic
sales histories: a tier sold out within hours *and* with a waitlist; a tier far behind the organizer's usual
curve *at the same point of the sale*, with the channel that converts. And through `SalesAdvice`: the
answer's words, a dismissal that sticks, an unknown key refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import NotFound
from eventflow.domain.forecast import HOUR, SaleCurve, curve_of
from eventflow.domain.models import Event, Tier
from eventflow.domain.pricing_suggestions import (
    ADVICE,
    REASONS,
    TITLES,
    SuggestionKind,
    behind_usual,
    best_channel,
    raised_price,
    sold_out_fast,
)
from eventflow.domain.sales_advice import AdviceStore, SalesAdvice, advice_json
from eventflow.domain.sales_stats import SalesBucket, SalesSummary, summary_from_rows
from eventflow.domain.traffic import SourceFigures
from eventflow.domain.waitlist_rules import WaitlistTier
from tests.domain.test_forecast import OPEN, event, sales, tier
from tests.fakes.memory_suggestion_dismissals import InMemorySuggestionDismissalsMixin


def tier_curve(per_hour: list[int], capacity: int, event_id: str = "evt_now", days: int = 10,
               opened: Any = OPEN) -> tuple[Tier, SaleCurve]:
    sold_tier = tier(capacity, event_id, opened=opened)
    return sold_tier, curve_of(event(event_id, opened, days), [sold_tier], sales(per_hour, opened=opened))


# ------------------------------------------------------------------ sold out in hours, with a waitlist
def test_sold_out_in_hours_with_a_waitlist_suggests_a_higher_price_or_more_places() -> None:
    sold, curve = tier_curve([40, 40, 20], 100)  # sold out at the end of hour 3
    suggestion = sold_out_fast(sold, curve, waitlist_joined=30, currency="EUR")
    assert suggestion is not None and suggestion.kind is SuggestionKind.RAISE
    assert suggestion.key == f"raise_price_or_capacity:{sold.id}" and suggestion.advice == "raise"
    facts = suggestion.facts
    assert (facts["hours"], facts["waitlist"], facts["new_capacity"]) == (3, 30, 130)
    assert (facts["percent"], facts["old_price_minor"], facts["price_minor"]) == (20, 2500, 3000)


@pytest.mark.parametrize(("per_hour", "waitlist"), [
    ([4] * 25, 30),  # sold out, with a waitlist, but in 25 hours: not "in hours"
    ([40, 40, 20], 0),  # sold out in 3 hours, nobody waiting
    ([40, 40, 19], 30),  # one ticket short of sold out, people waiting
])
def test_no_raise_without_both_conditions(per_hour: list[int], waitlist: int) -> None:
    sold, curve = tier_curve(per_hour, 100)
    assert sold_out_fast(sold, curve, waitlist, "EUR") is None


def test_raised_prices_are_whole_currency_units_in_minor_units() -> None:
    assert raised_price(2500, 10, "EUR") == 2800  # 27.50 -> 28.00
    assert raised_price(1999, 10, "EUR") == 2200
    assert raised_price(1500, 10, "JPY") == 1650  # no decimals
    assert raised_price(12_345, 20, "KWD") == 15_000  # three decimals: 14.814 -> 15.000


def test_a_free_tier_is_told_more_places_not_a_price() -> None:
    free = Tier(id="tier_free", event_id="evt_now", name="Free", price_minor=0, capacity=20, sales_start=OPEN)
    curve = curve_of(event(), [free], sales([20], tier_id="tier_free"))
    suggestion = sold_out_fast(free, curve, 3, "EUR")
    assert suggestion is not None and suggestion.advice == "capacity" and suggestion.facts["price_minor"] is None
    assert suggestion.facts["percent"] == 10  # 3 waiting is less than a quarter of 20


# ------------------------------------------------------------------ far behind its usual curve
def past_tiers(count: int = 3) -> list[SaleCurve]:
    """Past events (10-day sales) that sold 2 an hour of their 480: half of it by the middle of the window."""
    return [tier_curve([2] * 240, 480, f"evt_past{i}", opened=OPEN - timedelta(days=30 * (i + 1)))[1]
            for i in range(count)]


SOURCES = [
    SourceFigures("evt_now", "direct", visitors=500, orders=90),  # converts best, but is not a channel
    SourceFigures("evt_now", "instagram", visitors=200, orders=10),  # 5 %
    SourceFigures("evt_now", "newsletter", visitors=100, orders=12),  # 12 %: the one
    SourceFigures("evt_now", "friend", visitors=5, orders=4),  # 80 % of five visitors: noise
]


def test_far_behind_at_the_same_point_suggests_a_code_for_the_channel_that_converts() -> None:
    """Half the window gone: past tiers had sold 50 %, this one 10 %."""
    behind, curve = tier_curve([1 if h % 5 == 0 else 0 for h in range(120)], 240)
    now = OPEN + 120 * HOUR
    suggestion = behind_usual(behind, curve, past_tiers(), SOURCES, now)
    assert suggestion is not None and suggestion.kind is SuggestionKind.CODE and suggestion.advice == "channel"
    facts = suggestion.facts
    assert (facts["sold_percent"], facts["progress_percent"], facts["usual_percent"]) == (10, 50, 50)
    assert (facts["channel"], facts["conversion"]) == ("newsletter", 12.0)


@pytest.mark.parametrize(("per_hour", "capacity", "hours", "past"), [
    ([1] * 120, 240, 120, 3),  # on its usual curve: 50 % at half time
    ([1 if h % 5 == 0 else 0 for h in range(120)], 240, 120, 1),  # only one past event: no "usual"
    ([0] * 20, 240, 20, 3),  # under a tenth of the window gone: too early to tell
    ([1 if h % 2 == 0 else 0 for h in range(48)], 240, 48, 3),  # 10 % vs a usual 20 %: behind, but by < 15 %
])
def test_no_code_suggestion_unless_far_behind_a_usual_curve(per_hour: list[int], capacity: int, hours: int,
                                                            past: int) -> None:
    behind, curve = tier_curve(per_hour, capacity)
    assert behind_usual(behind, curve, past_tiers(past), SOURCES, OPEN + hours * HOUR) is None


def test_far_behind_without_a_converting_channel_says_to_make_tracking_links_first() -> None:
    behind, curve = tier_curve([1 if h % 5 == 0 else 0 for h in range(120)], 240)
    suggestion = behind_usual(behind, curve, past_tiers(), SOURCES[:1] + SOURCES[3:], OPEN + 120 * HOUR)
    assert suggestion is not None and suggestion.advice == "no_channel" and suggestion.facts["channel"] is None
    assert best_channel([]) is None


# ------------------------------------------------------------------ through SalesAdvice: words and dismissals
class AdviceFake(InMemorySuggestionDismissalsMixin):
    """The few store reads `SalesAdvice` makes, over fixed events, tiers, hourly sales and waitlists."""

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[str, Event] = {}
        self.tiers: dict[str, list[Tier]] = {}
        self.buckets: dict[str, list[SalesBucket]] = {}
        self.waiting: dict[str, list[WaitlistTier]] = {}
        self.reads = 0

    def add(self, sold: Event, tiers: list[Tier], buckets: list[SalesBucket]) -> None:
        self.events[sold.id], self.tiers[sold.id], self.buckets[sold.id] = sold, tiers, buckets

    def list_events(self, organizer_id: str) -> list[Event]:
        return [e for e in self.events.values() if e.organizer_id == organizer_id]

    def get_tiers(self, event_id: str) -> list[Tier]:
        return self.tiers.get(event_id, [])

    def sales_summary(self, event_id: str, since: Any = None) -> SalesSummary:
        self.reads += 1
        rows = [(b.hour, b.tier_id, b.tickets, b.gross_minor, b.fee_minor) for b in self.buckets.get(event_id, [])]
        return summary_from_rows([], rows, since)

    def waitlist_tiers(self, event_id: str | None = None) -> list[WaitlistTier]:
        return self.waiting.get(event_id or "", [])


def shop() -> tuple[AdviceFake, SalesAdvice, ManualClock, Event]:
    """An event whose only tier sold its 100 in 3 hours with 30 people on the waitlist, and four past
    events of the organizer that each sold 10 an hour to their 200 (for the back-test)."""
    fake = AdviceFake()
    for i in range(4):
        opened = OPEN - timedelta(days=20 * (i + 1))
        fake.add(event(f"evt_past{i}", opened, days=5), [tier(200, f"evt_past{i}", opened=opened)],
                 sales([10] * 20, opened=opened))
    now_event = event()
    fake.add(now_event, [tier(100)], sales([40, 40, 20]))
    fake.waiting["evt_now"] = [WaitlistTier("evt_now", "tier_a", next_position=30, waiting=30)]
    clock = ManualClock(OPEN + 5 * HOUR)
    return fake, SalesAdvice(cast(AdviceStore, fake), clock), clock, now_event


def read(advice: SalesAdvice, fake: AdviceFake, shown: Event) -> dict[str, Any]:
    return advice_json(advice.read(shown, fake.get_tiers(shown.id), fake.sales_summary(shown.id), SOURCES))


def test_the_answer_carries_its_reasoning_and_the_back_test() -> None:
    fake, advice, _clock, shown = shop()
    body = read(advice, fake, shown)
    assert (body["forecast"], body["forecast_reason"]) == (None, "sold_out")
    assert body["backtest"]["past_events"] == 4 and body["backtest"]["forecasts"] == 4
    assert body["backtest"]["mean_abs_error_hours"] <= 0.2 and len(body["backtest"]["events"]) == 4
    [suggestion] = body["suggestions"]
    assert suggestion["key"] == "raise_price_or_capacity:tier_a"
    assert suggestion["reasoning"] == ("General sold out (100 tickets) 3 h after its sales opened; "
                                       "waitlist sign-ups: 30.")
    assert suggestion["advice"] == "Try EUR 30.00 instead of EUR 25.00, or 130 places."
    assert suggestion["title"] == TITLES[SuggestionKind.RAISE].format(tier="General")


def test_a_dismissal_sticks_and_an_unknown_key_is_refused() -> None:
    fake, advice, clock, shown = shop()
    with pytest.raises(NotFound):
        advice.dismiss(shown, "raise_price_or_capacity:tier_other", SOURCES)
    with pytest.raises(NotFound):
        advice.dismiss(shown, "code_for_channel:tier_a", SOURCES)  # a tier, but not a suggestion it has
    advice.dismiss(shown, "raise_price_or_capacity:tier_a", SOURCES)
    assert read(advice, fake, shown)["suggestions"] == []
    clock.advance(hours=30)
    again = SalesAdvice(cast(AdviceStore, fake), clock)  # another process, a day later: still dismissed
    assert read(again, fake, shown)["suggestions"] == []
    again.dismiss(shown, "raise_price_or_capacity:tier_a", SOURCES)  # dismissing twice is fine


def test_past_events_are_read_once_per_ten_minutes() -> None:
    fake, advice, clock, shown = shop()
    read(advice, fake, shown)
    first = fake.reads
    read(advice, fake, shown)
    assert fake.reads - first == 1  # only this event's own summary
    clock.advance(minutes=11)
    read(advice, fake, shown)
    assert fake.reads - first == 1 + 1 + 4


def test_the_words_the_panel_translates_are_the_domain_words() -> None:
    from eventflow.pages.components import forecast_panel

    assert {kind.value: text for kind, text in TITLES.items()} == forecast_panel.TITLES
    assert {kind.value: text for kind, text in REASONS.items()} == forecast_panel.REASONS
    assert forecast_panel.ADVICE == ADVICE
