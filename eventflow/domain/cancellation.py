"""When an event cannot happen as sold: cancel it, postpone it, or void one order.

Cancelling stops sales at once (the event's status; the door refuses its tickets from that moment,
domain/checkin.py) and starts a batch, kept in the store as an `EventChange`, that settles the
event's orders one by one: the rest of every order is refunded in full, platform fee and a
passed-on processing line included (the organizer chose this, not the buyer; the organizer carries
the card processor's fee: domain/payments/processing.py), its tickets are voided, and its buyer gets one mail
with the organizer's message and the amount. Postponing moves the date, keeps tickets valid, and
tells every buyer, who may ask for their money back until a deadline (`request_refund`).

The batch is resumable: any instance may run it (`run_due`, from app/jobs.py) under a lease named
after the event, so one runs it at a time; it saves its cursor after every order, and each order's
work is idempotent on its own (refund ids derived from the order, outbox keys `cancel:<order>`), so
a crash anywhere — even between Stripe's refund and the saved cursor — is finished by the next run
with no refund and no mail twice. An order that fails (Stripe refused, or did not answer) is kept
with its reason until the organizer presses retry.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eventflow.domain.catalog import Catalog
from eventflow.domain.change_mails import asked_mail, cancelled_mail, postponed_mail, void_mail
from eventflow.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from eventflow.domain.event_changes import ChangeKind, EventChange
from eventflow.domain.links import order_path
from eventflow.domain.models import Event, EventStatus, Order, new_id
from eventflow.domain.outbox import Outbox, OutgoingMail
from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus, paid_in_test_mode
from eventflow.domain.payments.refunds import Refunds, record_without_provider, rest_of_order_refund
from eventflow.domain.ports import StoreWithPayments
from eventflow.domain.reservations import Ticketing

log = logging.getLogger(__name__)

MAX_MESSAGE = 5_000
MAX_REASON = 500
# After a cancellation, a hold taken before it may still be paid and turn into an order: Stripe's
# session ends 32 minutes after the hold, and a late webhook or the reconciliation pass (every five
# minutes) confirms it. The batch keeps looking for such orders, once a minute, for this long after
# the longest hold.
LATE_ORDERS_WINDOW = timedelta(hours=1)
LOOK_FOR_LATE_ORDERS_EVERY = timedelta(minutes=1)
# An order confirmed while the cancellation started may carry an instant a little before it and
# commit after the batch read the orders, landing behind the cursor: orders from this long before
# the cancellation on are checked again (by their mail's outbox key) on every later pass.
RECHECK_BEFORE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class Settled:
    """What one order got: its refund (None when nothing was left to give back)."""

    order: Order
    refund: Refund | None

    @property
    def refunded_minor(self) -> int:
        return self.refund.amount_minor if self.refund else 0

    @property
    def demo(self) -> bool:
        """Paid with the built-in demo provider: the refund is recorded, no money moved."""
        return paid_in_test_mode(self.order.payment_ref)


def order_key(order: Order) -> str:
    """The batch's cursor for an order: text order is the store's (created_at, id) order."""
    return _key(order.created_at, order.id)


def _key(instant: datetime, order_id: str) -> str:
    return f"{instant.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}|{order_id}"


class Cancellations:
    """Cancel or postpone an event, void an order; `run_due` is the batch job's step."""

    def __init__(
        self, ticketing: Ticketing, store: StoreWithPayments, outbox: Outbox, refunds: Refunds | None,
        public_url: str, lease: timedelta = timedelta(seconds=30),
        checkpoint: Callable[[str], None] | None = None,
    ) -> None:
        self.ticketing = ticketing
        self.catalog: Catalog = ticketing.catalog
        self.store = store
        self.outbox = outbox
        self.refunds = refunds  # card refunds through Stripe, when it is configured
        self.public_url = public_url.rstrip("/")
        self.lease = lease
        self.owner = new_id("batch")  # this instance, as lease holder
        self.checkpoint = checkpoint or (lambda name: None)  # fault tests' kill points (app/jobs.py)

    def _now(self) -> datetime:
        return self.ticketing.clock.now()

    # ------------------------------------------------------------ the organizer's actions
    def cancel(self, organizer_id: str, event_id: str, message: str = "") -> EventChange:
        """Stop sales now and start refunding everyone. Asking again answers the same batch."""
        message = _clean(message, MAX_MESSAGE, "message")
        event = self.catalog.own_event(organizer_id, event_id)
        existing = self.store.get_event_change(event.id)
        if event.status is EventStatus.CANCELLED and existing and existing.kind is ChangeKind.CANCELLED:
            return existing
        if event.status is not EventStatus.CANCELLED:
            event = self.catalog.cancel(organizer_id, event_id)  # sales stop before anything else
        change = EventChange(
            id=f"cancel_{event.id}", event_id=event.id, organizer_id=organizer_id, kind=ChangeKind.CANCELLED,
            message=message, created_at=self._now(), total=len(self.store.list_orders(event.id)),
            watch_until=self._now() + self.ticketing.hold_duration + LATE_ORDERS_WINDOW)
        self.store.save_event_change(change)
        return change

    def postpone(
        self, organizer_id: str, event_id: str, *, starts_at: datetime, ends_at: datetime,
        refund_deadline: datetime, message: str = "",
    ) -> EventChange:
        """A new date; tickets stay valid; buyers are told and may ask for a refund until the deadline."""
        message = _clean(message, MAX_MESSAGE, "message")
        if refund_deadline.tzinfo is None:
            raise ValidationFailed("refund_deadline needs a timezone", field="refund_deadline")
        if refund_deadline <= self._now():
            raise ValidationFailed("The refund deadline must be in the future", field="refund_deadline")
        if refund_deadline > starts_at:
            raise ValidationFailed("Refunds on request end before the new date", field="refund_deadline")
        previous = self.catalog.own_event(organizer_id, event_id).starts_at
        event = self.catalog.reschedule(organizer_id, event_id, starts_at=starts_at, ends_at=ends_at)
        change = EventChange(
            id=f"postpone_{event.id}_{secrets.token_hex(3)}", event_id=event.id, organizer_id=organizer_id,
            kind=ChangeKind.POSTPONED, message=message, created_at=self._now(),
            total=len(self.store.list_orders(event.id)), refund_deadline=refund_deadline,
            starts_at=event.starts_at, ends_at=event.ends_at, previous_starts_at=previous)
        self.store.save_event_change(change)
        return change

    def progress(self, organizer_id: str, event_id: str) -> EventChange | None:
        """The event's latest cancellation or postponement, with its progress."""
        self.catalog.own_event(organizer_id, event_id)
        return self.store.get_event_change(event_id)

    def retry_failures(self, organizer_id: str, event_id: str) -> EventChange:
        """The organizer's retry: the batch takes the failed orders again on its next run."""
        change = self.progress(organizer_id, event_id)
        if change is None:
            raise NotFound("This event was neither cancelled nor postponed")
        if not change.failures:
            return change
        retried = change.changed(retry=tuple(dict.fromkeys(change.retry + tuple(o for o, _ in change.failures))),
                                 finished_at=None)
        self.store.save_event_change(retried)
        return retried

    def void_order(self, organizer_id: str, order_id: str, reason: str = "") -> Settled:
        """Void every ticket of an order and give back what is left of it (free, demo and card
        orders alike); the buyer is mailed once. Other organizers' orders do not exist (NotFound)."""
        reason = _clean(reason, MAX_REASON, "reason")
        order = self.ticketing.store.get_order(order_id)
        if order is None:
            raise NotFound("No such order")
        event = self.catalog.own_event(organizer_id, order.event_id)  # NotFound for someone else's
        settled = self.settle(order, RefundReason.ORDER_VOIDED, "void", restock=True,
                              earlier=self._refunds_of(order))
        self._mail(f"void:{order.id}", order, event, "void", void_mail(event, settled, reason, self._link(order)))
        return settled

    # ------------------------------------------------------------ the buyer's action (postponed events)
    def request_refund(self, reservation_id: str) -> Settled:
        """A buyer of a postponed event asks for their money back, before the deadline."""
        order = self.ticketing.store.get_order(self.ticketing.get_reservation(reservation_id).order_id or "")
        if order is None:
            raise NotFound("No such order")
        event = self.ticketing.store.get_event(order.event_id)
        change = self.store.get_event_change(order.event_id)
        if event is None or change is None or change.kind is not ChangeKind.POSTPONED:
            raise Conflict("Refunds on request are offered only for postponed events")
        if event.status is EventStatus.CANCELLED:
            raise Conflict("This event was cancelled: your refund is on its way")
        if change.refund_deadline is None or self._now() > change.refund_deadline:
            raise Conflict("The deadline for refunds on request has passed")
        settled = self.settle(order, RefundReason.BUYER_REQUEST, "asked", restock=True,
                              earlier=self._refunds_of(order))
        self._mail(f"asked:{order.id}", order, event, "refund-request",
                   asked_mail(event, settled, self._link(order)))
        return settled

    def announced(self, event_id: str) -> EventChange | None:
        """The event's latest cancellation or postponement, for everyone (the public event page's
        banner): it says only what every buyer was told."""
        return self.store.get_event_change(event_id)

    def refund_open_until(self, event_id: str) -> datetime | None:
        """Until when a buyer of this postponed event may ask for a refund (None: not offered now)."""
        change = self.store.get_event_change(event_id)
        if change is None or change.kind is not ChangeKind.POSTPONED or change.refund_deadline is None:
            return None
        return change.refund_deadline if self._now() <= change.refund_deadline else None

    # ------------------------------------------------------------ one order, idempotently
    def settle(self, order: Order, reason: RefundReason, prefix: str, restock: bool,
               earlier: Sequence[Refund]) -> Settled:
        """Give back the rest of `order` and void its tickets. Redone after a crash it finds its own
        refund (same id) and finishes that one; raises a DomainError when Stripe refuses or is away."""
        mine = [r for r in earlier if r.id.startswith(f"rf_{prefix}_{order.id}_")
                and r.status is not RefundStatus.FAILED]
        payment = self.store.get_payment(order.reservation_id)
        card = payment if payment is not None and payment.payment_intent_id == order.payment_ref else None
        refund = mine[-1] if mine else rest_of_order_refund(
            order, earlier, reason, prefix, restock, self._now(), paid_minor=card.amount_minor if card else None)
        if refund is None:
            return Settled(order, None)
        by_card = card is not None and refund.amount_minor > 0
        if not by_card:
            return Settled(order, record_without_provider(self.ticketing, self.store, refund))
        if self.refunds is None:
            raise Conflict("This order was paid by card, but card payments are not configured")
        return Settled(order, self.refunds.execute(refund))

    def _refunds_of(self, order: Order) -> list[Refund]:
        return [r for r in self.store.list_refunds(order.event_id) if r.order_id == order.id]

    # ------------------------------------------------------------ the batch
    def run_due(self) -> int:
        """Work through every unfinished cancellation or postponement this instance can lease;
        returns how many orders it settled."""
        settled, now = 0, self._now()
        for change in self.store.unfinished_event_changes():
            resting = change.settled and change.checked_at and now - change.checked_at < LOOK_FOR_LATE_ORDERS_EVERY
            if not resting and self._lease(change.event_id):
                settled += self.work(change)
        return settled

    def work(self, change: EventChange) -> int:
        """Settle the change's orders after its cursor (and those queued for retry); saves progress
        after every order and finishes the change when none is left."""
        event = self.ticketing.store.get_event(change.event_id)
        if event is None:
            self.store.save_event_change(change.changed(finished_at=self._now()))
            return 0
        refunds: dict[str, list[Refund]] = {}
        for refund in self.store.list_refunds(event.id):
            refunds.setdefault(refund.order_id or "", []).append(refund)
        orders = self.store.list_orders(event.id)
        change = change.changed(total=max(change.total, len(orders)))
        lease_until = self._now() + self.lease / 2
        worked = 0
        recheck_from = _key(change.created_at - RECHECK_BEFORE, "") if change.kind is ChangeKind.CANCELLED else None
        for order in orders:
            key = order_key(order)
            retrying = order.id in change.retry
            missed = (recheck_from is not None and recheck_from < key <= change.cursor
                      and order.id not in dict(change.failures) and not self._told(order))
            if key <= change.cursor and not retrying and not missed:
                continue
            if self._now() >= lease_until:
                if not self._lease(event.id):
                    return worked  # another instance took over: it goes on from the saved cursor
                lease_until = self._now() + self.lease / 2
            change = self._one(change, event, order, refunds.get(order.id, []), key, retrying)
            worked += 1
            self.store.save_event_change(change)
        now = self._now()
        if change.watch_until is not None and now < change.watch_until:  # late orders may still come
            self.store.save_event_change(change.changed(retry=(), checked_at=now))
        else:
            self.store.save_event_change(change.changed(retry=(), finished_at=now))
        return worked

    def _one(self, change: EventChange, event: Event, order: Order, earlier: list[Refund], key: str,
             retrying: bool) -> EventChange:
        failures = dict(change.failures)
        failures.pop(order.id, None)
        done = change.done
        try:
            self._settle_for(change, event, order, earlier)
            done += 1
        except DomainError as problem:
            log.warning("%s of %s: order %s: %s", change.kind.value, event.id, order.id, problem.detail)
            failures[order.id] = problem.detail
        return change.changed(
            done=done, failures=tuple(failures.items()), cursor=max(change.cursor, key),
            retry=tuple(o for o in change.retry if o != order.id) if retrying else change.retry)

    def _settle_for(self, change: EventChange, event: Event, order: Order, earlier: list[Refund]) -> None:
        link = self._link(order)
        if change.kind is ChangeKind.POSTPONED:
            if any(t.status.value == "valid" for t in order.tickets):
                self._mail(f"postpone:{change.id}:{order.id}", order, event, change.id,
                           postponed_mail(event, change, link, order.buyer.language))
            return
        settled = self.settle(order, RefundReason.EVENT_CANCELLED, "cancel", restock=False, earlier=earlier)
        self.checkpoint(f"cancellation_refunded:{change.done + len(change.failures) + 1}")
        self._mail(f"cancel:{order.id}", order, event, "cancel", cancelled_mail(event, change, settled, link))

    def _told(self, order: Order) -> bool:
        """Whether the batch finished this order (its mail, the last step, is in the outbox)."""
        return self.outbox.store.get_outbox_message(f"cancel:{order.id}") is not None

    def _lease(self, event_id: str) -> bool:
        now = self._now()
        return self.store.acquire_lease(f"event_change:{event_id}", self.owner, now, now + self.lease)

    # ------------------------------------------------------------ mail
    def _mail(self, key: str, order: Order, event: Event, batch: str, mail: tuple[str, str]) -> None:
        subject, text = mail
        self.outbox.enqueue(key, OutgoingMail(to=f"{order.buyer.name} <{order.buyer.email}>", subject=subject,
                                              text=text), event_id=event.id, batch=batch)

    def _link(self, order: Order) -> str:
        return f"{self.public_url}{order_path(order.reservation_id)}"


def _clean(text: str, limit: int, name: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise ValidationFailed("The {name} is too long ({most:,} characters at most)", field=name, name=name,
                               most=limit)
    return text
