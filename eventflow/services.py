"""The long-lived services of one running app, built once at start-up and handed to pages/API.

`Services.off_loop` is the one place where the edges (pages, API, live refreshes) leave the event
loop for work that may block: a networked store's round trips, a payment provider's SDK."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import anyio.to_thread

from eventflow.adapters.covers import CoverImages
from eventflow.adapters.live import AvailabilityHub
from eventflow.adapters.tokens import TokenIssuer
from eventflow.config import Settings
from eventflow.domain.accounts import Accounts
from eventflow.domain.checkin import DoorCheckIn
from eventflow.domain.checkout import Checkout
from eventflow.domain.errors import Unauthorized
from eventflow.domain.links import staff_link
from eventflow.domain.models import Organizer
from eventflow.domain.organizing import Organizing
from eventflow.domain.payments.reconciliation import Reconciler
from eventflow.domain.payments.settle import StripePayments
from eventflow.domain.queries import Queries
from eventflow.domain.reservations import Ticketing

P = ParamSpec("P")
T = TypeVar("T")


async def off_loop(inline_safe: bool, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `call` where it cannot stall the event loop.

    Inline when the store says its calls are cheaper than a thread hop (embedded SQLite: well under a
    millisecond, and a hop costs more than the call); otherwise in a worker thread (anyio's pool, the
    one Starlette uses), so network waits of one page never stall every other open page."""
    if inline_safe:
        return call(*args, **kwargs)
    return await anyio.to_thread.run_sync(functools.partial(call, *args, **kwargs))


@dataclass
class Services:
    settings: Settings
    ticketing: Ticketing
    tokens: TokenIssuer
    hub: AvailabilityHub
    checkout: Checkout
    organizing: Organizing
    queries: Queries
    covers: CoverImages
    door: DoorCheckIn
    payments: StripePayments | None = None  # card payments, when Stripe is configured
    reconciler: Reconciler | None = None

    async def off_loop(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Await a domain call that reaches the store (or a provider) without blocking the loop."""
        return await off_loop(self.ticketing.inline_safe, call, *args, **kwargs)

    @property
    def accounts(self) -> Accounts:
        return self.ticketing.accounts

    def organizer_for_token(self, token: str, kind: str = "organizer") -> Organizer:
        """The organizer a bearer/session token speaks for, if it is still valid."""
        organizer_id, epoch = self.tokens.organizer_id(token, kind)
        organizer = self.queries.organizer(organizer_id)
        if organizer is None or organizer.session_epoch != epoch:
            raise Unauthorized("This session has ended; please log in again")
        return organizer

    def staff_link(self, event_id: str, token: str) -> str:
        return staff_link(self.settings.public_url, event_id, token)
