"""The event dashboard's door staff panel: one revocable link per person, shown once.

A new link comes with a "Copy link" button (in the browser, no round trip; a plain selection-copy
where the Clipboard API is not allowed, i.e. over http on another host) and its QR code, so the
organizer can open it on a door phone by pointing the phone's camera at the screen. Times are
the event's local times, as everything else the organizer reads about the event."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event, Organizer, StaffAccess
from eventflow.i18n import _, current_visitor, error_text
from eventflow.pages.components.qr import qr_svg
from eventflow.pages.components.share_link import copy_link_js
from eventflow.services import Services


def local_time(at: datetime, event: Event) -> str:
    """`30 Nov 15:40` in the event's timezone (the door works in local time)."""
    return format_datetime(at.astimezone(ZoneInfo(event.timezone)), "d MMM HH:mm",
                           locale=current_visitor().format_locale)


class StaffPanel:
    def __init__(self, services: Services, organizer: Organizer, event: Event, staff: list[StaffAccess]) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        with ui.card().classes("w-full gap-2"):
            ui.label(_("Door staff")).classes("text-lg font-semibold")
            ui.label(_("Each link lets one person check tickets in at this event only, without your password. "
                       "It is shown once; revoke it any time.")).classes("text-sm text-slate-600")
            self.staff_list(staff)
            with ui.row().classes("items-center gap-2"):
                self.label = ui.input(_("Who is it for?")).props("dense outlined data-testid=staff-label")
                ui.button(_("Create staff link"), icon="badge", on_click=self.create).props("data-testid=add-staff")
            self.new_link_box()

    def new_link_box(self) -> None:
        """Hidden until a link is made: the link, its copy button and its QR code."""
        with ui.row().classes("w-full items-start gap-4 bg-violet-50 rounded p-3 flex-wrap") \
                .props("data-testid=new-staff-link") as self.new_link:
            with ui.column().classes("gap-2 flex-1 min-w-[220px]"):
                self.new_link_title = ui.label().classes("font-semibold")
                ui.label(_("Shown only now: copy it into a message to them, or scan the code with the door "
                           "phone's camera to open the scanner there.")).classes("text-sm text-slate-600")
                self.link = ui.label().classes("font-mono text-sm break-all select-all bg-white rounded p-2 w-full") \
                    .props("data-testid=staff-link")
                ui.button(_("Copy link"), icon="content_copy").props("outline data-testid=copy-staff-link") \
                    .on("click", js_handler=copy_link_js("staff-link"))  # copies in the browser (share_link.py)
            qr_words = _("QR code of the staff link")
            self.qr = ui.html("", sanitize=False).classes("w-44 bg-white p-1 rounded shrink-0").props(
                f'data-testid=staff-qr role=img aria-label="{qr_words}"')
        self.new_link.set_visibility(False)

    @ui.refreshable_method
    def staff_list(self, staff: list[StaffAccess]) -> None:
        for access in staff:
            with ui.row().classes("w-full items-center justify-between"):
                state = _("active") if access.active else _("revoked")
                ui.label(_("{label} · {state} · since {time}").format(
                    label=access.label, state=state, time=local_time(access.created_at, self.event))).props(
                    f"data-testid=staff-{access.id}")
                if access.active:
                    ui.button(_("Revoke"), on_click=lambda a=access: self.revoke(a)) \
                        .props(f"flat dense color=negative data-testid=revoke-{access.id}")
        if staff:
            ui.label(_("Times in {timezone}.").format(timezone=self.event.timezone)).classes("text-xs text-slate-500")

    async def reload(self) -> None:
        door_staff = self.services.staff
        self.staff_list.refresh(await self.services.off_loop(door_staff.list_staff, self.organizer.id, self.event.id))

    async def revoke(self, access: StaffAccess) -> None:
        await self.services.off_loop(self.services.staff.revoke_staff, self.organizer.id, self.event.id, access.id)
        await self.reload()

    async def create(self) -> None:
        try:
            access, token = await self.services.off_loop(
                self.services.staff.add_staff, self.organizer.id, self.event.id, self.label.value or "")
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        link = self.services.staff_link(self.event.id, token)
        self.link.text = link
        self.new_link_title.text = _("Staff link for {label}").format(label=access.label)
        self.qr.content = qr_svg(link)
        self.new_link.set_visibility(True)
        self.label.value = ""
        await self.reload()
