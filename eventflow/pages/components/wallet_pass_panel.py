"""The editor's "Apple Wallet passes" switch (issue 17, domain/wallet_passes.py): shown only when the server
has a pass certificate; unticked, holders get no "Add to Apple Wallet" and passes made before stop at the door."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.models import Event, Organizer
from eventflow.i18n import _
from eventflow.services import Services


def wallet_pass_panel(services: Services, organizer: Organizer, event: Event) -> None:
    passes = services.wallet_passes
    if passes is None or not passes.configured:
        return
    with ui.card().classes("w-full gap-2").props("data-testid=wallet-passes"):
        ui.label(_("Apple Wallet passes")).classes("text-lg font-semibold")
        ui.label(_("A pass shows a fixed code, not the rotating one: untick to allow the rotating code only "
                   "(passes made before stop working at the door).")).classes("text-sm text-slate-600")
        allowed = ui.checkbox(_("Holders may add their tickets to Apple Wallet"), value=True).props(
            "data-testid=wallet-passes-allowed")

        async def load() -> None:
            allowed.set_value(not await services.off_loop(passes.forbidden, event.id))
            allowed.on_value_change(save)

        def save_owned(forbidden: bool) -> None:
            services.catalog.own_event(organizer.id, event.id)
            passes.set_forbidden(event.id, forbidden)

        async def save() -> None:
            await services.off_loop(save_owned, not allowed.value)
            ui.notify(_("Saved."))

        ui.timer(0, load, once=True)
