"""Chargebacks (disputes): a buyer's bank takes a card payment back, or may.

Every dispute notification (opened, changed, closed; any order, each possibly twice) makes
EventFlow read the dispute again from the provider and keep the newer state: a dispute only moves
forward (open -> under review -> won or lost), so a late "opened" never reopens a closed one. The
result is one `Dispute` record per provider dispute; the organizer is mailed once, through the
outbox under a key per dispute (a crash between queueing and recording queues the same key again,
which the outbox drops); the order's tickets are flagged at the door until the dispute is won
(`DoorDisputes`): refused by default, admitted and flagged when the organizer chose so. The
ledger (`ledger.py`) counts a lost dispute's amount and fee as money that left.

Decisions on one payment happen under its lease (`StripePayments._deciding`), so two
notifications of one dispute handled at once on two instances never both mail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Protocol

from eventflow.domain.clock import Clock
from eventflow.domain.language import Words, words_for
from eventflow.domain.outbox import OutgoingMail
from eventflow.domain.payments.dispute_store import DisputeStore
from eventflow.domain.payments.errors import ask_provider
from eventflow.domain.payments.gateway import ConnectGateway, DisputeInfo
from eventflow.domain.payments.records import Dispute, DisputeStatus, Payment
from eventflow.domain.ports import PaymentStore, Store

log = logging.getLogger(__name__)


def status_words(words: Words, status: DisputeStatus) -> str:
    """The dispute's state in the organizer's mail (each a `words("...")` literal: the catalogue test finds it)."""
    return {DisputeStatus.OPEN: words("open"), DisputeStatus.UNDER_REVIEW: words("under review"),
            DisputeStatus.WON: words("won"), DisputeStatus.LOST: words("lost")}[status]


class DisputeMail(Protocol):
    """The outbox (`eventflow.domain.outbox.Outbox`): a mail per key, never sent twice."""

    def enqueue(self, key: str, mail: OutgoingMail, *, event_id: str = "", batch: str = "") -> bool: ...


class DisputeStores(Store, PaymentStore, DisputeStore, Protocol):
    """The app's store, as every backend provides it."""


Lease = Callable[[str], AbstractContextManager[None]]


class Disputes:
    def __init__(self, store: DisputeStores, gateway: ConnectGateway, mail: DisputeMail | None, clock: Clock,
                 public_url: str) -> None:
        self.store = store
        self.gateway = gateway
        self.mail = mail
        self.clock = clock
        self.public_url = public_url

    def dispute_changed(self, notified: DisputeInfo, lease: Lease) -> Dispute | None:
        """A dispute notification: read the dispute as it stands now, record it, flag, tell."""
        info = ask_provider(self.gateway.retrieve_dispute, notified.dispute_id)
        payment = self.store.find_payment_by_intent(info.payment_intent_id or "")
        if payment is None:
            log.warning("dispute %s is about a payment EventFlow did not take (%s)", info.dispute_id,
                        info.payment_intent_id)
            return None
        with lease(payment.reservation_id):
            payment = self.store.get_payment(payment.reservation_id) or payment
            dispute = self._merged(self.store.get_dispute(info.dispute_id), info, payment)
            self.store.save_dispute(dispute)
            if not dispute.organizer_told and self._tell_organizer(dispute):
                dispute = replace(dispute, organizer_told=True)
                self.store.save_dispute(dispute)
            if dispute.status is DisputeStatus.LOST and not dispute.recovered:
                dispute = self._recover(dispute)
            return dispute

    def _recover(self, dispute: Dispute) -> Dispute:
        """A lost dispute: the provider took the amount and its fee from the platform; take them back
        from the organizer's transfer, as far as what is left of it allows (refunds may have reversed
        some). The amount is recorded before the provider is asked, so a retry asks for the same."""
        if dispute.recovery_minor is None:
            left = ask_provider(self.gateway.transfer_left, dispute.payment_intent_id)
            dispute = replace(dispute, recovery_minor=max(0, min(dispute.amount_minor + dispute.fee_minor, left)))
            self.store.save_dispute(dispute)
        if dispute.recovery_minor:
            ask_provider(self.gateway.reverse_transfer, dispute.payment_intent_id, dispute.recovery_minor,
                         f"eventflow-dispute-{dispute.id}")
        dispute = replace(dispute, recovered=True)
        self.store.save_dispute(dispute)
        return dispute

    def _merged(self, stored: Dispute | None, info: DisputeInfo, payment: Payment) -> Dispute:
        now = self.clock.now()
        if stored is None:
            return Dispute(
                id=info.dispute_id, event_id=payment.event_id, organizer_id=payment.organizer_id,
                reservation_id=payment.reservation_id, order_id=payment.order_id,
                payment_intent_id=info.payment_intent_id or "", amount_minor=info.amount_minor,
                fee_minor=info.fee_minor, currency=info.currency or payment.currency, status=info.status,
                reason=info.reason, opened_at=info.created or now, updated_at=now,
                closed_at=now if info.status.closed else None,
            )
        if info.status.rank < stored.status.rank or (stored.status.closed and info.status is not stored.status):
            return stored  # an older picture of the dispute (or a replica behind): keep what we know
        return replace(stored, status=info.status, amount_minor=info.amount_minor,
                       fee_minor=info.fee_minor, reason=info.reason or stored.reason,
                       order_id=stored.order_id or payment.order_id, updated_at=now,
                       closed_at=stored.closed_at or (now if info.status.closed else None))

    def _tell_organizer(self, dispute: Dispute) -> bool:
        """Queue the organizer's mail (key per dispute). False when it cannot be queued (no outbox,
        unknown organizer): nothing is recorded, the next notification tries again."""
        organizer = self.store.get_organizer(dispute.organizer_id)
        event = self.store.get_event(dispute.event_id)
        if self.mail is None or organizer is None or event is None:
            return False
        words = words_for(organizer.language)
        refused = not self.store.admits_disputed_tickets(dispute.organizer_id)
        door = (words("Its tickets are refused at the door until the dispute is won.") if refused else
                words("Its tickets are flagged as disputed at the door (you chose to let them in)."))
        text = words(
            "A buyer's bank disputed a payment of {amount} for {title} (order {order}, reason: {reason}).\n\n"
            "{door}\nThe dispute now stands: {status}. Reply to this mail with your evidence (what was sold, when "
            "the tickets were sent or scanned) before the bank's deadline: the platform answers the bank. If it is "
            "lost, the amount and the card processor's dispute fee are taken back from your payout for this "
            "order.\n\nThe event's money panel: {link}\n").format(
            amount=words.money(dispute.amount_minor, dispute.currency), title=event.title,
            order=dispute.order_id or words("not issued"), reason=dispute.reason or words("not given"), door=door,
            status=status_words(words, dispute.status), link=f"{self.public_url}/dashboard/events/{event.id}")
        self.mail.enqueue(f"dispute-opened-{dispute.id}",
                          OutgoingMail(to=organizer.email, text=text,
                                       subject=words("Payment disputed: {title}").format(title=event.title)),
                          event_id=event.id, batch="disputes")
        return True

    # ---------------------------------------------------------------- the organizer's choice
    def admit_disputed_tickets(self, organizer_id: str, admit: bool) -> None:
        self.store.set_admits_disputed_tickets(organizer_id, admit)

    def admits_disputed_tickets(self, organizer_id: str) -> bool:
        return self.store.admits_disputed_tickets(organizer_id)

    def of_event(self, event_id: str) -> list[Dispute]:
        return self.store.list_disputes(event_id)


class DoorDisputes:
    """What the door asks about disputes (`DoorCheckIn(disputes=...)`): for each ticket's order,
    None (not disputed), True (disputed and refused) or False (disputed, admitted and flagged)."""

    def __init__(self, store: DisputeStores) -> None:
        self.store = store

    def verdict(self, organizer_id: str, order_id: str) -> bool | None:
        if not any(d.flags_tickets for d in self.store.order_disputes(order_id)):
            return None
        return not self.store.admits_disputed_tickets(organizer_id)

    def verdicts(self, organizer_id: str, event_id: str) -> dict[str, bool]:
        """Every flagged order of the event (one read for a manifest): order id -> refused."""
        refused = not self.store.admits_disputed_tickets(organizer_id)
        return {d.order_id: refused for d in self.store.list_disputes(event_id) if d.order_id and d.flags_tickets}


def flagged_orders(disputes: list[Dispute]) -> Iterator[str]:
    """The order ids whose tickets are flagged (for the money panel)."""
    return (d.order_id for d in disputes if d.order_id and d.flags_tickets)
