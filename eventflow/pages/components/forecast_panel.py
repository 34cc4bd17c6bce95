"""The event dashboard's "What to do next" (issue 18): sales pace per tier, the sell-out forecast with its
range and how far off the same method was on the organizer's past events, and pricing suggestions with their
reasoning and a Dismiss button.

Reads `SalesAdvice.read` (domain/sales_advice.py: the sale's hourly aggregates, the organizer's past events
kept for ten minutes, the waitlists, the dismissals) off the loop, again every `REFRESH_SECONDS` and after a
dismissal, not on every sale the hub reports: its figures move by the hour, and the dashboard's read per
change stays the latest hour only (pages/event_dashboard.py). Says no more than the data carries: no
forecast without a reason in words, a range rather than a date alone, and the back-test's error (or that
there is no history to test it on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.event_analytics import TierVelocity, velocity
from eventflow.domain.forecast import MIN_SALES, ForecastAnswer
from eventflow.domain.models import Event, Organizer
from eventflow.domain.sales_advice import Advice
from eventflow.i18n import N_, _, error_text, ngettext
from eventflow.pages.components.formatting import local_moment, money, number
from eventflow.services import Services

REFRESH_SECONDS = 300.0  # forecasts are by the hour: a few minutes late is not worth a read per sale

# The domain's words (domain/pricing_suggestions.py), marked here for the catalogues; a test holds them equal.
TITLES = {
    "raise_price_or_capacity": N_("Next time: a higher price or more places for {tier}"),
    "code_for_channel": N_("{tier} is behind: share an access code"),
}
REASONS = {
    "raise_price_or_capacity": N_("{tier} sold out ({capacity} tickets) {hours} h after its sales opened; "
                                  "waitlist sign-ups: {waitlist}."),
    "code_for_channel": N_("{tier} has sold {sold_percent} % of its tickets with {progress_percent} % of its sale "
                           "time gone; at that point your past events had usually sold {usual_percent} %."),
}
ADVICE = {
    "raise": N_("Try {price} instead of {old_price}, or {new_capacity} places."),
    "capacity": N_("Try {new_capacity} places."),
    "channel": N_("Give an access code to \"{channel}\": it converts {conversion} % of its visitors."),
    "no_channel": N_("No tracked channel converts yet: make a tracking link per channel first, then a code for "
                     "the best one."),
}
NO_FORECAST = {
    "no_capacity": N_("No forecast: the tiers have no places."),
    "too_few_sales": N_("No forecast yet: fewer than {count} tickets sold, too few to tell a pace."),
    "no_recent_sales": N_("No forecast: no tickets sold in the last two days."),
    "sold_out": N_("Sold out."),
    "sales_closed": N_("Sales have closed."),
    "short_at_this_pace": N_("At this pace it will not sell out before sales close: about {count} tickets sold "
                             "by then."),
}


def short_moment(moment: datetime, now: datetime, timezone: str) -> str:
    """`local_moment` without its "(Europe/Berlin)": the tiers' lines sit under the event's forecast, which says it."""
    return local_moment(moment, now, timezone).rsplit(" (", 1)[0]


@dataclass(frozen=True, slots=True)
class Reading:
    advice: Advice
    velocity: list[TierVelocity]
    now: datetime


def suggestion_words(facts: dict[str, Any], tier: str) -> dict[str, str]:
    """A suggestion's placeholders in the reader's words (money in the event's currency and their locale)."""
    words = {name: (number(value) if isinstance(value, int | float) else str(value))
             for name, value in facts.items() if value is not None}
    currency = str(facts.get("currency", ""))
    for name in ("price_minor", "old_price_minor"):
        if isinstance(facts.get(name), int):
            words[name.removesuffix("_minor")] = money(facts[name], currency)
    return {**words, "tier": tier}


def pace_words(row: TierVelocity) -> str:
    """"General: 5 of 40 sold · …" with the valid tickets (the "Tickets sold" card's count). "Over the last 24
    hours" only once sales have been open that long: before, it divides a few hours' sales by 24 and reads as a
    contradiction next to the pace since the first sale."""
    sold = _("{tier}: {sold} of {capacity} sold").format(
        tier=row.name, sold=number(row.valid_tickets), capacity=number(row.capacity))
    if row.per_hour_overall is None:
        return f"{sold} · {_('no sales yet')}"
    overall = number(round(row.per_hour_overall, 1))
    if row.open_hours is None or row.open_hours < 24:
        pace = row.valid_tickets / max(row.open_hours or 1.0, 1.0)
        return f"{sold} · " + _("{pace} an hour since sales opened").format(pace=number(round(pace, 1)))
    return f"{sold} · " + _("{recent} an hour over the last 24 hours · {overall} an hour since the first sale") \
        .format(recent=number(round(row.per_hour_24h, 1)), overall=overall)


class ForecastPanel:
    """Built by `create` (it reads the advice first)."""

    body: ui.column

    def __init__(self, services: Services, organizer: Organizer, event: Event) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.client = ui.context.client

    @classmethod
    async def create(cls, services: Services, organizer: Organizer, event: Event) -> ForecastPanel:
        """The dashboard's one-line hook."""
        panel = cls(services, organizer, event)
        reading = await services.off_loop(panel.read)
        with ui.card().classes("w-full gap-2").props("data-testid=forecast-panel"):
            ui.label(_("What to do next")).classes("text-lg font-semibold")
            panel.body = ui.column().classes("w-full gap-3")
        panel.show(reading)
        ui.timer(REFRESH_SECONDS, panel.refresh, immediate=False)  # it has just read
        return panel

    def read(self) -> Reading:
        """Off the loop: the sale's aggregates (every hour), the sources, then the advice."""
        services, event = self.services, self.event
        figures = services.queries.event_figures(event.id)
        advice = services.sales_advice.read(event, figures.tiers, figures.sales, services.traffic.figures(event.id))
        now = services.ticketing.clock.now()
        return Reading(advice, velocity(figures.tiers, figures.sales, now), now)

    async def refresh(self) -> None:
        reading = await self.services.off_loop(self.read)
        if not self.client.is_deleted:
            self.show(reading)

    def show(self, reading: Reading) -> None:
        self.body.clear()
        with self.body:
            self.pace(reading.velocity, dict(reading.advice.tiers), reading.now)
            self.forecast(reading)
            self.back_test(reading.advice)
            self.suggestions(reading.advice)

    def pace(self, rows: list[TierVelocity], answers: dict[str, ForecastAnswer], now: datetime) -> None:
        with ui.column().classes("w-full gap-1").props("data-testid=forecast-velocity"):
            ui.label(_("Sales pace per tier")).classes("font-medium")
            for row in rows:
                self.tier_pace(row, answers.get(row.tier_id), now)

    def tier_pace(self, row: TierVelocity, answer: ForecastAnswer | None, now: datetime) -> None:
        """One tier's pace, then its own sell-out forecast with its range (or why there is none)."""
        with ui.column().classes("w-full gap-0"):
            ui.label(pace_words(row)).classes("text-sm")
            if answer is not None:
                ui.label(self.tier_forecast_words(answer, now)).classes("text-xs text-slate-500")

    def tier_forecast_words(self, answer: ForecastAnswer, now: datetime) -> str:
        made = answer.forecast
        if made is None:
            reason = answer.reason.value if answer.reason else "too_few_sales"
            return str(_(NO_FORECAST[reason]).format(count=number(answer.by_close or MIN_SALES)))
        when, low = (short_moment(made.sell_out_at, now, self.event.timezone),
                     short_moment(made.low, now, self.event.timezone))
        if made.high is None:
            return str(_("Sells out around {when}; likely from {low} on, maybe not before sales close.")
                       .format(when=when, low=low))
        return str(_("Sells out around {when}; likely between {low} and {high}.").format(
            when=when, low=low, high=short_moment(made.high, now, self.event.timezone)))

    def forecast(self, reading: Reading) -> None:
        answer, zone = reading.advice.answer, self.event.timezone
        made = answer.forecast
        with ui.column().classes("w-full gap-1").props("data-testid=forecast-sell-out"):
            ui.label(_("Sell-out forecast")).classes("font-medium")
            if made is None:
                reason = answer.reason.value if answer.reason else "too_few_sales"
                ui.label(_(NO_FORECAST[reason]).format(count=number(answer.by_close or MIN_SALES))) \
                    .classes("text-sm text-slate-700")
                return
            ui.label(_("Sells out around {when}").format(when=local_moment(made.sell_out_at, reading.now, zone))) \
                .classes("text-base font-semibold")
            low = local_moment(made.low, reading.now, zone)
            if made.high is None:
                ui.label(_("Likely from {low} on, and it may not sell out before sales close.").format(low=low)) \
                    .classes("text-sm")
            else:
                ui.label(_("Likely between {low} and {high}.").format(
                    low=low, high=local_moment(made.high, reading.now, zone))).classes("text-sm")
            past = reading.advice.past_events if made.histories else 0  # events whose tiers shaped it
            ui.label(ngettext("From {per_hour} tickets an hour over the last {hours} hours and {count} past event.",
                              "From {per_hour} tickets an hour over the last {hours} hours and {count} past events.",
                              past).format(per_hour=number(round(made.per_hour, 1)),
                                           hours=number(round(made.window_hours)), count=past)) \
                .classes("text-xs text-slate-500")

    def back_test(self, advice: Advice) -> None:
        test = advice.back_test
        error = test.mean_abs_error_hours
        if error is not None:
            words = ngettext("Tested on your last sold-out event: off by ±{hours} hours; the real sell-out was "
                             "inside the range {inside} of {count} times.",
                             "Tested on your last {count} sold-out events: off by ±{hours} hours on average; the "
                             "real sell-out was inside the range {inside} of {count} times.",
                             test.forecast_count).format(hours=number(error), inside=test.inside_range,
                                                         count=test.forecast_count)
        elif advice.past_events:
            words = _("None of your past events sold out with enough sales to test the forecast on yet.")
        else:
            words = _("No history yet: the forecast uses this event's own pace only and is not tested on past "
                      "events.")
        missed = len(test.held_out) - test.forecast_count
        if error is not None and missed:
            words += " " + ngettext("From the first half of {count} more event, it made no forecast.",
                                    "From the first halves of {count} more events, it made no forecast.", missed) \
                .format(count=missed)
        ui.label(words).classes("text-sm text-slate-600").props("data-testid=forecast-backtest")

    def suggestions(self, advice: Advice) -> None:
        ui.label(_("Suggestions")).classes("font-medium")
        if not advice.suggestions:
            ui.label(_("Nothing to suggest now.")).classes("text-sm text-slate-600")
        for suggestion in advice.suggestions:
            words = suggestion_words(dict(suggestion.facts), suggestion.tier_name)
            with ui.card().classes("w-full gap-1 bg-amber-50").props(f"flat bordered data-testid=suggestion-"
                                                                      f"{suggestion.key.replace(':', '-')}"):
                ui.label(_(TITLES[suggestion.kind.value]).format(**words)).classes("font-semibold")
                ui.label(_(REASONS[suggestion.kind.value]).format(**words)).classes("text-sm")
                ui.label(_(ADVICE[suggestion.advice]).format(**words)).classes("text-sm")
                ui.button(_("Dismiss"), icon="close", on_click=lambda key=suggestion.key: self.dismiss(key)) \
                    .props("flat dense data-testid=dismiss-suggestion")

    async def dismiss(self, key: str) -> None:
        services, event = self.services, self.event

        def dismiss() -> None:
            services.sales_advice.dismiss(event, key, services.traffic.figures(event.id))

        try:
            await services.off_loop(dismiss)
        except DomainError as error:
            ui.notify(error_text(error), type="warning")
        await self.refresh()
