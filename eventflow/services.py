"""The long-lived services of one running app, built once at start-up and handed to pages/API."""

from __future__ import annotations

from dataclasses import dataclass

from eventflow.adapters.covers import CoverImages
from eventflow.adapters.live import AvailabilityHub
from eventflow.adapters.tokens import TokenIssuer
from eventflow.config import Settings
from eventflow.domain.accounts import Accounts
from eventflow.domain.checkin import DoorCheckIn
from eventflow.domain.checkout import Checkout
from eventflow.domain.errors import Unauthorized
from eventflow.domain.models import Organizer
from eventflow.domain.organizing import Organizing
from eventflow.domain.payments.reconciliation import Reconciler
from eventflow.domain.payments.settle import StripePayments
from eventflow.domain.reservations import Ticketing


@dataclass
class Services:
    settings: Settings
    ticketing: Ticketing
    tokens: TokenIssuer
    hub: AvailabilityHub
    checkout: Checkout
    organizing: Organizing
    covers: CoverImages
    door: DoorCheckIn
    payments: StripePayments | None = None  # card payments, when Stripe is configured
    reconciler: Reconciler | None = None

    @property
    def accounts(self) -> Accounts:
        return self.ticketing.accounts

    def organizer_for_token(self, token: str, kind: str = "organizer") -> Organizer:
        """The organizer a bearer/session token speaks for, if it is still valid."""
        organizer_id, epoch = self.tokens.organizer_id(token, kind)
        organizer = self.ticketing.store.get_organizer(organizer_id)
        if organizer is None or organizer.session_epoch != epoch:
            raise Unauthorized("This session has ended; please log in again")
        return organizer

    def staff_link(self, event_id: str, token: str) -> str:
        """The door link; the token rides in the fragment, which browsers never send to servers or logs."""
        return f"{self.settings.public_url}/scan/{event_id}#staff={token}"
