"""`/dashboard/payments`: the organizer's Stripe account (Express onboarding), balance and payouts.

"Set up payouts with Stripe" creates the Express account the first time and sends the organizer
to Stripe's hosted onboarding; Stripe sends them back to `/dashboard/payments/return` (status read
again at once) or, for an expired link, to `/dashboard/payments/refresh` (a new link).
"""

from __future__ import annotations

from nicegui import ui
from starlette.responses import RedirectResponse

from eventflow.adapters.threads import in_thread
from eventflow.domain.errors import DomainError
from eventflow.i18n import _, error_text
from eventflow.pages.components.frame import frame
from eventflow.pages.components.session import require_organizer
from eventflow.pages.components.stripe_account import account_balance, account_status
from eventflow.services import Services

HERE = "/dashboard/payments"


def register(services: Services) -> None:
    @ui.page(HERE)
    async def payments_page() -> RedirectResponse | None:
        organizer = await require_organizer(services, HERE)
        if isinstance(organizer, RedirectResponse):
            return organizer
        payments = services.payments
        account = await services.off_loop(payments.account, organizer.id) if payments is not None else None
        with frame(_("Payments"), organizer):
            ui.label(_("Payments")).classes("text-2xl font-bold")
            if payments is None:
                ui.label(_("Card payments are not configured on this server, so checkout uses the built-in demo "
                           "provider (TEST MODE, no money moves). Set EVENTFLOW_STRIPE_SECRET_KEY and "
                           "EVENTFLOW_STRIPE_WEBHOOK_SECRET to take real payments with Stripe Connect.")) \
                    .classes("text-slate-700").props("data-testid=demo-payments")
                return None
            if payments.test_mode:
                ui.label(_("Stripe test mode: no real money moves.")).classes("text-amber-800 text-sm")
            account_status(payments, organizer, account)
            if account is not None:
                await account_balance(payments, account.account_id)
        return None

    @ui.page(f"{HERE}/return")
    async def onboarding_return() -> RedirectResponse | None:
        organizer = await require_organizer(services, HERE)
        if isinstance(organizer, RedirectResponse):
            return organizer
        if services.payments is None:
            return None
        try:  # don't wait for account.updated: ask Stripe now
            await in_thread(services.payments.refresh_account, organizer.id)
        except DomainError as problem:
            ui.notify(error_text(problem), type="warning")
        ui.navigate.to(HERE)
        return None

    @ui.page(f"{HERE}/refresh")
    async def onboarding_refresh() -> RedirectResponse | None:
        organizer = await require_organizer(services, HERE)
        if isinstance(organizer, RedirectResponse):
            return organizer
        if services.payments is None:
            return None
        try:
            url = await in_thread(services.payments.start_onboarding, organizer)
        except DomainError as problem:
            with frame(_("Payments"), organizer):
                ui.label(error_text(problem)).classes("text-red-700")
            return None
        if url:  # None only when the app is shutting down
            ui.navigate.to(url)
        return None
