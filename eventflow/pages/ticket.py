"""`/t/{ticket_id}?k=ACCESS_KEY`: the ticket wallet, a large QR code that rotates every 30 s.

The code is computed in the browser (eventflow/static/wallet.js), so it keeps rotating with no
network; the service worker serves an offline copy of this page after a reload. "Add to home
screen" works through the web app manifest."""

from __future__ import annotations

import hmac

from nicegui import ui

from eventflow.pages.components.door_assets import DoorModule, add_door_head
from eventflow.pages.components.formatting import event_when
from eventflow.pages.components.frame import frame, not_found
from eventflow.services import Services


def register(services: Services) -> None:
    @ui.page("/t/{ticket_id}", reconnect_timeout=3600)
    def ticket_page(ticket_id: str, k: str = "") -> None:
        store = services.ticketing.store
        ticket = store.get_ticket(ticket_id)
        if ticket is None or not k or not hmac.compare_digest(ticket.access_key, k):
            not_found("ticket")
            return
        event = store.get_event(ticket.event_id)
        assert event is not None
        tier_name = next((t.name for t in store.get_tiers(event.id) if t.id == ticket.tier_id), "Ticket")
        add_door_head("wallet")
        ui.add_head_html("<style>#popup{display:none!important}</style>")
        with frame(event.title):
            DoorModule("EventFlowWallet", {"ticket": {
                "id": ticket.id, "secret": ticket.secret, "holder": ticket.holder_name, "tier": tier_name,
                "status": ticket.status, "event_title": event.title,
                "when": event_when(event.starts_at, event.ends_at, event.timezone),
            }}).classes("w-full")
