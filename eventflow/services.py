"""The long-lived services of one running app, built once at start-up and handed to pages/API.

Pages, the API and live refreshes await `Services.off_loop` for every call that may block (a networked
store's round trips, a payment provider's SDK); it is `adapters/threads.off_loop` with the store's answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import ParamSpec, TypeVar

from eventflow.adapters.covers import CoverImages
from eventflow.adapters.live import AvailabilityHub
from eventflow.adapters.loop_batch import LoopBatch
from eventflow.adapters.rate_limit import RateLimiter
from eventflow.adapters.threads import in_thread, off_loop
from eventflow.adapters.tokens import TokenIssuer
from eventflow.config import Settings
from eventflow.domain.access_codes import AccessCodes
from eventflow.domain.accounts import Accounts
from eventflow.domain.attendee_messages import AttendeeMessages
from eventflow.domain.browse import Browse
from eventflow.domain.cancellation import Cancellations
from eventflow.domain.catalog import Catalog
from eventflow.domain.checkin import DoorCheckIn
from eventflow.domain.checkout import Checkout
from eventflow.domain.email_verification import EmailVerifications
from eventflow.domain.errors import Unauthorized
from eventflow.domain.flyers import Flyers
from eventflow.domain.links import staff_link
from eventflow.domain.models import Organizer, Reservation
from eventflow.domain.outbox import Outbox, OutboxSender
from eventflow.domain.password_reset import PasswordResets
from eventflow.domain.payments.demo_refunds import DemoRefunds
from eventflow.domain.payments.reconciliation import Reconciler
from eventflow.domain.payments.settle import StripePayments
from eventflow.domain.queries import Queries
from eventflow.domain.reminders import Reminders
from eventflow.domain.reservations import ReserveRequest, Ticketing, limit_keys
from eventflow.domain.staff import DoorStaff

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    catalog: Catalog  # events and tiers
    ticketing: Ticketing  # holds and orders
    tokens: TokenIssuer
    hub: AvailabilityHub
    checkout: Checkout
    staff: DoorStaff  # door staff links
    queries: Queries
    covers: CoverImages
    door: DoorCheckIn
    outbox: Outbox  # mail to buyers, sent once by the outbox job (domain/outbox.py)
    outbox_sender: OutboxSender  # the outbox job's sender (app/jobs.py run_outbox)
    reminders: Reminders  # the day-before reminder, per event on/off
    messages: AttendeeMessages  # the organizer's messages to attendees
    cancellations: Cancellations  # cancel / postpone an event, void an order (domain/cancellation.py)
    payments: StripePayments | None = None  # card payments, when Stripe is configured
    reconciler: Reconciler | None = None
    flyers: Flyers | None = None  # posters, posts and captions (domain/flyers.py); None in bare test setups
    password_resets: PasswordResets | None = None  # "forgot my password" mail links (domain/password_reset.py)
    browse: Browse | None = None  # browse, organizer pages, follows (domain/browse.py); None in bare test setups
    email_checks: EmailVerifications | None = None  # the organizer's email check (domain/email_verification.py)

    async def off_loop(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Await a domain call that reaches the store without blocking the loop."""
        return await off_loop(self.ticketing.inline_safe, call, *args, **kwargs)

    async def in_thread(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Await a call that talks to an outside system (payment provider, mail server) or works through a
        batch (background jobs): always in a worker thread, whatever the store, since such a call is never
        cheaper than the hop."""
        return await in_thread(call, *args, **kwargs)

    async def reserve(self, request: ReserveRequest) -> Reservation:
        """A buyer's reserve, awaited from the loop. On an embedded store the reserves of one loop
        iteration are committed together (group commit: `LoopBatch` + `Ticketing.reserve_all`), each
        answered once the batch is committed; otherwise one call off the loop, as any other."""
        if self.reserve_limiter.enabled:  # RateLimited (429); when off, not even the keys are worked out
            self.reserve_limiter.hit(*limit_keys(request))
        if not self.ticketing.inline_safe:
            return await self.off_loop(self.ticketing.reserve, request.event_id, request.lines, request.buyer,
                                       request.idempotency_key, request.code, request.buyer_token)
        return await self._reserve_batch.submit(request)

    @cached_property
    def reserve_limiter(self) -> RateLimiter:
        """Reserves per client IP and per buyer (adapters/rate_limit.py, EVENTFLOW_RESERVE_RATE_LIMIT)."""
        return RateLimiter("reserve", self.settings.reserve_rate_limit)

    @cached_property
    def _reserve_batch(self) -> LoopBatch[ReserveRequest, Reservation]:
        return LoopBatch(self.ticketing.reserve_all)

    @cached_property
    def demo_refunds(self) -> DemoRefunds:
        """Refunds of test-mode orders from the money panel (domain/payments/demo_refunds.py)."""
        return DemoRefunds(self.ticketing, self.cancellations.store)

    @cached_property
    def codes(self) -> AccessCodes:
        """Access and promo codes (domain/access_codes.py), on the ticketing store and catalogue."""
        return AccessCodes(self.ticketing.store, self.ticketing.clock, self.catalog)

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
