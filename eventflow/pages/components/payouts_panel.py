"""The money panel of the event dashboard: the platform's ledger for the event next to the organizer's
Stripe balance and payouts, and refunds of card orders (whole order or single tickets)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import run, ui

from eventflow.domain.analytics import orders_fingerprint, search_attendees
from eventflow.domain.errors import DomainError
from eventflow.domain.models import Event, Order, Organizer
from eventflow.domain.payments.records import Refund
from eventflow.domain.payments.refunds import VOID, event_ledger
from eventflow.domain.payments.settle import StripePayments
from eventflow.pages.components.formatting import money
from eventflow.services import Services

SHOWN_ORDERS = 25


async def account_balance(payments: StripePayments, account_id: str) -> None:
    """Balance and recent payouts of the connected account, asked from Stripe with its account header."""
    with ui.card().classes("w-full gap-1").props("data-testid=stripe-balance"):
        ui.label("Your Stripe balance").classes("font-semibold")
        try:
            balance, payouts = await run.io_bound(payments.balance_and_payouts, account_id)
        except DomainError as problem:
            ui.label(f"Stripe did not answer: {problem.detail}").classes("text-sm text-red-700")
            return
        with ui.row().classes("gap-6"):
            for label, amounts, testid in (("Available", balance.available, "balance-available"),
                                           ("Pending", balance.pending, "balance-pending")):
                text = ", ".join(money(m.amount_minor, m.currency) for m in amounts) or "0"
                ui.label(f"{label}: {text}").props(f"data-testid={testid}")
        if not payouts:
            ui.label("No payouts yet.").classes("text-sm text-slate-500")
        for payout in payouts:
            ui.label(f"Payout {money(payout.amount_minor, payout.currency)} · {payout.status} · arrives "
                     f"{payout.arrival_date:%d %b %Y}").classes("text-sm").props("data-testid=payout")


def money_panel(services: Services, organizer: Organizer, event: Event,
                orders: Sequence[Order]) -> Callable[[Sequence[Order]], None]:
    """Ledger, Stripe balance and refunds. Returns `show(orders)`, which the dashboard calls with
    the orders it read on every change; the panel is rebuilt only when orders or refunds changed."""
    payments = services.payments
    store = services.ticketing.store
    search = {"query": ""}
    def read_refunds() -> list[Refund]:
        return payments.store.list_refunds(event.id) if payments else []

    def key_of(orders: Sequence[Order], refunds: Sequence[Refund]) -> tuple[Any, ...]:
        return orders_fingerprint(orders), tuple((r.id, r.status) for r in refunds)

    refunds = read_refunds()
    shown: dict[str, Any] = {"orders": list(orders), "refunds": refunds, "key": key_of(orders, refunds)}

    @ui.refreshable
    def ledger() -> None:
        book = event_ledger(event, shown["orders"], shown["refunds"])
        with ui.row().classes("w-full gap-3"):
            for label, value, testid in (
                ("Charged", book.charged_minor, "ledger-charged"),
                ("Platform fees", book.net_platform_fee_minor, "ledger-fees"),
                ("Refunded", book.refunded_minor, "ledger-refunded"),
                ("Net to you", book.organizer_net_minor, "ledger-net"),
            ):
                with ui.column().classes("gap-0 min-w-[8rem]"):
                    ui.label(label).classes("text-xs uppercase text-slate-500")
                    ui.label(money(value, event.currency)).classes("text-lg font-semibold") \
                        .props(f"data-testid={testid}")
        if book.pending_refunds:
            ui.label(f"{book.pending_refunds} refund(s) waiting for Stripe; retried automatically.") \
                .classes("text-sm text-amber-800")

    @ui.refreshable
    def card_orders() -> None:
        if payments is None:
            ui.label("Refunds are available for card payments (Stripe); this server uses the demo provider.") \
                .classes("text-sm text-slate-500")
            return
        paid = [o for o in shown["orders"] if o.payment_ref.startswith("pi_")]
        listed = list(reversed(search_attendees(paid, search["query"])))[:SHOWN_ORDERS]
        zone = ZoneInfo(event.timezone)
        for order in listed:
            valid = [t for t in order.tickets if t.status != VOID]
            with ui.row().classes("w-full items-center justify-between no-wrap text-sm") \
                    .props(f"data-testid=card-order-{order.id}"):
                ui.label(f"{order.created_at.astimezone(zone):%d %b %H:%M} · {order.buyer.name} · "
                         f"{len(valid)}/{len(order.tickets)} valid · {money(order.total_minor, order.currency)}")
                if valid:
                    ui.button("Refund…", on_click=lambda o=order: refund_dialog(o)).props(
                        f"flat dense color=negative data-testid=refund-{order.id}")
        for refund in reversed(shown["refunds"][-10:]):
            ui.label(f"Refund {money(refund.amount_minor, refund.currency)} · {refund.reason.value} · "
                     f"{refund.status.value} · {len(refund.ticket_ids)} ticket(s)").classes(
                "text-xs text-slate-500").props("data-testid=refund-row")

    def refund_dialog(order: Order) -> None:
        assert payments is not None
        names = {t.id: t.name for t in store.get_tiers(event.id)}
        # Opened from a row that a refresh may rebuild: the dialog belongs to the panel itself.
        with panel, ui.dialog() as dialog, ui.card().classes("min-w-[22rem]"):
            ui.label(f"Refund {order.buyer.name}'s order").classes("text-lg font-semibold")
            boxes = {
                t.id: ui.checkbox(f"{names.get(t.tier_id, 'Ticket')} · {t.id}", value=True).props(
                    f"data-testid=refund-ticket-{t.id}")
                for t in order.tickets if t.status != VOID
            }
            restock = ui.checkbox("Put refunded tickets back on sale", value=payments.config.restock_refunds) \
                .props("data-testid=refund-restock")
            ui.label("The platform fee and your transfer are reversed in proportion; the tickets stop working.") \
                .classes("text-xs text-slate-500")

            async def refund() -> None:
                chosen = [ticket_id for ticket_id, box in boxes.items() if box.value]
                if not chosen:
                    ui.notify("Choose at least one ticket", type="warning")
                    return
                try:
                    done = await run.io_bound(payments.refunds.refund_order, organizer.id, event.id, order.id,
                                              chosen, bool(restock.value))
                except DomainError as problem:
                    ui.notify(problem.detail, type="negative")
                    return
                dialog.close()
                ui.notify(f"Refunded {money(done.amount_minor, done.currency)}", type="positive")
                show(store.list_orders(event.id))

            with ui.row():
                ui.button("Keep", on_click=dialog.close).props("flat")
                ui.button("Refund selected tickets", on_click=refund).props("color=negative data-testid=refund-confirm")
        dialog.open()

    def show(orders: Sequence[Order]) -> None:
        refunds = read_refunds()
        key = key_of(orders, refunds)
        if key == shown["key"]:
            return
        shown.update(orders=list(orders), refunds=refunds, key=key)
        ledger.refresh()
        card_orders.refresh()
    with ui.card().classes("w-full gap-2").props("data-testid=money-panel") as panel:
        ui.label("Money").classes("text-lg font-semibold")
        ledger()
        if payments is not None:
            account = payments.account(organizer.id)
            if account is None:
                ui.link("Connect Stripe to take card payments →", "/dashboard/payments")
            else:
                balance_slot = ui.column().classes("w-full")

                async def load_balance() -> None:  # after the page is out: Stripe may take a moment
                    with balance_slot:
                        await account_balance(payments, account.account_id)  # type: ignore[union-attr]

                ui.timer(0.1, load_balance, once=True)
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Card orders").classes("font-medium")
            ui.input("Search", on_change=lambda e: (search.update(query=e.value or ""), card_orders.refresh())) \
                .props("dense outlined clearable debounce=250").classes("w-56")
        card_orders()
    return show
