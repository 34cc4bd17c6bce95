"""The event dashboard's "When they arrive" (issue 18): a heatmap of admissions per 5 minutes and door device,
the busiest minute with the doors it needed at the devices' measured pace, and the no-shows per tier ("so far"
until the event has ended). Figures from domain/attendance.py.

Built under the door panel and updated in place like it: the no-show table follows every refresh of the
dashboard (its figures are the aggregates the dashboard has already read). Heatmap, pace and peak come from the
door-pace aggregates the store keeps with each check-in (domain/door_pace.py): read when the page opens and again
after an admission, at most once every REDRAW_EVERY seconds (the last change always drawn), in a time that does
not grow with the check-ins (the full scan only for an event whose check-ins predate the aggregates).
Labels carry the day when the slots span midnight, so nothing here assumes an hour of the day."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from eventflow.domain.attendance import DeviceRate, DoorHeat, NoShow, Peak, tier_no_shows
from eventflow.domain.door_pace import read_pace
from eventflow.domain.models import Event
from eventflow.domain.sales_stats import EventFigures
from eventflow.i18n import N_, _
from eventflow.pages.components.formatting import chart_separators, device_words, number, percent
from eventflow.pages.components.live_refresh import LiveRefresh
from eventflow.pages.components.marks import day_and_time, slot_labels, translated
from eventflow.services import Services

END_WATCH = 24 * 3600  # seconds: a page open within a day of the event's end says when the no-shows are final
REDRAW_EVERY = 2.0  # seconds: a busy door admits several people a second; the pace is read once per redraw
STILL = {"displayModeBar": False}  # no zoom toolbar over the cells (it covers them on a phone)
# Empty cells near white, any admission visibly blue, the busiest darkest (plotly.js' own "Blues" runs dark to light).
HEAT_COLOURS = ((0, "#f8fafc"), (0.0001, "#dbeafe"), (1, "#1e3a8a"))
NAME_LENGTH = 20  # "Front door · phone-a" whole on the axis; the full name shows on hover (a phone has ~390 px)
NO_SHOW_COLUMNS = [{"name": key, "label": label, "field": key, "align": "left" if key == "tier" else "right"}
                   for key, label in (("tier", N_("Tier")), ("sold", N_("Sold")), ("admitted", N_("Admitted")),
                                      ("absent", N_("No-shows")), ("rate", N_("No-show rate")))]
Pace = tuple[DoorHeat, tuple[DeviceRate, ...], Peak | None]


def device_names(device_ids: Sequence[str]) -> list[str]:
    """The staff link's label per device ("Front door"); two phones under one label told apart by their id's end."""
    words = [device_words(device) for device in device_ids]
    return [f"{word} ({device[-4:]})" if words.count(word) > 1 else word for word, device in zip(
        words, device_ids, strict=True)]


def short(name: str) -> str:
    return name if len(name) <= NAME_LENGTH else name[:NAME_LENGTH - 1].rstrip() + "…"


def heat_figure(heat: DoorHeat, zone: ZoneInfo) -> dict[str, Any]:
    """Devices down, 5-minute slots across (a category axis: plotly would read the labels as instants)."""
    labels = slot_labels(heat.slots, zone)
    wide = bool(labels) and len(labels[0]) > 5  # "05 Dec 23:55": fewer fit side by side on a phone
    every = -(-len(labels) // (3 if wide else 4))  # a few labels, counted back from the latest slot (labelled)
    names = device_names(heat.devices)
    rows = tuple(short(name) for name in names)
    return {"data": [{"type": "heatmap", "x": labels, "y": rows, "z": heat.counts, "colorscale": HEAT_COLOURS,
                      "zmin": 0, "xgap": 1, "ygap": 2, "showscale": False,
                      "customdata": tuple((name,) * len(labels) for name in names),
                      "hovertemplate": _("%{customdata}, %{x}: %{z} in") + "<extra></extra>"}],
            "config": STILL,
            "layout": {"height": 70 + 40 * max(len(rows), 1), "margin": {"l": 10, "r": 10, "t": 10, "b": 30},
                       "separators": chart_separators(),
                       "xaxis": {"type": "category", "automargin": True, "tickangle": 0,
                                 "tickvals": labels[::-1][::every][::-1] if labels else ()},
                       "yaxis": {"type": "category", "automargin": True, "autorange": "reversed"}}}


def peak_words(peak: Peak | None, zone: ZoneInfo) -> str:
    if peak is None:
        return _("Nobody checked in yet.")
    when = day_and_time(peak.minute.astimezone(zone), "%d %b %H:%M")
    text = _("Busiest minute: {time}, {arrivals} admitted through {open} door(s).").format(
        time=when, arrivals=peak.arrivals, open=peak.doors_open)
    if peak.doors_needed is None:
        return text + " " + _("Door speed not measured yet: it needs two scans on one device less than a minute "
                              "apart.")
    return text + " " + _("At {pace} scans a minute per door (measured), that minute needed {doors} door(s).").format(
        pace=number(peak.per_door_minute or 0), doors=peak.doors_needed)


def no_show_rows(rows: Sequence[NoShow]) -> list[dict[str, Any]]:
    return [{"id": n.tier_id, "tier": n.name, "sold": n.sold, "admitted": n.admitted, "absent": n.absent,
             "rate": percent(n.rate, 0)} for n in rows]


class AttendancePanel:
    """Built by `create` (it reads the door's pace first); `show` is the dashboard's per-refresh hook."""

    def __init__(self, services: Services, event: Event, figures: EventFigures, pace: Pace) -> None:
        self.services, self.event, self.zone = services, event, ZoneInfo(event.timezone)
        self.client = ui.context.client
        self.figures = figures
        self.reload = LiveRefresh(self.load, f"attendance {event.id}")  # called by the (spaced) dashboard refresh
        with ui.card().classes("w-full gap-2").props("data-testid=attendance-panel"):
            ui.label(_("When they arrive")).classes("text-lg font-semibold")
            ui.label(_("arrivals per 5 minutes ({timezone})").format(timezone=event.timezone)) \
                .classes("text-sm text-slate-600")
            self.chart = ui.plotly(heat_figure(pace[0], self.zone)).classes("w-full") \
                .props("data-testid=attendance-heatmap")
            self.peak = ui.label().classes("text-sm").props("data-testid=attendance-peak")
            self.no_show_title = ui.label().classes("font-medium").props("data-testid=no-show-title")
            with ui.element("div").classes("w-full overflow-x-auto"):  # a long tier name still has a way out
                # wrapped headers ("No-show / rate") and tier names: the five columns fit a 390 px phone
                self.table = ui.table(columns=translated(NO_SHOW_COLUMNS), rows=[], row_key="id") \
                    .classes("w-full max-sm:[&_th]:!px-1 max-sm:[&_td]:!px-1") \
                    .props("flat dense wrap-cells data-testid=no-show-table")
        self.draw(pace)
        self.show(figures, admitted=False)
        left = (event.ends_at - services.ticketing.clock.now()).total_seconds()
        if 0 < left < END_WATCH:  # the words turn from "so far" to final at the end, with no change to report
            ui.timer(left + 1, lambda: self.show(self.figures, admitted=False), once=True)

    @classmethod
    async def create(cls, services: Services, event: Event, figures: EventFigures) -> AttendancePanel:
        """The dashboard's one-line hook."""
        return cls(services, event, figures, await services.off_loop(pace_now, services, event.id, figures))

    def show(self, figures: EventFigures, admitted: bool) -> None:
        """Every refresh: the no-shows in place; after an admission, a re-read of the door's pace."""
        self.figures = figures
        final = self.services.ticketing.clock.now() >= self.event.ends_at
        self.no_show_title.set_text(_("No-shows per tier") if final else _("No-shows per tier, so far"))
        rows = no_show_rows(tier_no_shows(figures))
        if rows != self.table.rows:
            self.table.rows = rows
        if admitted:
            self.reload()

    async def load(self) -> None:
        pace = await self.services.off_loop(pace_now, self.services, self.event.id, self.figures)
        if self.client.is_deleted:
            return
        self.draw(pace)
        await asyncio.sleep(REDRAW_EVERY)  # admissions meanwhile fold into one more read (LiveRefresh)

    def draw(self, pace: Pace) -> None:
        heat, _rates, peak = pace
        self.chart.figure = heat_figure(heat, self.zone)
        self.chart.set_visibility(bool(heat.slots))
        self.chart.update()
        self.peak.set_text(peak_words(peak, self.zone))


def pace_now(services: Services, event_id: str, figures: EventFigures) -> Pace:
    """The door's pace from the store's aggregates (the check-ins only for an event recorded before them)."""
    return read_pace(figures, services.queries.door_pace(event_id), lambda: services.queries.checkins(event_id))
