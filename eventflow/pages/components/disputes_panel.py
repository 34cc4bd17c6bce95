"""The event dashboard's chargebacks: each dispute of the event's card payments (order, amount,
reason, where it stands, what it cost when lost), and the organizer's choice whether disputed
tickets are refused at the door (the default) or let in flagged. Shown only with Stripe on."""

from __future__ import annotations

from nicegui import ui

from eventflow.domain.models import Event, Organizer
from eventflow.domain.payments.disputes import Disputes
from eventflow.domain.payments.records import Dispute, DisputeStatus
from eventflow.i18n import N_, _
from eventflow.pages.components.formatting import money
from eventflow.services import Services

STATUS_WORDS = {
    DisputeStatus.OPEN: N_("Open: answer with evidence in Stripe"),
    DisputeStatus.UNDER_REVIEW: N_("Under review by the bank"),
    DisputeStatus.WON: N_("Won: nothing moved"),
    DisputeStatus.LOST: N_("Lost"),
}


class DisputesPanel:
    def __init__(self, services: Services, disputes: Disputes, organizer: Organizer, event: Event,
                 shown: list[Dispute], admits: bool) -> None:
        self.services, self.disputes, self.organizer, self.event = services, disputes, organizer, event
        with ui.card().classes("w-full gap-2").props("data-testid=disputes-panel"):
            ui.label(_("Disputed payments")).classes("text-lg font-semibold")
            if not shown:
                ui.label(_("No buyer's bank has disputed a payment for this event.")).classes("text-slate-600")
            for dispute in shown:
                self.row(dispute)
            ui.switch(_("Let disputed tickets in (flagged) instead of refusing them at the door"), value=admits,
                      on_change=lambda e: self.choose(bool(e.value))).props("data-testid=admit-disputed")

    @classmethod
    async def create(cls, services: Services, organizer: Organizer, event: Event) -> DisputesPanel | None:
        payments = services.payments
        if payments is None or payments.disputes is None:
            return None
        disputes = payments.disputes

        def read() -> tuple[list[Dispute], bool]:
            return disputes.of_event(event.id), disputes.admits_disputed_tickets(organizer.id)

        shown, admits = await services.off_loop(read)
        return cls(services, disputes, organizer, event, shown, admits)

    def row(self, dispute: Dispute) -> None:
        cost = (_(" · {amount} and a {fee} dispute fee left your takings").format(
                    amount=money(dispute.amount_minor, dispute.currency),
                    fee=money(dispute.fee_minor, dispute.currency))
                if dispute.status is DisputeStatus.LOST else "")
        with ui.row().classes("w-full justify-between no-wrap").props(f"data-testid=dispute-{dispute.id}"):
            ui.label(_("Order {order} · {amount} · {reason}").format(
                order=dispute.order_id or _("(not issued)"), amount=money(dispute.amount_minor, dispute.currency),
                reason=dispute.reason or _("no reason given")))
            ui.label(_(STATUS_WORDS[dispute.status]) + cost).classes(
                "text-red-700" if dispute.status is DisputeStatus.LOST else "text-slate-700")

    async def choose(self, admit: bool) -> None:
        await self.services.off_loop(self.disputes.admit_disputed_tickets, self.organizer.id, admit)
        ui.notify(_("Disputed tickets are let in, flagged") if admit else _("Disputed tickets are refused at the door"))
