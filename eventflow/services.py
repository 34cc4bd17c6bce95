"""The long-lived services of one running app, built once at start-up and handed to pages/API.

Pages, the API and live refreshes await `Services.off_loop` for every call that may block (a networked
store's round trips, a payment provider's SDK); it is `adapters/threads.off_loop` with the store's answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import ParamSpec, TypeVar, cast

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
from eventflow.domain.attendees import Attendees
from eventflow.domain.browse import Browse
from eventflow.domain.cancellation import Cancellations
from eventflow.domain.catalog import Catalog
from eventflow.domain.checkin import DoorCheckIn
from eventflow.domain.checkout import Checkout
from eventflow.domain.email_verification import EmailVerifications
from eventflow.domain.errors import Unauthorized
from eventflow.domain.exports import Exports
from eventflow.domain.flyers import Flyers
from eventflow.domain.links import staff_link
from eventflow.domain.models import Buyer, Organizer, Reservation
from eventflow.domain.my_tickets import MyTickets
from eventflow.domain.outbox import Outbox, OutboxSender
from eventflow.domain.password_reset import PasswordResets
from eventflow.domain.payments.demo_refunds import DemoRefunds
from eventflow.domain.payments.reconciliation import Reconciler
from eventflow.domain.payments.settle import StripePayments
from eventflow.domain.queries import Queries
from eventflow.domain.reminders import Reminders
from eventflow.domain.reservations import ReserveRequest, Ticketing, limit_keys
from eventflow.domain.sales_advice import AdviceStore, SalesAdvice
from eventflow.domain.staff import DoorStaff
from eventflow.domain.traffic import Traffic
from eventflow.domain.transfers import TicketTransfer, Transfers
from eventflow.domain.waiting_room import WaitingRoom, waiting_room_for
from eventflow.domain.waitlist import EntryView, Waitlist, WaitlistStoreAndStore
from eventflow.domain.wallet_passes import WalletPasses

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
    wallet_passes: WalletPasses | None = None  # "Add to Apple Wallet" (domain/wallet_passes.py); None in bare setups

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
            self.reserve_limiter.hit(*limit_keys(request.client_ip, request.buyer, request.buyer_token))
        request = await self.admit_from_room(request)  # WaitingRoomRequired (403) without a pass (issue 13)
        if not self.ticketing.inline_safe:
            return await self.off_loop(self.ticketing.reserve, request.event_id, request.lines, request.buyer,
                                       request.idempotency_key, request.code, request.buyer_token, request.source)
        return await self._reserve_batch.submit(request)

    @cached_property
    def traffic(self) -> Traffic:
        """Views, holds and orders per source (domain/traffic.py): the one `Ticketing` reports to."""
        if not isinstance(self.ticketing.traffic, Traffic):
            self.ticketing.traffic = Traffic(self.ticketing.store, self.ticketing.clock)
        return self.ticketing.traffic

    @cached_property
    def exports(self) -> Exports:
        """Orders, attendees, check-ins and sources as sheets (domain/exports.py)."""
        return Exports(self.queries, self.attendees.answer_sheet, self.traffic.figures)

    @cached_property
    def sales_advice(self) -> SalesAdvice:
        """Sell-out forecast, its back-test and pricing suggestions (domain/sales_advice.py)."""
        return SalesAdvice(cast(AdviceStore, self.ticketing.store), self.ticketing.clock)

    async def admit_from_room(self, request: ReserveRequest) -> ReserveRequest:
        """The waiting room's check before a reserve (domain/waiting_room.py): unchanged without a room, else
        the pass's visitor as buyer token (one pass, one standing hold). The settings' recent copy is read
        off the loop only when it is older than a second."""
        if self.waiting_room.rules.cached(request.event_id) is None:
            await self.off_loop(self.waiting_room.rules.settings, request.event_id)
        visitor = self.waiting_room.check_reserve(request.event_id, request.room_pass)
        return request if visitor is None else replace(request, buyer_token=f"room:{visitor}")

    @cached_property
    def waiting_room(self) -> WaitingRoom:
        """The waiting room for hot on-sales and the events' fair-sale settings (domain/waiting_room.py)."""
        return waiting_room_for(self.ticketing, self.settings.resolved_secret_key(),
                                self.settings.one_hold_per_buyer, self.settings.drop_hold_minutes)

    @cached_property
    def room_join_limiter(self) -> RateLimiter:
        """Waiting-room joins per client IP (EVENTFLOW_ROOM_JOIN_RATE_LIMIT)."""
        return RateLimiter("room_join", self.settings.room_join_rate_limit)

    @cached_property
    def waitlist_join_limiter(self) -> RateLimiter:
        """Waitlist joins per client IP and buyer (EVENTFLOW_WAITLIST_JOIN_RATE_LIMIT)."""
        return RateLimiter("waitlist_join", self.settings.waitlist_join_rate_limit)

    @cached_property
    def waitlist(self) -> Waitlist:
        """Waitlists of sold-out tiers (domain/waitlist.py): offers from tickets that come back."""
        return Waitlist(cast(WaitlistStoreAndStore, self.ticketing.store), self.ticketing, self.outbox,
                        self.settings.public_url)

    async def join_waitlist(self, event_id: str, tier_id: str, email: str, name: str, quantity: int,
                            client_ip: str | None = None, language: str | None = None) -> EntryView:
        """A buyer joins a sold-out tier's waitlist (the page and the API both come here): the join
        rate limit per client IP and buyer first (429), then one call off the loop."""
        if self.waitlist_join_limiter.enabled:
            buyer = Buyer(email=(email or "").strip().lower(), name=name)
            self.waitlist_join_limiter.hit(*limit_keys(client_ip, buyer))
        return await self.off_loop(self.waitlist.join, event_id, tier_id, email, name, quantity, language)

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
        return DemoRefunds(self.ticketing, self.cancellations.store, self.outbox, self.settings.public_url)

    @cached_property
    def codes(self) -> AccessCodes:
        """Access and promo codes (domain/access_codes.py), on the ticketing store and catalogue."""
        return AccessCodes(self.ticketing.store, self.ticketing.clock, self.catalog)

    @cached_property
    def attendees(self) -> Attendees:
        """Names per ticket and checkout questions (domain/attendees.py, domain/questions.py)."""
        return Attendees(self.ticketing.store, self.ticketing.clock, self.ticketing, self.catalog)

    @cached_property
    def my_tickets(self) -> MyTickets:
        """Every ticket of one email after a one-time mailed link (domain/my_tickets.py)."""
        return MyTickets(self.ticketing.store, self.ticketing.clock, self.outbox,
                         self.settings.resolved_secret_key(), self.settings.public_url)

    @cached_property
    def transfers(self) -> Transfers:
        """A ticket handed on to a new attendee (domain/transfers.py); the new holder mailed through the outbox."""
        store = self.ticketing.store
        return Transfers(store, store, self.ticketing.clock, self.outbox, self.settings.public_url)

    async def transfer_ticket(self, ticket_id: str, key: str, name: str, email: str,
                              language: str | None = None) -> TicketTransfer:
        """The holder hands the ticket on (the page and the API both come here); the new holder's mail is
        tried at once, in a worker thread, like the tickets mail (the outbox job retries it otherwise)."""
        record = await self.off_loop(self.transfers.transfer, ticket_id, key, name, email, language)
        # The new holder's My-tickets entry was written in the transfer's own atomic write (TransferStore):
        # no second write here that could fail after the ticket was handed on.
        await self.in_thread(self.outbox_sender.send_now, f"transfer:{record.id}")
        return record

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
