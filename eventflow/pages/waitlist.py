"""`/waitlist/{entry_id}?key=`: a waitlist buyer's place (issue 13): the position while waiting, the offer
with its claim button (straight to checkout with the hold made for them) and its end, and "Leave"."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.errors import NotFound
from eventflow.domain.links import checkout_path
from eventflow.domain.waitlist import EntryView
from eventflow.domain.waitlist_rules import EntryStatus
from eventflow.i18n import N_, _, ngettext
from eventflow.pages.components.formatting import local_moment
from eventflow.pages.components.frame import frame, not_found
from eventflow.services import Services


def status_words(view: EntryView) -> str:
    """What the page says about the entry, in the visitor's words."""
    entry = view.entry
    if entry.status is EntryStatus.WAITING:
        return _("You are number {position} on the waitlist for {count} ticket(s).").format(
            position=view.position, count=entry.quantity)
    if entry.status is EntryStatus.OFFERED:
        return ngettext("{count} ticket is held for you. Claim it before the time runs out.",
                        "{count} tickets are held for you. Claim them before the time runs out.",
                        entry.offered_quantity).format(
            count=entry.offered_quantity)
    return {EntryStatus.CLAIMED: _("You claimed your tickets."),
            EntryStatus.EXPIRED: _("Your offer ran out; the tickets went to the next person."),
            EntryStatus.LEFT: _("You left the waitlist.")}[entry.status]


def register(services: Services) -> None:
    @ui.page("/waitlist/{entry_id}")
    async def waitlist_page(entry_id: str, key: str = "") -> None:
        try:
            view = await services.off_loop(services.waitlist.status, entry_id, key)
        except NotFound:
            not_found(N_("page"))
            return
        with frame(_("Your place on the waitlist")), ui.column().classes("w-full max-w-xl gap-3"):
            ui.html(f'<h1 class="text-2xl font-bold">{_("Your place on the waitlist")}</h1>', sanitize=False)
            ui.label(status_words(view)).classes("text-lg").props("data-testid=waitlist-status")
            entry = view.entry
            if entry.status is EntryStatus.OFFERED and entry.reservation_id:
                if entry.offer_expires_at is not None:
                    now = services.ticketing.clock.now()
                    ui.label(_("Held until {moment}").format(moment=local_moment(entry.offer_expires_at, now, "UTC")))
                ui.button(_("Claim your tickets"),
                          on_click=lambda: ui.navigate.to(checkout_path(entry.reservation_id or ""))).props(
                    "no-caps data-testid=waitlist-claim")
            if entry.status in (EntryStatus.WAITING, EntryStatus.OFFERED):
                async def leave() -> None:
                    await services.off_loop(services.waitlist.leave, entry_id, key)
                    ui.navigate.reload()

                ui.button(_("Leave the waitlist"), on_click=leave).props("flat no-caps data-testid=waitlist-leave")
