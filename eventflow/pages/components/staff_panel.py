"""The event dashboard's door staff panel: one revocable link per person, shown once."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event, Organizer, StaffAccess
from eventflow.services import Services


class StaffPanel:
    def __init__(self, services: Services, organizer: Organizer, event: Event, staff: list[StaffAccess]) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        with ui.card().classes("w-full gap-2"):
            ui.label("Door staff").classes("text-lg font-semibold")
            ui.label("Each link lets one person check tickets in at this event only, without your password. "
                     "It is shown once; revoke it any time.").classes("text-sm text-slate-600")
            self.staff_list(staff)
            with ui.row().classes("items-center gap-2"):
                self.label = ui.input("Who is it for?").props("dense outlined data-testid=staff-label")
                self.link = ui.label().classes("font-mono text-sm break-all select-all").props(
                    "data-testid=staff-link")
                ui.button("Create staff link", icon="badge", on_click=self.create).props("data-testid=add-staff")

    @ui.refreshable_method
    def staff_list(self, staff: list[StaffAccess]) -> None:
        for access in staff:
            with ui.row().classes("w-full items-center justify-between"):
                state = "active" if access.active else "revoked"
                ui.label(f"{access.label} · {state} · since {access.created_at:%d %b %H:%M} UTC").props(
                    f"data-testid=staff-{access.id}")
                if access.active:
                    ui.button("Revoke", on_click=lambda a=access: self.revoke(a)) \
                        .props(f"flat dense color=negative data-testid=revoke-{access.id}")

    async def reload(self) -> None:
        door_staff = self.services.staff
        self.staff_list.refresh(await self.services.off_loop(door_staff.list_staff, self.organizer.id, self.event.id))

    async def revoke(self, access: StaffAccess) -> None:
        await self.services.off_loop(self.services.staff.revoke_staff, self.organizer.id, self.event.id, access.id)
        await self.reload()

    async def create(self) -> None:
        try:
            _access, token = await self.services.off_loop(
                self.services.staff.add_staff, self.organizer.id, self.event.id, self.label.value or "")
        except DomainError as problem:
            ui.notify(problem.detail, type="negative")
            return
        self.link.text = self.services.staff_link(self.event.id, token)
        self.label.value = ""
        await self.reload()
