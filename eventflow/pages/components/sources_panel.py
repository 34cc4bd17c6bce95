"""The event dashboard's "Where buyers come from": tracking links per channel (copy and QR), and per source
the funnel views -> holds -> paid orders -> revenue with its rates, as a table and a plotly chart.

The figures are counts per (event, source) (domain/traffic.py `Traffic.figures`): one read of a few rows,
never a scan of orders. They update in place on every sale or hold the availability hub reports, and every
few seconds for page views (which the hub does not report)."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from eventflow.domain.links import event_url
from eventflow.domain.models import Event, Organizer
from eventflow.domain.traffic import DIRECT, Funnel, SourceFigures, source_name
from eventflow.i18n import N_, _
from eventflow.pages.components import formatting
from eventflow.pages.components.formatting import money
from eventflow.pages.components.live_refresh import follow_event
from eventflow.pages.components.marks import translated
from eventflow.pages.components.share_link import copy_button, link_text, qr_of
from eventflow.services import Services

VIEWS_SECONDS = 5.0  # page views reach the store every few seconds (app/traffic_job.py)
STILL = {"displayModeBar": False}
PHONE_HIDDEN = {"views", "visitors", "tickets", "first_orders"}  # the other five fit a 390 px phone (the chart
NARROW_CELLS = "max-sm:[&_th]:!px-1 max-sm:[&_td]:!px-1"  # shows visitors); less padding between them there
COLUMNS = [{"name": key, "label": label, "field": key, "align": "left" if key == "source" else "right",
            **({"classes": "max-sm:hidden", "headerClasses": "max-sm:hidden"} if key in PHONE_HIDDEN else {})}
           for key, label in (("source", N_("Source")), ("views", N_("Views")), ("visitors", N_("Visitors")),
                              ("holds", N_("Holds")), ("orders", N_("Paid orders")), ("tickets", N_("Tickets")),
                              ("revenue", N_("Revenue")), ("conversion", N_("Conversion")),
                              ("first_orders", N_("First touch orders")))]


def percent(value: float | None) -> str:
    return formatting.rate(value)  # `100%`, `4.2%`, `4,2 %`: as an organizer reads a rate


def source_rows(figures: list[SourceFigures], currency: str) -> list[dict[str, Any]]:
    rows = []
    for row in figures:
        funnel = Funnel.of([row])
        rows.append({"source": _("direct") if row.source == DIRECT else row.source, "views": row.views,
                     "visitors": row.visitors, "holds": row.holds, "orders": row.orders, "tickets": row.tickets,
                     "revenue": money(row.revenue_minor, currency), "conversion": percent(funnel.conversion),
                     "first_orders": row.first_orders})
    return rows


def funnel_figure(figures: list[SourceFigures]) -> dict[str, Any]:
    """Visitors, holds and paid orders per source as grouped horizontal bars (readable on a phone)."""
    shown = [f for f in figures if not f.empty][:8]
    names = tuple(_("direct") if f.source == DIRECT else f.source for f in shown)
    data = [{"type": "bar", "orientation": "h", "name": label, "y": names, "x": tuple(getattr(f, field) for f in shown)}
            for field, label in (("visitors", _("Visitors")), ("holds", _("Holds")), ("orders", _("Paid orders")))]
    layout: dict[str, Any] = {
        "barmode": "group", "height": 140 + 60 * max(len(shown), 1), "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        "yaxis": {"automargin": True, "autorange": "reversed"}, "xaxis": {"rangemode": "tozero", "automargin": True},
    }
    if not shown:
        layout["annotations"] = [{"text": _("No visits yet"), "showarrow": False, "font": {"size": 16,
                                                                                         "color": "#64748b"}}]
        layout["xaxis"], layout["yaxis"] = {"visible": False}, {"visible": False}
    layout["separators"] = formatting.chart_separators()  # axis and hover numbers the visitor's way
    return {"data": data, "layout": layout, "config": STILL}


class SourcesPanel:
    """Built by `create` (it reads the figures first)."""

    def __init__(self, services: Services, organizer: Organizer, event: Event) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.client = ui.context.client
        self.shown: list[SourceFigures] = []

    @classmethod
    async def create(cls, services: Services, organizer: Organizer, event: Event) -> SourcesPanel:
        """The dashboard's one-line hook."""
        panel = cls(services, organizer, event)
        panel.build(await panel.read())
        follow_event(services, event.id, panel.refresh, f"sources {event.id}")
        ui.timer(VIEWS_SECONDS, panel.refresh)
        return panel

    async def read(self) -> list[SourceFigures]:
        return await self.services.off_loop(self.services.traffic.figures, self.event.id)

    def build(self, figures: list[SourceFigures]) -> None:
        self.shown = figures
        with ui.card().classes("w-full gap-2").props("data-testid=sources-panel"):
            ui.label(_("Where buyers come from")).classes("text-lg font-semibold")
            ui.label(_("Views are counted without cookies or personal data. Orders and revenue (ticket prices, "
                       "before fees) count under the link the buyer bought through; first touch is the link "
                       "that first brought them.")).classes("text-sm text-slate-600")
            self.link_maker()
            self.table = ui.table(columns=translated(COLUMNS), rows=source_rows(figures, self.event.currency),
                                  row_key="source").classes(f"w-full {NARROW_CELLS}") \
                .props("flat dense wrap-cells data-testid=sources-table")
            self.chart = ui.plotly(funnel_figure(figures)).classes("w-full").props("data-testid=sources-chart")

    def link_maker(self) -> None:
        with ui.row().classes("w-full items-end gap-2"):
            channel = ui.input(_("Channel"), placeholder="instagram-story").classes("grow") \
                .props("data-testid=channel-name")
            ui.button(_("Make tracking link"), icon="add_link", on_click=lambda: self.make_link(channel.value)) \
                .props("outline data-testid=make-link")
        self.made = ui.column().classes("w-full gap-2")
        ui.label(_("Standard utm_source=... links count too.")).classes("text-xs text-slate-500")

    async def make_link(self, channel: str) -> None:
        name = source_name(channel)
        if name is None or name == DIRECT:
            ui.notify(_("Use letters, digits and dashes for the channel."), type="warning")
            return
        await self.services.off_loop(self.services.traffic.add_channel, self.event.id, name)
        link = f"{event_url(self.services.settings.public_url, self.event.slug)}?ref={name}"
        self.made.clear()
        with self.made, ui.row().classes("w-full items-center gap-3 no-wrap max-sm:flex-wrap"):
            qr_of(link, "tracking-qr", _("the tracking link"))
            with ui.column().classes("grow gap-2 min-w-0"):
                link_text(link, "tracking-link")
                copy_button("tracking-link", "copy-tracking-link")
        await self.refresh()

    async def refresh(self) -> None:
        figures = await self.read()
        if self.client.is_deleted or figures == self.shown:
            return
        self.shown = figures
        self.table.rows = source_rows(figures, self.event.currency)
        self.table.update()
        self.chart.figure = funnel_figure(figures)
        self.chart.update()
