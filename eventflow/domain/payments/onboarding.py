"""Organizer onboarding with Stripe Connect: the organizer's Express account, made and linked on
first use and re-read from Stripe whenever it changes, and the one rule that depends on it: paid
tiers go on sale only once the account may take charges.

An account is never updated from what a webhook carries (events may arrive out of order): every
`account.updated` makes EventFlow ask Stripe how the account stands now.
"""

from __future__ import annotations

from eventflow.domain.clock import Clock
from eventflow.domain.models import Organizer
from eventflow.domain.payments.errors import PaymentsNotReady, ask_provider
from eventflow.domain.payments.gateway import AccountInfo, Balance, ConnectGateway, Payout
from eventflow.domain.payments.records import ConnectedAccount
from eventflow.domain.ports import PaymentStore

LATEST_PAYOUTS = 10  # shown on the dashboard's money panel


class Onboarding:
    """The organizer's connected account; the `PaidSalesGate` of the catalog when Stripe is on."""

    def __init__(self, store: PaymentStore, gateway: ConnectGateway, clock: Clock, public_url: str) -> None:
        self.store = store
        self.gateway = gateway
        self.clock = clock
        self.public_url = public_url

    def start(self, organizer: Organizer) -> str:
        """The Stripe-hosted onboarding link for the organizer's Express account (made on first use)."""
        account = self.store.get_connected_account(organizer.id)
        if account is None:
            info = ask_provider(self.gateway.create_account, organizer.id, organizer.email,
                                f"eventflow-account-{organizer.id}")
            account = self.save(organizer.id, info)
        base = self.public_url
        return ask_provider(self.gateway.onboarding_link, account.account_id,
                            f"{base}/dashboard/payments/refresh", f"{base}/dashboard/payments/return")

    def account(self, organizer_id: str) -> ConnectedAccount | None:
        return self.store.get_connected_account(organizer_id)

    def refresh(self, organizer_id: str) -> ConnectedAccount | None:
        """Read the organizer's account again from Stripe (back from onboarding, say)."""
        account = self.store.get_connected_account(organizer_id)
        if account is None:
            return None
        return self.save(organizer_id, ask_provider(self.gateway.retrieve_account, account.account_id))

    def account_updated(self, account_id: str) -> None:
        """An account changed at Stripe: keep what Stripe says now (not what the event carried)."""
        known = self.store.find_connected_account(account_id)
        if known is not None:
            self.save(known.organizer_id, self.gateway.retrieve_account(account_id))

    def save(self, organizer_id: str, info: AccountInfo) -> ConnectedAccount:
        account = ConnectedAccount(
            organizer_id=organizer_id, account_id=info.account_id, charges_enabled=info.charges_enabled,
            payouts_enabled=info.payouts_enabled, details_submitted=info.details_submitted,
            requirements_due=info.requirements_due, disabled_reason=info.disabled_reason,
            updated_at=self.clock.now(), country=info.country,
        )
        self.store.save_connected_account(account)
        return account

    def require_paid_sales_allowed(self, organizer_id: str) -> None:
        """Paid tiers go on sale only once Stripe lets the organizer's account take charges."""
        account = self.store.get_connected_account(organizer_id)
        if account is None:
            raise PaymentsNotReady(
                "Paid tickets can go on sale once card payments are set up: connect a Stripe account "
                "under Dashboard → Payments first (free tiers can go on sale now)."
            )
        if not account.charges_enabled:
            if account.requirements_due:
                raise PaymentsNotReady(
                    "Paid tickets can go on sale once Stripe has enabled charges on your account: finish "
                    "onboarding under Dashboard → Payments. Stripe still needs: {due}.",
                    due=", ".join(account.requirements_due))
            raise PaymentsNotReady(
                "Paid tickets can go on sale once Stripe has enabled charges on your account: finish "
                "onboarding under Dashboard → Payments."
            )

    def balance_and_payouts(self, account_id: str) -> tuple[Balance, list[Payout]]:
        """The connected account's balance and its latest payouts (asked with the account's header)."""
        return (ask_provider(self.gateway.balance, account_id),
                ask_provider(self.gateway.payouts, account_id, LATEST_PAYOUTS))
