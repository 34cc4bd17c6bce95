"""The editor's "Ticket transfers" card (issue 17, domain/transfers.py): may holders hand their tickets on —
allowed (default), not allowed, or until a deadline in the event's timezone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from nicegui import ui

from eventflow.domain.models import Event, Organizer
from eventflow.domain.transfers import TransferPolicy
from eventflow.i18n import N_, _
from eventflow.pages.components.form_note import saved_with_note
from eventflow.pages.components.sale_settings_panel import LOCAL_FORMAT, opening
from eventflow.services import Services

RULES = {"allow": N_("Allowed"), "forbid": N_("Not allowed"), "deadline": N_("Allowed until a deadline")}


def transfer_policy_panel(services: Services, organizer: Organizer, event: Event) -> None:
    zone = ZoneInfo(event.timezone)
    with ui.card().classes("w-full gap-2").props("data-testid=transfer-policy"):
        ui.label(_("Ticket transfers")).classes("text-lg font-semibold")
        ui.label(_("A holder can give their ticket to someone else: the ticket gets a new code and the old one "
                   "stops working.")).classes("text-sm text-slate-600")
        rule = ui.select({key: _(words) for key, words in RULES.items()}, value="allow",
                         label=_("Transfers")).classes("w-full").props("data-testid=transfer-rule")
        deadline = ui.input(_("Deadline ({zone})").format(zone=event.timezone)).props(
            "type=datetime-local data-testid=transfer-deadline")
        deadline.bind_visibility_from(rule, "value", backward=lambda value: value == "deadline")
        note = ui.label("").classes("text-sm")

        def show(policy: TransferPolicy) -> None:
            rule.set_value(policy.rule.value)
            deadline.set_value(policy.deadline.astimezone(zone).strftime(LOCAL_FORMAT) if policy.deadline else "")

        async def load() -> None:  # after the page is built: the editor's build is not async
            show(await services.off_loop(services.transfers.policy, event.id))

        ui.timer(0, load, once=True)

        def save_owned() -> TransferPolicy:
            services.catalog.own_event(organizer.id, event.id)
            return services.transfers.save_policy(event.id, str(rule.value), opening(deadline.value, zone))

        async def save() -> None:
            if (settings := await saved_with_note(note, services.off_loop(save_owned), _("Saved."))) is not None:
                show(settings)

        ui.button(_("Save transfer rule"), on_click=save).props("unelevated data-testid=transfer-policy-save")
