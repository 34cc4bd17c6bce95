"""`/t/{ticket_id}?k=ACCESS_KEY`: the ticket wallet, a large QR code that rotates every 30 s.

The page hands eventflow/static/wallet.js the ticket's signed codes for the next hours (EF2,
docs/door.md); the wallet shows the one of the current step, so it keeps rotating with no network,
and fetches more while online. The service worker serves an offline copy of this page after a
reload. Once the door admitted the ticket, the wallet says when ("Checked in at 20:15", in the
event's timezone). A ticket that gets nobody in (its event cancelled, the ticket refunded or void,
its payment disputed and refused at the door) shows why in words and no code at all.
"Add to home screen" works through the web app manifest."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.errors import NotFound
from eventflow.i18n import N_
from eventflow.pages.components.door_assets import DoorModule, add_door_head
from eventflow.pages.components.frame import frame, not_found
from eventflow.pages.components.transfer_form import transfer_form, transferred_page
from eventflow.pages.components.wallet_pass_button import wallet_pass_button
from eventflow.pages.components.wallet_view import read_wallet, wallet_ticket
from eventflow.services import Services


def register(services: Services) -> None:
    @ui.page("/t/{ticket_id}", reconnect_timeout=3600)
    async def ticket_page(ticket_id: str, k: str = "") -> None:
        try:
            wallet = await services.off_loop(read_wallet, services, ticket_id, k)
        except NotFound:
            if not await transferred_page(services, ticket_id, k):  # an old link of a ticket handed on
                not_found(N_("ticket"))
            return
        add_door_head("wallet")
        ui.add_head_html("<style>#popup{display:none!important}</style>")
        with frame(wallet.event.title):
            shown = DoorModule("EventFlowWallet", {"ticket": wallet_ticket(wallet)}).classes("w-full")
            if wallet.status == "valid":
                await wallet_pass_button(services, wallet.event.id, ticket_id, k)  # when passes are set up
            if wallet.status == "valid" and wallet.view.checkin is None:
                await transfer_form(services, wallet.view.ticket, wallet.event, k, shown)  # issue 17 (transfer_form.py)
