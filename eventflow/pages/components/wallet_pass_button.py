"""The wallet's "Add to Apple Wallet" link (domain/wallet_passes.py): shown only when the server has a pass
certificate, the organizer allows passes for the event and the ticket gets someone in."""

from __future__ import annotations

from urllib.parse import quote

from nicegui import ui

from eventflow.i18n import _
from eventflow.services import Services


async def wallet_pass_button(services: Services, event_id: str, ticket_id: str, key: str) -> None:
    passes = services.wallet_passes
    if passes is None or not passes.configured or not await services.off_loop(passes.offered, event_id):
        return
    href = f"/api/v1/tickets/{quote(ticket_id)}/pass.pkpass?key={quote(key)}"
    ui.link(_("Add to Apple Wallet"), href).classes(
        "self-center rounded-lg bg-black text-white px-4 py-2 no-underline font-medium").props(
        "data-testid=add-to-wallet download")
