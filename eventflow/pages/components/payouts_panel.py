"""The money panel of the event dashboard: the platform's ledger for the event next to the organizer's
Stripe balance and payouts, and refunds of card orders (whole order or single tickets).

Without Stripe (the demo provider) the panel works the same on the test-mode orders, marked TEST
MODE: refunds are recorded (domain/payments/demo_refunds.py) and the payout is what would be paid."""

from __future__ import annotations

from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui

from eventflow.adapters.threads import in_thread
from eventflow.domain.analytics import sales_key, summary_ledger
from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event, Order, Organizer, TicketStatus
from eventflow.domain.payments.records import DEMO_PAYMENTS, ConnectedAccount, Refund
from eventflow.domain.sales_stats import SalesSummary
from eventflow.i18n import N_, _, error_text, ngettext
from eventflow.pages.components.marks import day_and_time, money
from eventflow.pages.components.stripe_account import account_balance
from eventflow.services import Services

SHOWN_ORDERS = 25
CARD_ORDER_COLUMNS = [{"name": "order", "label": "", "field": "text", "align": "left"},
                      {"name": "refund", "label": "", "field": "id", "align": "right"}]
# A row's text wraps on a phone; the button stays beside it. Vue escapes the text (a buyer's name).
CARD_ORDER_ROW = r"""
<q-tr :props="props" :data-testid="'card-order-' + props.row.id">
  <q-td key="order" :props="props" class="whitespace-normal text-sm">{{ props.row.text }}</q-td>
  <q-td key="refund" :props="props" auto-width>
    <q-btn v-if="props.row.refundable" flat dense no-caps color="negative" label="{label}"
           :data-testid="'refund-' + props.row.id" @click="() => $parent.$emit('refund_order', props.row.id)" />
  </q-td>
</q-tr>
"""
CARD_PAYMENTS = "pi_"  # a Stripe PaymentIntent id: the orders a refund can be asked for here
# (label, testid) of the ledger, in the order the sum reads: paid - refunded - fees = net
LEDGER = ((N_("Buyers paid"), "ledger-charged"), (N_("− Refunded"), "ledger-refunded"),
          (N_("− Platform fees"), "ledger-fees"), (N_("= Net to you"), "ledger-net"))
# A refund's status and reason in words (records.py names them for the API: `requested_by_organizer`).
REFUND_STATUS_WORDS = {"pending": N_("pending"), "succeeded": N_("succeeded"), "failed": N_("failed")}
REFUND_REASON_WORDS = {
    "requested_by_organizer": N_("requested by the organizer"), "late_payment_sold_out": N_("paid after selling out"),
    "duplicate_payment": N_("duplicate payment"), "refunded_outside_eventflow": N_("refunded outside EventFlow"),
    "event_cancelled": N_("event cancelled"), "order_voided": N_("order voided"),
    "requested_by_buyer": N_("requested by the buyer"),
}


class MoneyPanel:
    """Ledger, Stripe balance and refunds. The ledger comes from the store's sales aggregates and the
    refunds; the card orders are the newest SHOWN_ORDERS paid by card (searched in the store). The
    dashboard calls `show` with what it read on every change; the panel redraws only what changed."""

    def __init__(self, services: Services, organizer: Organizer, event: Event, summary: SalesSummary,
                 refunds: list[Refund], account: ConnectedAccount | None, card_page: list[Order]) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.payments = services.payments
        self.test_mode = self.payments is None  # the demo provider: no money moves
        self.summary, self.refunds, self.card_page, self.query = summary, refunds, card_page, ""
        self.key = self.key_of(summary, refunds)
        with ui.card().classes("w-full gap-2").props("data-testid=money-panel") as self.card:
            with ui.row().classes("items-center gap-2"):
                ui.label(_("Money")).classes("text-lg font-semibold")
                if self.test_mode:
                    ui.label(_("TEST MODE")).classes("rounded px-2 py-0.5 text-xs font-bold bg-amber-200 "
                                                  "text-amber-950").props("data-testid=money-test-mode")
            if self.test_mode:
                ui.label(_("Payments on this server are simulated: no money moves. Refunds and payouts below "
                           "work as they will once Stripe is connected.")).classes("text-sm text-slate-600")
            self.ledger()
            if self.payments is not None:
                self.stripe_account(account)
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(_("Test-mode orders") if self.test_mode else _("Card orders")).classes("font-medium")
                ui.input(_("Search"), on_change=lambda e: self.search(e.value or "")) \
                    .props("dense outlined clearable debounce=250").classes("w-full sm:w-56")
            self.card_orders()

    @classmethod
    async def create(cls, services: Services, organizer: Organizer, event: Event,
                     summary: SalesSummary) -> MoneyPanel:
        payments = services.payments

        def read() -> tuple[list[Refund], ConnectedAccount | None, list[Order]]:
            account = payments.account(organizer.id) if payments is not None else None
            return services.queries.refunds(event.id), account, cls.card_page_of(services, event.id, "")

        refunds, account, page = await services.off_loop(read)
        return cls(services, organizer, event, summary, refunds, account, page)

    @staticmethod
    def card_page_of(services: Services, event_id: str, query: str) -> list[Order]:
        """The newest orders a refund can be asked for: paid by card, or in test mode."""
        paid_by = CARD_PAYMENTS if services.payments is not None else DEMO_PAYMENTS
        return services.queries.orders_page(event_id, None, SHOWN_ORDERS, query, paid_by)

    @staticmethod
    def key_of(summary: SalesSummary, refunds: list[Refund]) -> tuple[Any, ...]:
        return sales_key(summary), tuple((r.id, r.status) for r in refunds)

    def show(self, summary: SalesSummary, refunds: list[Refund], card_page: tuple[str, list[Order]] | None) -> None:
        """Redraw when sales or refunds changed; `card_page` (search, orders) None when it was not re-read,
        and not taken when the organizer searched for something else since."""
        if card_page is not None and card_page[0] != self.query:
            card_page = None
        key = self.key_of(summary, refunds)
        if key == self.key and card_page is None:
            return
        refunds_changed = key[1] != self.key[1]
        self.summary, self.refunds, self.key = summary, refunds, key
        self.card_page = self.card_page if card_page is None else card_page[1]
        self.show_ledger()
        if card_page is not None:
            self.show_card_orders()
        if refunds_changed:
            self.refund_rows.refresh()

    async def search(self, query: str) -> None:
        self.query = query
        page = await self.services.off_loop(self.card_page_of, self.services, self.event.id, query)
        if query == self.query:  # else a later search is on its way
            self.card_page = page
            self.show_card_orders()

    def stripe_account(self, account: ConnectedAccount | None) -> None:
        payments = self.payments
        if payments is None:
            return
        if account is None:
            ui.link(_("Connect Stripe to take card payments →"), "/dashboard/payments")
            return
        balance_slot = ui.column().classes("w-full")

        async def load_balance() -> None:  # after the page is out: Stripe may take a moment
            with balance_slot:
                await account_balance(payments, account.account_id)

        ui.timer(0.1, load_balance, once=True)

    def ledger(self) -> None:
        """The ledger's figures, built once; `show_ledger` updates their text in place on every sale
        (rebuilding the row was the largest part of the dashboard's work per sale)."""
        self.ledger_labels: dict[str, ui.label] = {}
        with ui.row().classes("w-full gap-3"):
            for label, testid in LEDGER:
                with ui.column().classes("gap-0 min-w-[8rem]"):
                    ui.label(_(label)).classes("text-xs uppercase text-slate-500")
                    self.ledger_labels[testid] = ui.label().classes("text-lg font-semibold") \
                        .props(f"data-testid={testid}")
        ui.label(_("Buyers paid is everything charged, platform fees included; the fees are net of those given "
                   "back with refunds.")).classes("text-xs text-slate-500")
        self.pending_label = ui.label().classes("text-sm text-amber-800")
        self.payout_label = ui.label().classes("text-sm text-slate-700").props("data-testid=test-payout")
        self.payout_label.set_visibility(self.test_mode)
        self.show_ledger()

    def show_ledger(self) -> None:
        book = summary_ledger(self.event, self.summary, self.refunds)
        for testid, value in (("ledger-charged", book.charged_minor), ("ledger-fees", book.net_platform_fee_minor),
                              ("ledger-refunded", book.refunded_minor), ("ledger-net", book.organizer_net_minor)):
            self.ledger_labels[testid].set_text(money(value, self.event.currency))
        self.pending_label.set_text(ngettext("{count} refund waiting for Stripe; retried automatically.",
                                             "{count} refunds waiting for Stripe; retried automatically.",
                                             book.pending_refunds).format(count=book.pending_refunds))
        self.pending_label.set_visibility(bool(book.pending_refunds))
        if self.test_mode:
            self.payout_label.set_text(
                _("Payout (test mode): {amount} would be paid to your bank account; with Stripe connected it "
                  "follows your Stripe payout schedule.").format(
                    amount=money(max(0, book.organizer_net_minor), self.event.currency)))

    def card_orders(self) -> None:
        """One table row per order, its text and whether a refund is left to ask for: a new sale is a
        new list of SHOWN_ORDERS small dicts, one update of one element. (A row of elements per order,
        a button each, was the largest part of a dashboard redraw: ~0.5 ms of CPU per new order on the
        loop that buyers' requests wait for.) The refund dialog belongs to the panel: a redraw of the
        rows under an open dialog leaves it working."""
        self.no_orders = ui.label(_("No paid orders yet.")).classes("text-sm text-slate-500")
        self.order_table = ui.table(columns=CARD_ORDER_COLUMNS, rows=[], row_key="id", pagination={"rowsPerPage": 0}) \
            .classes("w-full").props("flat dense hide-header hide-bottom data-testid=card-orders")
        self.order_table.add_slot("body", CARD_ORDER_ROW.replace("{label}", escape(_("Refund…"))))
        self.order_table.on("refund_order", lambda e: self.refund_order_dialog(str(e.args)))
        self.refund_rows()
        self.show_card_orders()

    def show_card_orders(self) -> None:
        zone = ZoneInfo(self.event.timezone)
        self.no_orders.set_visibility(not self.card_page)
        rows = []
        for order in self.card_page:
            valid = sum(t.status is not TicketStatus.VOID for t in order.tickets)
            rows.append({"id": order.id, "refundable": valid > 0,
                         "text": _("{time} · {buyer} · {valid}/{tickets} valid · {amount}").format(
                             time=day_and_time(order.created_at.astimezone(zone)), buyer=order.buyer.name,
                             valid=valid, tickets=len(order.tickets), amount=money(order.total_minor, order.currency))})
        if rows != self.order_table.rows:
            self.order_table.rows = rows

    @ui.refreshable_method
    def refund_rows(self) -> None:
        for refund in reversed(self.refunds[-10:]):
            reason = REFUND_REASON_WORDS.get(refund.reason.value, refund.reason.value)
            status = REFUND_STATUS_WORDS.get(refund.status.value, refund.status.value)
            ui.label(ngettext("Refund {amount} · {reason} · {status} · {count} ticket",
                              "Refund {amount} · {reason} · {status} · {count} tickets", len(refund.ticket_ids)).format(
                amount=money(refund.amount_minor, refund.currency), reason=_(reason), status=_(status),
                count=len(refund.ticket_ids))).classes(
                "text-xs text-slate-500").props("data-testid=refund-row")

    async def refund_order_dialog(self, order_id: str) -> None:
        order = next((o for o in self.card_page if o.id == order_id), None)
        if order is not None:  # else it left the page between the click and now
            await self.refund_dialog(order)

    async def refund_dialog(self, order: Order) -> None:
        payments = self.payments
        names = await self.services.off_loop(self.services.queries.tier_names, self.event.id)
        # Opened from a row that a refresh may rebuild: the dialog belongs to the panel itself.
        with self.card, ui.dialog() as dialog, ui.card().classes("min-w-[22rem]"):
            ui.label(_("Refund {buyer}'s order").format(buyer=order.buyer.name)).classes("text-lg font-semibold")
            boxes = {
                t.id: ui.checkbox(f"{names.get(t.tier_id) or _('Ticket')} · {t.id}", value=True).props(
                    f"data-testid=refund-ticket-{t.id}")
                for t in order.tickets if t.status is not TicketStatus.VOID
            }
            restock_default = payments.config.restock_refunds if payments else self.services.settings.refund_restock
            restock = ui.checkbox(_("Put refunded tickets back on sale"), value=restock_default) \
                .props("data-testid=refund-restock")
            ui.label(_("The platform fee and your transfer are reversed in proportion; the tickets stop working.")
                     + (_(" Test mode: recorded, no money moves.") if self.test_mode else "")) \
                .classes("text-xs text-slate-500")

            async def refund() -> None:
                chosen = [ticket_id for ticket_id, box in boxes.items() if box.value]
                if not chosen:
                    ui.notify(_("Choose at least one ticket"), type="warning")
                    return
                refund_order = payments.refunds.refund_order if payments else self.services.demo_refunds.refund_order
                try:  # always a thread: this asks Stripe over the network
                    done = await in_thread(refund_order, self.organizer.id, self.event.id,
                                           order.id, chosen, bool(restock.value))
                except DomainError as problem:
                    ui.notify(error_text(problem), type="negative")
                    return
                dialog.close()
                if done is not None:  # None only when the app is shutting down
                    ui.notify(_("Refunded {amount}").format(amount=money(done.amount_minor, done.currency)),
                              type="positive")
                queries, event_id, query = self.services.queries, self.event.id, self.query
                self.show(*await self.services.off_loop(lambda: (
                    queries.event_figures(event_id).sales, queries.refunds(event_id),
                    (query, self.card_page_of(self.services, event_id, query)))))

            with ui.row():
                ui.button(_("Keep"), on_click=dialog.close).props("flat")
                ui.button(_("Refund selected tickets"), on_click=refund).props(
                    "color=negative data-testid=refund-confirm")
        dialog.open()
