"""The event dashboard's Codes table: per access code, uses / limit, tickets, revenue, discount given.

The figures are the code's own counters, kept by the store in the same writes as the reservations
they count (domain/access_codes.py `AccessCodes.stats`): one read of the event's codes, never a
scan of orders. An event without codes shows nothing and does not listen for changes; one with
codes re-reads them when the availability hub reports a change (sales, holds, releases)."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from eventflow.domain.access_codes import CodeStats
from eventflow.domain.models import Event, Organizer
from eventflow.i18n import N_, _
from eventflow.pages.components.formatting import money
from eventflow.pages.components.live_refresh import follow_event
from eventflow.pages.components.marks import translated
from eventflow.services import Services

COLUMNS = [{"name": key, "label": label, "field": key, "align": "left" if key in ("code", "state") else "right"}
           for key, label in (("code", N_("Code")), ("state", N_("State")), ("uses", N_("Uses / limit")),
                              ("tickets", N_("Tickets")), ("revenue", N_("Revenue")),
                              ("discount", N_("Discount given")))]
STATES = {"active": N_("Active"), "paused": N_("Paused"), "scheduled": N_("Not yet active"), "ended": N_("Ended"),
          "used_up": N_("Used up"), "deleted": N_("Deleted")}


def stats_rows(stats: list[CodeStats], currency: str) -> list[dict[str, Any]]:
    rows = []
    for row in stats:
        uses = f"{row.uses} / {row.max_uses}" if row.max_uses is not None else f"{row.uses} / —"
        if row.held_uses:
            uses += _(" ({count} held)").format(count=row.held_uses)
        state = _(STATES[row.state]) if row.state in STATES else row.state
        rows.append({"id": row.code.id, "code": row.code.code, "state": state,
                     "uses": uses, "tickets": row.tickets, "revenue": money(row.revenue_minor, currency),
                     "discount": money(row.discount_minor, currency)})
    return rows


class CodeStatsPanel:
    """Built by `create` (it reads the figures first)."""

    def __init__(self, services: Services, organizer: Organizer, event: Event) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.client = ui.context.client
        self.shown: list[dict[str, Any]] = []

    @classmethod
    async def create(cls, services: Services, organizer: Organizer, event: Event) -> CodeStatsPanel:
        """The dashboard's one-line hook."""
        panel = cls(services, organizer, event)
        stats = await panel.read()
        if stats:
            panel.build(stats)
            follow_event(services, event.id, panel.refresh, f"code stats {event.id}")
        return panel

    async def read(self) -> list[CodeStats]:
        return await self.services.off_loop(self.services.codes.stats, self.organizer.id, self.event.id)

    def build(self, stats: list[CodeStats]) -> None:
        self.shown = stats_rows(stats, self.event.currency)
        with ui.card().classes("w-full gap-2").props("data-testid=code-stats"):
            ui.label(_("Codes")).classes("text-lg font-semibold")
            ui.label(_("Revenue is what buyers paid for tickets bought with each code (before fees); uses held "
                       "at checkout count until the hold ends.")).classes("text-sm text-slate-600")
            self.table = ui.table(columns=translated(COLUMNS), rows=self.shown, row_key="id", pagination=10) \
                .classes("w-full").props("flat dense wrap-cells data-testid=code-stats-table")

    async def refresh(self) -> None:
        rows = stats_rows(await self.read(), self.event.currency)
        if self.client.is_deleted or rows == self.shown:
            return
        self.shown = rows
        self.table.rows = rows
        self.table.update()
