"""The event dashboard's Downloads: orders, attendees (with checkout answers), check-ins and sources as
Excel (XLSX) or CSV files (domain/exports.py, written by adapters/spreadsheets.py).

A file is made in a worker thread (orders read page by page), so a large event's export never stalls the
loop that serves buyers; the browser downloads it once it is ready."""

from __future__ import annotations

from nicegui import ui

from eventflow.adapters.spreadsheets import CSV_TYPE, XLSX_TYPE, csv_lines, xlsx_bytes
from eventflow.domain.models import Event
from eventflow.i18n import N_, _
from eventflow.pages.components.daily_export_switch import DailyExportSwitch
from eventflow.services import Services

FILES = (("orders", N_("Orders")), ("attendees", N_("Attendees")), ("checkins", N_("Check-ins")),
         ("sources", N_("Sources")))


class ExportsMenu:
    """A row of download buttons per sheet and format (the dashboard's one-line hook)."""

    def __init__(self, services: Services, event: Event) -> None:
        self.services, self.event = services, event
        with ui.card().classes("w-full gap-2").props("data-testid=downloads"):
            ui.label(_("Downloads")).classes("text-lg font-semibold")
            ui.label(_("Excel files keep numbers as numbers and dates as dates (in the event's time zone); money "
                       "in {currency}, with the exact amounts in minor units beside it.")
                     .format(currency=event.currency)).classes("text-sm text-slate-600")
            with ui.row().classes("w-full gap-2"):
                for kind, label in FILES:
                    for extension in ("xlsx", "csv"):
                        ui.button(f"{_(label)} ({'Excel' if extension == 'xlsx' else 'CSV'})", icon="download",
                                  on_click=lambda k=kind, x=extension: self.download(k, x)) \
                            .props(f"flat dense no-caps data-testid=download-{kind}-{extension}")
            DailyExportSwitch(services, event)  # the same files by mail every morning (issue 18)

    async def download(self, kind: str, extension: str) -> None:
        event = self.services.exports.sheet

        def make() -> bytes:
            sheet = event(self.event, kind)
            return xlsx_bytes(sheet) if extension == "xlsx" else "".join(csv_lines(sheet)).encode()

        content = await self.services.in_thread(make)
        ui.download.content(content, f"{self.event.slug}-{kind}.{extension}",
                            XLSX_TYPE if extension == "xlsx" else CSV_TYPE)
