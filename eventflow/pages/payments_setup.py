"""`/dashboard/payments`: the organizer's Stripe account (Express onboarding), balance and payouts.

"Set up payouts with Stripe" creates the Express account the first time and sends the organizer
to Stripe's hosted onboarding; Stripe sends them back to `/dashboard/payments/return` (status read
again at once) or, for an expired link, to `/dashboard/payments/refresh` (a new link).
"""

from __future__ import annotations

from nicegui import run, ui

from eventflow.domain.errors import DomainError
from eventflow.domain.models import Organizer
from eventflow.domain.payments.settle import StripePayments
from eventflow.pages.components.frame import frame
from eventflow.pages.components.payouts_panel import account_balance
from eventflow.pages.components.session import require_organizer
from eventflow.services import Services


def account_status(payments: StripePayments, organizer: Organizer) -> None:
    """The account's state in the organizer's words, with the one next step."""
    account = payments.account(organizer.id)

    async def onboard() -> None:
        try:
            url = await run.io_bound(payments.start_onboarding, organizer)
        except DomainError as problem:
            ui.notify(problem.detail, type="negative")
            return
        ui.navigate.to(url)

    with ui.card().classes("w-full gap-2").props("data-testid=stripe-account"):
        ui.label("Card payments").classes("text-lg font-semibold")
        if account is None:
            ui.label("Connect a Stripe account to sell paid tickets. Money from each sale goes straight to it, "
                     "less the platform fee; Stripe pays it out to your bank.").classes("text-slate-600")
            ui.button("Set up payouts with Stripe", icon="account_balance", on_click=onboard).props(
                "data-testid=start-onboarding")
            return
        state = "ready" if account.charges_enabled else "onboarding not finished"
        ui.label(f"Stripe account {account.account_id}: {state}").classes("font-medium").props(
            "data-testid=account-state")
        with ui.row().classes("gap-4 text-sm"):
            for label, on in (("Charges", account.charges_enabled), ("Payouts", account.payouts_enabled),
                              ("Details submitted", account.details_submitted)):
                ui.label(f"{'✓' if on else '✗'} {label}").classes("text-emerald-700" if on else "text-red-700")
        if account.requirements_due:
            ui.label("Stripe still needs: " + ", ".join(account.requirements_due)).classes("text-sm text-amber-800")
        if not account.charges_enabled:
            ui.label("Paid tiers can go on sale once charges are enabled.").classes("text-sm text-slate-600")
            ui.button("Continue onboarding with Stripe", on_click=onboard).props("data-testid=continue-onboarding")


def register(services: Services) -> None:
    @ui.page("/dashboard/payments")
    async def payments_page() -> None:
        organizer = require_organizer(services, "/dashboard/payments")
        if organizer is None:
            return
        with frame("Payments", organizer):
            ui.label("Payments").classes("text-2xl font-bold")
            payments = services.payments
            if payments is None:
                ui.label("Card payments are not configured on this server, so checkout uses the built-in demo "
                         "provider (TEST MODE, no money moves). Set EVENTFLOW_STRIPE_SECRET_KEY and "
                         "EVENTFLOW_STRIPE_WEBHOOK_SECRET to take real payments with Stripe Connect.") \
                    .classes("text-slate-700").props("data-testid=demo-payments")
                return
            if payments.test_mode:
                ui.label("Stripe test mode: no real money moves.").classes("text-amber-800 text-sm")
            account_status(payments, organizer)
            account = payments.account(organizer.id)
            if account is not None:
                await account_balance(payments, account.account_id)

    @ui.page("/dashboard/payments/return")
    async def onboarding_return() -> None:
        organizer = require_organizer(services, "/dashboard/payments")
        if organizer is None or services.payments is None:
            return
        try:  # don't wait for account.updated: ask Stripe now
            await run.io_bound(services.payments.refresh_account, organizer.id)
        except DomainError as problem:
            ui.notify(problem.detail, type="warning")
        ui.navigate.to("/dashboard/payments")

    @ui.page("/dashboard/payments/refresh")
    async def onboarding_refresh() -> None:
        organizer = require_organizer(services, "/dashboard/payments")
        if organizer is None or services.payments is None:
            return
        try:
            url = await run.io_bound(services.payments.start_onboarding, organizer)
        except DomainError as problem:
            with frame("Payments", organizer):
                ui.label(problem.detail).classes("text-red-700")
            return
        ui.navigate.to(url)


def paid_sales_notice(services: Services, organizer: Organizer) -> None:
    """On the event editor: why paid tiers cannot go on sale yet, and where to fix it."""
    payments = services.payments
    if payments is None:
        return
    account = payments.account(organizer.id)
    if account is not None and account.charges_enabled:
        return
    with ui.row().classes("w-full items-center gap-2 p-2 rounded bg-amber-50 text-amber-900 text-sm") \
            .props("data-testid=paid-sales-notice"):
        ui.icon("info")
        ui.label("Paid tiers can go on sale once Stripe has enabled charges on your account.")
        ui.link("Set up payments →", "/dashboard/payments")
