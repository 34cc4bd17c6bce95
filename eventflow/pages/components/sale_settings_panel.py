"""The editor's "Fair sale" card (issue 13, domain/sale_settings.py): one standing hold per buyer, drop mode,
the waiting room for a hot on-sale (when the sale opens, admissions per minute) and the cap on tickets per buyer
(domain/buyer_caps.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from nicegui import ui

from eventflow.domain.models import Event, Organizer
from eventflow.domain.sale_settings import SaleSettings
from eventflow.i18n import _
from eventflow.pages.components.form_note import saved_with_note
from eventflow.services import Services

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type=datetime-local> speaks


def sale_settings_panel(services: Services, organizer: Organizer, event: Event) -> None:
    rules = services.waiting_room.rules
    zone = ZoneInfo(event.timezone)
    with ui.card().classes("w-full gap-2").props("data-testid=fair-sale-panel") as card:
        ui.label(_("Fair sale")).classes("text-lg font-semibold")
        one_hold = ui.switch(_("One standing hold per buyer (a new hold replaces the previous one)"))
        drop = ui.switch(_("Drop mode: short holds while a tier sells fast"))
        room = ui.switch(_("Waiting room for the on-sale")).props("data-testid=room-switch")
        ui.label(_("Everyone who arrives before the opening is placed in a random order; later arrivals join "
                   "the end.")).classes("text-sm text-slate-600")
        opens = ui.input(_("Sale opens at ({zone})").format(zone=event.timezone)).props(
            "type=datetime-local data-testid=room-opens")
        rate = ui.number(_("Admissions per minute (empty: worked out from capacity and hold length)"),
                         min=1, step=1, format="%d").classes("w-full")
        cap = ui.number(_("Tickets per buyer, held or bought (empty: no limit)"), min=1, step=1, format="%d").classes(
            "w-full").props("data-testid=buyer-cap")
        note = ui.label("").classes("text-sm")

        def show(settings: SaleSettings) -> None:
            platform = services.ticketing  # the platform's defaults, where the event has not chosen
            one_hold.set_value(platform.one_hold_per_buyer if settings.one_hold_per_buyer is None
                               else settings.one_hold_per_buyer)
            drop.set_value(bool(platform.drop_hold) if settings.drop_mode is None else settings.drop_mode)
            room.set_value(settings.waiting_room)
            opens.set_value(settings.opens_at.astimezone(zone).strftime(LOCAL_FORMAT) if settings.opens_at else "")
            rate.set_value(settings.admissions_per_minute)
            cap.set_value(settings.max_tickets_per_buyer)

        async def load() -> None:  # after the page is built: the editor's build is not async
            show(await services.off_loop(rules.stored, event.id))
            card.props("data-loaded=true")  # what tests wait for before they click

        ui.timer(0, load, once=True)

        def save_owned() -> SaleSettings:
            services.catalog.own_event(organizer.id, event.id)
            return rules.save(SaleSettings(event.id, bool(one_hold.value), bool(drop.value), bool(room.value),
                                           opening(opens.value, zone), int(rate.value) if rate.value else None,
                                           int(cap.value) if cap.value else None))

        async def save() -> None:
            if (settings := await saved_with_note(note, services.off_loop(save_owned), _("Saved."))) is not None:
                show(settings)

        ui.button(_("Save fair-sale settings"), on_click=save).props("unelevated data-testid=fair-sale-save")


def opening(text: str | None, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, LOCAL_FORMAT).replace(tzinfo=zone)
    except ValueError:  # unreadable: as if empty, so a waiting room says it needs the opening time
        return None
