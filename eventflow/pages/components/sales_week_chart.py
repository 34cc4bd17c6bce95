"""The organizer overview's "When your tickets sell" (issue 18): tickets per weekday and hour of day across the
organizer's events, each sale in its own event's local time (domain/sales_week.py), as a plotly heatmap.
Weekdays down (seven rows), hours across with a label every three hours: readable on a phone."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from eventflow.domain.sales_week import HOURS, WeekHours
from eventflow.i18n import N_, _, ngettext
from eventflow.pages.components.formatting import chart_separators

STILL = {"displayModeBar": False}
# Hours without sales near white, any sale visibly blue, the busiest darkest (plotly.js' "Blues" runs dark to light).
HEAT_COLOURS = ((0, "#f8fafc"), (0.0001, "#dbeafe"), (1, "#1e3a8a"))
WEEKDAY_WORDS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
HOUR_LABELS = tuple(f"{hour:02d}" for hour in range(HOURS))


def week_figure(week: WeekHours) -> dict[str, Any]:
    days = tuple(_(day) for day in WEEKDAY_WORDS)
    return {"data": [{"type": "heatmap", "x": HOUR_LABELS, "y": days, "z": week.tickets, "colorscale": HEAT_COLOURS,
                      "zmin": 0, "xgap": 1, "ygap": 1, "showscale": False,
                      "hovertemplate": _("%{y} %{x}:00: %{z} tickets") + "<extra></extra>"}],
            "config": STILL,
            "layout": {"height": 280, "margin": {"l": 10, "r": 10, "t": 10, "b": 40}, "separators": chart_separators(),
                       "xaxis": {"type": "category", "automargin": True, "tickangle": 0,
                                 "tickvals": HOUR_LABELS[::3],
                                 "title": {"text": _("hour of day (each event's local time)")}},
                       "yaxis": {"type": "category", "automargin": True, "autorange": "reversed"}}}


def sales_week_chart(week: WeekHours) -> None:
    """The overview card's hook: nothing before the first sale."""
    busiest = week.busiest()
    if busiest is None:
        return
    day, hour = busiest
    ui.label(_("When your tickets sell")).classes("font-medium")
    ui.label(ngettext("Busiest: {day} {hour}:00–{next}:00 ({tickets} tickets over {events} event).",
                      "Busiest: {day} {hour}:00–{next}:00 ({tickets} tickets over {events} events).",
                      week.events).format(
        day=_(WEEKDAY_WORDS[day]), hour=f"{hour:02d}", next=f"{(hour + 1) % HOURS:02d}",
        tickets=week.tickets[day][hour], events=week.events)).classes("text-sm text-slate-600") \
        .props("data-testid=sales-week-busiest")
    ui.plotly(week_figure(week)).classes("w-full").props("data-testid=sales-week-chart")
