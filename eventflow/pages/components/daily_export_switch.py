"""The dashboard's switch for the scheduled daily export (issue 18): the event's orders, attendees and check-ins
mailed to its organizer every morning as Excel files (domain/daily_exports.py). It sits under the Downloads
(pages/components/exports_menu.py), per event, off until turned on."""

from __future__ import annotations

from nicegui import ui

from eventflow.app.daily_export_job import daily_exports
from eventflow.domain.models import Event
from eventflow.i18n import _
from eventflow.services import Services


class DailyExportSwitch:
    """One switch and a line saying when the mail comes; its state is read off the loop after the page shows."""

    def __init__(self, services: Services, event: Event) -> None:
        self.services, self.event = services, event
        self.exports = daily_exports(services)
        if self.exports is None:  # a store without the switch (bare test setups)
            return
        self.switch = ui.switch(_("Mail me the orders, attendees and check-ins every morning (Excel)"),
                                on_change=self.changed).props("data-testid=daily-export-switch")
        self.switch.disable()  # until its saved state is shown: a click before would be undone by the load
        ui.label(_("One mail a day from 7:00 in the event's time zone, until the day after the event.")) \
            .classes("text-sm text-slate-600")
        self.loaded = False
        ui.timer(0.01, self.load, once=True)

    async def load(self) -> None:
        assert self.exports is not None
        on = await self.services.off_loop(self.exports.is_on, self.event.organizer_id, self.event.id)
        self.switch.set_value(on)  # before `loaded`: the handler ignores what the load itself set
        self.loaded = True
        self.switch.enable()

    async def changed(self) -> None:
        if not self.loaded or self.exports is None:
            return
        on = bool(self.switch.value)
        await self.services.off_loop(self.exports.switch, self.event.organizer_id, self.event.id, on)
        ui.notify(_("Daily export on") if on else _("Daily export off"))
