"""The organizer's Stripe account on the dashboard screens: its state with the one next step, its
balance and payouts, and the editor's notice while paid tiers cannot go on sale yet."""

from __future__ import annotations

from nicegui import ui

from eventflow.adapters.threads import in_thread
from eventflow.domain.errors import DomainError
from eventflow.domain.models import Organizer
from eventflow.domain.payments.records import ConnectedAccount
from eventflow.domain.payments.settle import StripePayments
from eventflow.i18n import _, error_text
from eventflow.pages.components.formatting import money
from eventflow.pages.components.marks import day_and_time


def account_status(payments: StripePayments, organizer: Organizer, account: ConnectedAccount | None) -> None:
    """The account's state in the organizer's words, with the one next step."""

    async def onboard() -> None:
        try:  # always a thread: this asks Stripe over the network
            url = await in_thread(payments.start_onboarding, organizer)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        if url:  # None only when the app is shutting down
            ui.navigate.to(url)

    with ui.card().classes("w-full gap-2").props("data-testid=stripe-account"):
        ui.label(_("Card payments")).classes("text-lg font-semibold")
        if account is None:
            ui.label(_("Connect a Stripe account to sell paid tickets. Money from each sale goes straight to it, "
                       "less the platform fee; Stripe pays it out to your bank.")).classes("text-slate-600")
            ui.button(_("Set up payouts with Stripe"), icon="account_balance", on_click=onboard).props(
                "data-testid=start-onboarding")
            return
        state = _("ready") if account.charges_enabled else _("onboarding not finished")
        ui.label(_("Stripe account {account}: {state}").format(account=account.account_id, state=state)) \
            .classes("font-medium").props("data-testid=account-state")
        with ui.row().classes("gap-4 text-sm"):
            for label, on in ((_("Charges"), account.charges_enabled), (_("Payouts"), account.payouts_enabled),
                              (_("Details submitted"), account.details_submitted)):
                ui.label(f"{'✓' if on else '✗'} {label}").classes("text-emerald-700" if on else "text-red-700")
        if account.requirements_due:
            ui.label(_("Stripe still needs: ") + ", ".join(account.requirements_due)).classes("text-sm text-amber-800")
        if not account.charges_enabled:
            ui.label(_("Paid tiers can go on sale once charges are enabled.")).classes("text-sm text-slate-600")
            ui.button(_("Continue onboarding with Stripe"), on_click=onboard).props("data-testid=continue-onboarding")


async def account_balance(payments: StripePayments, account_id: str) -> None:
    """Balance and recent payouts of the connected account, asked from Stripe with its account header."""
    with ui.card().classes("w-full gap-1").props("data-testid=stripe-balance"):
        ui.label(_("Your Stripe balance")).classes("font-semibold")
        try:
            answer = await in_thread(payments.balance_and_payouts, account_id)
        except DomainError as problem:
            ui.label(_("Stripe did not answer: {problem}").format(problem=error_text(problem))) \
                .classes("text-sm text-red-700")
            return
        if answer is None:  # the app is shutting down
            return
        balance, payouts = answer
        with ui.row().classes("gap-6"):
            for label, amounts, testid in ((_("Available"), balance.available, "balance-available"),
                                           (_("Pending"), balance.pending, "balance-pending")):
                text = ", ".join(money(m.amount_minor, m.currency) for m in amounts) or "0"
                ui.label(f"{label}: {text}").props(f"data-testid={testid}")
        if not payouts:
            ui.label(_("No payouts yet.")).classes("text-sm text-slate-500")
        for payout in payouts:
            ui.label(_("Payout {amount} · {status} · arrives {date}").format(
                amount=money(payout.amount_minor, payout.currency), status=payout.status,
                date=day_and_time(payout.arrival_date, "%d %b %Y"))).classes("text-sm").props("data-testid=payout")


def paid_sales_notice(account: ConnectedAccount | None) -> None:
    """On the event editor (card payments on): why paid tiers cannot go on sale yet, and where to fix it."""
    if account is not None and account.charges_enabled:
        return
    with ui.row().classes("w-full items-center gap-2 p-2 rounded bg-amber-50 text-amber-900 text-sm") \
            .props("data-testid=paid-sales-notice"):
        ui.icon("info")
        ui.label(_("Paid tiers can go on sale once Stripe has enabled charges on your account."))
        ui.link(_("Set up payments →"), "/dashboard/payments")
