"""The dashboard's "Void / refund" action on an order of the attendee table.

`add_order_actions(table, ...)` gives each row of a `ui.table` (rows keyed by order `id`, with a
column named `actions`, see ACTIONS_COLUMN) a button that asks for a reason and voids the order:
its tickets stop working at the door, what is left of it is refunded (to the card, recorded for a
demo payment, nothing for a free order) and the buyer gets one mail (domain/cancellation.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from nicegui import events, ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event
from eventflow.i18n import _, error_text
from eventflow.pages.components.formatting import money
from eventflow.services import Services

ACTIONS_COLUMN: dict[str, Any] = {"name": "actions", "label": "", "field": "id", "align": "right"}
Reload = Callable[[], Awaitable[None]]

_BUTTON = r"""
<q-td :props="props">
  <q-btn flat dense no-caps size="sm" color="negative" icon="block" label="{label}"
         :data-testid="'void-' + props.row.id" @click="() => $parent.$emit('void_order', props.row)" />
</q-td>
"""


def add_order_actions(table: ui.table, services: Services, event: Event, reload: Reload) -> None:
    """A "Void / refund" button per row; `reload` re-reads the table after a void."""
    table.add_slot("body-cell-actions", _BUTTON.replace("{label}", escape(_("Void / refund"))))

    def clicked(click: events.GenericEventArguments) -> None:
        row = click.args if isinstance(click.args, dict) else {}
        if row.get("id"):
            confirm_void(services, event, str(row["id"]), str(row.get("name", "")), reload)

    table.on("void_order", clicked)


def confirm_void(services: Services, event: Event, order_id: str, buyer: str, reload: Reload) -> None:
    with ui.dialog(value=True) as dialog, ui.card().classes("w-[30rem] max-w-full"):
        ui.label(_("Void order {order}?").format(order=order_id)).classes("text-lg font-semibold")
        ui.label(_("{buyer}'s tickets stop working at the door. What is left of the order is refunded in full "
                   "(card payments to the card; test-mode payments are recorded as refunded; free orders have "
                   "nothing to refund) and the buyer gets one mail.").format(buyer=buyer)) \
            .classes("text-sm text-slate-600")
        reason = ui.textarea(_("Reason (sent to the buyer)")).props(
            "outlined maxlength=500 data-testid=void-reason").classes("w-full")

        async def void() -> None:
            try:  # a card refund waits for Stripe: always in a worker thread
                settled = await services.in_thread(services.cancellations.void_order, event.organizer_id,
                                                   order_id, reason.value or "")
            except DomainError as problem:
                ui.notify(error_text(problem), type="negative")
                return
            dialog.close()
            refunded = money(settled.refunded_minor, settled.order.currency)
            ui.notify(_("Order {order} voided").format(order=order_id)
                      + (_(", {amount} refunded").format(amount=refunded) if settled.refunded_minor else ""),
                      type="positive")
            await reload()

        with ui.row():
            ui.button(_("Keep it"), on_click=dialog.close).props("flat")
            ui.button(_("Void order"), on_click=void).props("color=negative data-testid=confirm-void")
