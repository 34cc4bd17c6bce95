"""`/t/{ticket_id}?k=ACCESS_KEY`: the ticket wallet, a large rotating QR code for the door."""

from __future__ import annotations

import hmac

from nicegui import ui

from eventflow.domain.codes import code_valid_until, qr_payload
from eventflow.pages.formatting import event_when
from eventflow.pages.frame import frame, not_found
from eventflow.pages.qr import qr_svg
from eventflow.services import Services


def register(services: Services) -> None:
    @ui.page("/t/{ticket_id}")
    def ticket_page(ticket_id: str, k: str = "") -> None:
        store, clock = services.ticketing.store, services.ticketing.clock
        ticket = store.get_ticket(ticket_id)
        if ticket is None or not k or not hmac.compare_digest(ticket.access_key, k):
            not_found("ticket")
            return
        event = store.get_event(ticket.event_id)
        assert event is not None
        tier_name = next((t.name for t in store.get_tiers(event.id) if t.id == ticket.tier_id), "Ticket")
        with frame(event.title):
            with ui.card().classes("w-full items-center gap-2 bg-white"):
                ui.label(event.title).classes("text-xl font-bold text-center")
                ui.label(event_when(event.starts_at, event.ends_at, event.timezone)).classes(
                    "text-sm text-slate-600 text-center"
                )
                if ticket.status != "valid":
                    ui.label(f"This ticket is {ticket.status}.").classes("text-red-700 font-semibold")
                code_box = ui.html("", sanitize=False).classes("w-full max-w-sm bg-white p-2")
                code_box.props("data-testid=qr")
                payload_label = ui.label().classes("hidden").props("data-testid=qr-payload")
                countdown = ui.label().classes("text-sm text-slate-500").props("data-testid=qr-countdown")
                ui.label(ticket.holder_name).classes("text-lg font-semibold").props("data-testid=holder")
                ui.label(tier_name).classes("text-slate-700")
                ui.label("The code changes every 30 seconds: screenshots will not get in.").classes(
                    "text-xs text-slate-500 text-center"
                )

        shown = {"until": None}

        def refresh() -> None:
            now = clock.now()
            until = code_valid_until(now)
            if shown["until"] != until:
                payload = qr_payload(ticket, now)
                code_box.content = qr_svg(payload)
                payload_label.text = payload
                shown["until"] = until
            countdown.text = f"New code in {max(0, int((until - now).total_seconds()))} s"

        refresh()
        ui.timer(1.0, refresh)
