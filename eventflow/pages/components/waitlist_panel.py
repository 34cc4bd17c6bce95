"""The event dashboard's "Waitlist" panel (issue 13): who waits for which tier in what order, the offers out
and how many became sales; pause, the offer's time limit and partial offers; "Offer now" out of order; CSV.

Reads `Waitlist.board` (one read of the event's entries and queues) off the loop, again on every change the
availability hub reports for the event (joins, offers and sales all tell it)."""

from __future__ import annotations

from typing import Any

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event, Organizer
from eventflow.domain.waitlist import WaitlistBoard
from eventflow.domain.waitlist_rules import EntryStatus, WaitlistSettings
from eventflow.i18n import N_, _, error_text
from eventflow.pages.components.live_refresh import follow_event
from eventflow.pages.components.marks import translated
from eventflow.services import Services

STATUS_WORDS = {EntryStatus.WAITING: N_("waiting"), EntryStatus.OFFERED: N_("offered"),
                EntryStatus.CLAIMED: N_("claimed"), EntryStatus.EXPIRED: N_("expired"), EntryStatus.LEFT: N_("left")}
COLUMNS = [{"name": key, "label": label, "field": key, "align": "left"}
           for key, label in (("position", N_("#")), ("tier", N_("Tier")), ("name", N_("Name")),
                              ("email", N_("Email")), ("quantity", N_("Tickets")), ("status", N_("Status")))]


class WaitlistPanel:
    """Built by `create` (it reads the board first)."""

    body: ui.column
    board: WaitlistBoard  # the one shown

    def __init__(self, services: Services, organizer: Organizer, event: Event, tier_names: dict[str, str]) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.tier_names = tier_names
        self.client = ui.context.client

    @classmethod
    async def create(cls, services: Services, organizer: Organizer, event: Event) -> WaitlistPanel:
        """The dashboard's one-line hook."""
        tiers = await services.off_loop(services.queries.tiers, event.id)
        panel = cls(services, organizer, event, {t.id: t.name for t in tiers})
        board = await panel.read()
        with ui.card().classes("w-full gap-2").props("data-testid=waitlist-panel"):
            ui.label(_("Waitlist")).classes("text-lg font-semibold")
            ui.label(_("Tickets that come back on a sold-out tier are offered to the people waiting, in order."))\
                .classes("text-sm text-slate-600")
            panel.settings_row(board.settings)
            panel.body = ui.column().classes("w-full gap-2")
        panel.show(board)
        follow_event(services, event.id, panel.refresh, f"waitlist {event.id}")
        return panel

    async def read(self) -> WaitlistBoard:
        return await self.services.off_loop(self.services.waitlist.board, self.organizer.id, self.event.id)

    async def refresh(self) -> None:
        """Redrawn only when the board changed: the hub reports every hold and sale of the event, and
        rebuilding the table on each was a dashboard's largest cost per sale after the money panel."""
        board = await self.read()
        if self.client.is_deleted or board == self.board:
            return
        self.show(board)

    def settings_row(self, settings: WaitlistSettings) -> None:
        with ui.row().classes("w-full items-end gap-3"):
            self.paused = ui.switch(_("Paused (tickets go on public sale)"), value=settings.paused).props(
                "data-testid=waitlist-paused")
            self.partial = ui.switch(_("Offer part of a request"), value=settings.partial).props(
                "data-testid=waitlist-partial")
            self.minutes = ui.number(_("Minutes to claim an offer"), value=settings.offer_minutes, min=1,
                                     precision=0).props("outlined dense data-testid=waitlist-minutes").classes("w-48")
            ui.button(_("Save"), on_click=self.save).props("flat data-testid=waitlist-save")
            ui.button(_("Export CSV"), icon="download", on_click=self.export).props("flat data-testid=waitlist-csv")

    def show(self, board: WaitlistBoard) -> None:
        self.board = board
        self.body.clear()
        with self.body:
            ui.label(_("{waiting} waiting · {offered} offers open · {sales} of {offers} offers became sales").format(
                waiting=board.count(EntryStatus.WAITING), offered=board.count(EntryStatus.OFFERED),
                sales=board.sales, offers=board.offers)).props("data-testid=waitlist-figures")
            if not board.entries:
                ui.label(_("Nobody is waiting.")).classes("text-sm text-slate-500")
                return
            table = ui.table(columns=translated(COLUMNS), rows=self.rows(board), row_key="id").classes("w-full")
            table.add_slot("body-cell-status", """
                <q-td :props="props">{{ props.value }}
                  <q-btn v-if="props.row.waiting" flat dense no-caps color="primary" :label="props.row.offer_label"
                         :data-testid="'waitlist-offer-' + props.row.id" @click="$parent.$emit('offer', props.row.id)"/>
                </q-td>""")
            table.on("offer", lambda e: self.offer(str(e.args)))

    def rows(self, board: WaitlistBoard) -> list[dict[str, Any]]:
        return [{"id": e.id, "position": e.position, "tier": self.tier_names.get(e.tier_id, e.tier_id), "name": e.name,
                 "email": e.email, "quantity": e.quantity, "status": _(STATUS_WORDS[e.status]),
                 "waiting": e.status is EntryStatus.WAITING, "offer_label": _("Offer now")} for e in board.entries]

    async def save(self) -> None:
        settings = WaitlistSettings(self.event.id, offer_minutes=int(self.minutes.value or 0),
                                    partial=bool(self.partial.value), paused=bool(self.paused.value))
        try:
            await self.services.in_thread(self.services.waitlist.save_settings, self.organizer.id, settings)
        except DomainError as error:
            ui.notify(error_text(error), type="warning")
            return
        ui.notify(_("Saved"))
        await self.refresh()

    async def offer(self, entry_id: str) -> None:
        try:
            await self.services.in_thread(self.services.waitlist.offer_by_hand, self.organizer.id, self.event.id,
                                          entry_id)
        except DomainError as error:
            ui.notify(error_text(error), type="warning")
            return
        await self.refresh()

    async def export(self) -> None:
        csv = await self.services.in_thread(self.services.waitlist.export_csv, self.organizer.id, self.event.id)
        ui.download.content(csv.encode(), f"{self.event.slug}-waitlist.csv", "text/csv")
