"""The waitlist of a sold-out tier (issue 13): join, see your place, leave; offers made from tickets
that came back, mailed with a claim link; the organizer's list, pause, offer by hand and export.

The records, the rules and the store port are in domain/waitlist_rules.py (its docstring explains how
released tickets become offers exactly once). `Waitlist.join` is the one entry point for the page and
the API (`Services.join_waitlist` wraps it with the rate limit); `Waitlist.process` is the job that
turns owed tickets into offers, run after every reaper pass and on its own interval by app/jobs.py.
"""

from __future__ import annotations

import csv
import hmac
import io
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from eventflow.domain.accounts import normalise_email
from eventflow.domain.errors import NotFound, NotOnSale, ValidationFailed
from eventflow.domain.language import supported_language, words_for
from eventflow.domain.links import checkout_path
from eventflow.domain.models import (
    Buyer,
    Event,
    EventStatus,
    FeeMode,
    Reservation,
    ReservationLine,
    ReservationStatus,
    Tier,
)
from eventflow.domain.money import TicketPrice
from eventflow.domain.outbox import Outbox, OutgoingMail
from eventflow.domain.ports import Store
from eventflow.domain.reservations import Ticketing
from eventflow.domain.waitlist_rules import (
    EntryStatus,
    NotSoldOut,
    WaitlistEntry,
    WaitlistSettings,
    WaitlistStore,
    WaitlistTier,
    offer_quantity,
)

__all__ = ["EntryView", "Waitlist", "WaitlistBoard", "offer_quantity"]


class WaitlistStoreAndStore(WaitlistStore, Store, Protocol):
    """The app's store: inventory and waitlists."""


@dataclass(frozen=True, slots=True)
class EntryView:
    """What the buyer's page and `GET /waitlist/{id}` show."""

    entry: WaitlistEntry
    position: int  # waiting entries ahead + 1 (0 once not waiting)

    @property
    def status(self) -> EntryStatus:
        return self.entry.status


@dataclass(frozen=True, slots=True)
class WaitlistBoard:
    """The organizer's view of an event's waitlists."""

    entries: list[WaitlistEntry]
    tiers: list[WaitlistTier]
    settings: WaitlistSettings

    def count(self, status: EntryStatus) -> int:
        return sum(1 for e in self.entries if e.status is status)

    @property
    def offers(self) -> int:
        return sum(1 for e in self.entries if e.reservation_id)

    @property
    def sales(self) -> int:
        return self.count(EntryStatus.CLAIMED)


class Waitlist:
    """Waitlists over the store; `mail_base_url` makes the claim links absolute."""

    def __init__(self, store: WaitlistStoreAndStore, ticketing: Ticketing, outbox: Outbox, base_url: str) -> None:
        self.store = store
        self.ticketing = ticketing
        self.outbox = outbox
        self.base_url = base_url.rstrip("/")
        # People waiting per tier as this process last read them (the live page's "N people waiting",
        # read on the loop without a store call); refreshed by every join, leave and job pass.
        self.waiting_now: dict[str, int] = {}

    # ---------------------------------------------------------------- buyers
    def join(self, event_id: str, tier_id: str, email: str, name: str, quantity: int,
             language: str | None = None) -> EntryView:
        """Join a sold-out tier's queue; NotSoldOut (409) while its tickets are on public sale. `language`:
        the page's or the API's Accept-Language, kept with the entry for its offer mail (None: English)."""
        view = self.ticketing.catalog.event_view(event_id)
        if view.event.status is EventStatus.DRAFT:
            raise NotFound("No such event")
        if view.event.status is not EventStatus.PUBLISHED:
            raise NotOnSale()
        tier = view.tier(tier_id)
        if tier is None or tier.hidden:
            raise NotFound("No such tier")
        address = normalise_email(email or "")
        if "@" not in address or len(address) > 254:
            raise ValidationFailed("Enter a valid email address", field="email")
        name = (name or "").strip()
        if not name or len(name) > 120:
            raise ValidationFailed("Enter the buyer's name (up to 120 characters)", field="name")
        if not 1 <= quantity <= tier.max_per_order:
            raise ValidationFailed("quantity must be between 1 and {most}", field="quantity", most=tier.max_per_order)
        if tier.available > 0:
            raise NotSoldOut()
        entry = self.store.join_waitlist(WaitlistEntry(
            id="", event_id=event_id, tier_id=tier_id, email=address, name=name, quantity=quantity,
            key=secrets.token_urlsafe(18), created_at=self.ticketing.clock.now(),
            language=supported_language(language)))
        self.waiting_counts(event_id)
        self.ticketing.notify_changed(event_id)  # "N people waiting" on the live page
        return EntryView(entry, self.store.waiting_ahead(entry) + 1)

    def status(self, entry_id: str, key: str) -> EntryView:
        """The entry as its buyer sees it (an offer that ended or sold is settled first)."""
        entry = self._entry(entry_id, key)
        if entry.status is EntryStatus.OFFERED:
            entry = self._settle(entry)
        waiting = entry.status is EntryStatus.WAITING
        return EntryView(entry, self.store.waiting_ahead(entry) + 1 if waiting else 0)

    def leave(self, entry_id: str, key: str) -> EntryView:
        """Leave the queue; an open offer is given up (its tickets go to the next entry)."""
        entry = self._entry(entry_id, key)
        if entry.status is EntryStatus.WAITING:
            self.store.leave_waitlist(entry.id)
        elif entry.status is EntryStatus.OFFERED and entry.reservation_id:
            released = self.store.release(entry.reservation_id, ReservationStatus.CANCELLED,
                                          self.ticketing.clock.now())
            if released is not None:
                self.store.settle_offer(entry.id, EntryStatus.LEFT)
            else:
                self._settle(entry)
        self.process(entry.event_id)
        self.waiting_counts(entry.event_id)
        self.ticketing.notify_changed(entry.event_id)
        return self.status(entry_id, key)

    def _entry(self, entry_id: str, key: str) -> WaitlistEntry:
        entry = self.store.get_waitlist_entry(entry_id)
        if entry is None or not hmac.compare_digest(entry.key.encode(), (key or "").encode()):
            raise NotFound("No such waitlist entry")
        return entry

    # ---------------------------------------------------------------- offers
    def process(self, event_id: str | None = None) -> int:
        """Settle offers that ended or sold, take tickets on public sale for the queue, offer owed
        tickets in queue order, give owed tickets back when nobody waits. Safe on many instances at
        once (each step a conditional write). Returns the offers made."""
        made = 0
        for queue in self.store.waitlist_tiers(event_id):
            self.waiting_now[queue.tier_id] = queue.waiting
            if queue.offers_out:  # only then are there offers to settle (a read of the event's entries)
                self._settle_offers(queue)
            if queue.waiting and not queue.paused:
                self.store.capture_for_waitlist(queue.event_id, queue.tier_id)
                made += self._offer_owed(queue.event_id, queue.tier_id)
            self.store.return_owed(queue.event_id, queue.tier_id)
            if made:
                self.waiting_counts(queue.event_id)
                self.ticketing.notify_changed(queue.event_id)
        return made

    def _offer_owed(self, event_id: str, tier_id: str) -> int:
        settings = self.settings(event_id)
        made = 0
        for _ in range(1000):  # bounded: each round offers or stops
            queue = next((q for q in self.store.waitlist_tiers(event_id) if q.tier_id == tier_id), None)
            head = self.store.next_waiting(event_id, tier_id)
            if queue is None or head is None or queue.owed <= 0:
                break
            quantity = offer_quantity(head, queue.owed, settings.partial)
            if quantity == 0:
                break  # the head waits for its full quantity (the organizer's choice)
            if self._offer(head, quantity, settings, by_hand=False):
                made += 1
        return made

    def offer_by_hand(self, organizer_id: str, event_id: str, entry_id: str) -> bool:
        """The organizer offers an entry out of order, from tickets owed or on public sale."""
        self.ticketing.catalog.own_event(organizer_id, event_id)
        entry = self.store.get_waitlist_entry(entry_id)
        if entry is None or entry.event_id != event_id:
            raise NotFound("No such waitlist entry")
        if entry.status is not EntryStatus.WAITING:
            raise ValidationFailed("Only a waiting entry can be offered tickets")
        self.store.capture_for_waitlist(event_id, entry.tier_id)
        queue = next((q for q in self.store.waitlist_tiers(event_id) if q.tier_id == entry.tier_id), None)
        quantity = min(entry.quantity, queue.owed if queue else 0)
        if quantity <= 0:
            raise ValidationFailed("No tickets have come back for this tier yet")
        made = self._offer(entry, quantity, self.settings(event_id), by_hand=True)
        self.ticketing.notify_changed(event_id)
        return made

    def _offer(self, entry: WaitlistEntry, quantity: int, settings: WaitlistSettings, by_hand: bool) -> bool:
        view = self.ticketing.catalog.event_view(entry.event_id)
        tier = view.tier(entry.tier_id)
        if tier is None:
            return False
        now = self.ticketing.clock.now()
        # One offer per entry: the id is derived from it, so a retried offer is the same hold.
        reservation_id = self.ticketing.reservation_id_for(entry.event_id, f"waitlist:{entry.id}")
        offer = _offer_hold(reservation_id, entry, tier, quantity, view.event.currency, view.event.fee_mode,
                            now, now + settings.offer_length)
        offered = replace(entry, status=EntryStatus.OFFERED, reservation_id=reservation_id,
                          offer_expires_at=offer.expires_at, offered_quantity=quantity, by_hand=by_hand)
        if not self.store.make_offer(offered, offer):
            return False
        self.outbox.enqueue(f"waitlist-offer:{reservation_id}", self._offer_mail(offered, view.event, tier),
                            event_id=entry.event_id, batch="waitlist")
        return True

    def _offer_mail(self, entry: WaitlistEntry, event: Event, tier: Tier) -> OutgoingMail:
        """In the language the buyer joined with; the deadline in the event's timezone."""
        words = words_for(entry.language)
        link = f"{self.base_url}{checkout_path(entry.reservation_id or '')}"
        until = words.moment(entry.offer_expires_at, event.timezone, "EEE d MMM, HH:mm") \
            if entry.offer_expires_at else ""
        text = words("Hello {name},\n\n{quantity} x {tier} for {title} came back, and they are held for you until "
                     "{until} ({timezone}).\n\nClaim them here: {link}\n\nIf you don't, they go to the next person "
                     "waiting.\nYour place: {place}\n").format(
            name=entry.name, quantity=entry.offered_quantity, tier=tier.name, title=event.title, until=until,
            timezone=event.timezone, link=link, place=f"{self.base_url}/waitlist/{entry.id}?key={entry.key}")
        return OutgoingMail(to=f"{entry.name} <{entry.email}>",
                            subject=words("Tickets for {title} are held for you").format(title=event.title),
                            text=text)

    def _settle_offers(self, queue: WaitlistTier) -> None:
        for entry in self.store.waitlist_entries(queue.event_id):
            if entry.tier_id == queue.tier_id and entry.status is EntryStatus.OFFERED:
                self._settle(entry)

    def _settle(self, entry: WaitlistEntry) -> WaitlistEntry:
        """An offer that sold becomes claimed; one whose hold ended, expired (its tickets went to the
        queue or the public in the release's own write)."""
        if entry.reservation_id is None:
            return entry
        hold = self.store.get_reservation(entry.reservation_id)
        if hold is not None and hold.status is ReservationStatus.HELD and hold.expires_at <= self.ticketing.clock.now():
            self.ticketing.expire(hold.id)
            hold = self.store.get_reservation(hold.id)
        if hold is None or hold.status is ReservationStatus.HELD:
            return entry
        status = EntryStatus.CLAIMED if hold.status is ReservationStatus.CONFIRMED else EntryStatus.EXPIRED
        self.store.settle_offer(entry.id, status)
        return self.store.get_waitlist_entry(entry.id) or entry

    # ---------------------------------------------------------------- organizers
    def settings(self, event_id: str) -> WaitlistSettings:
        return self.store.get_waitlist_settings(event_id) or WaitlistSettings(event_id=event_id)

    def save_settings(self, organizer_id: str, settings: WaitlistSettings) -> WaitlistSettings:
        self.ticketing.catalog.own_event(organizer_id, settings.event_id)
        if not 1 <= settings.offer_minutes <= 7 * 24 * 60:
            raise ValidationFailed("An offer lasts 1 minute to 7 days", field="offer_minutes")
        self.store.save_waitlist_settings(settings)
        self.process(settings.event_id)  # paused: owed tickets go public; resumed: offers go out
        self.ticketing.notify_changed(settings.event_id)
        return settings

    def board(self, organizer_id: str, event_id: str) -> WaitlistBoard:
        self.ticketing.catalog.own_event(organizer_id, event_id)
        return WaitlistBoard(self.store.waitlist_entries(event_id), self.store.waitlist_tiers(event_id),
                             self.settings(event_id))

    def waiting_counts(self, event_id: str) -> dict[str, int]:
        """People waiting per tier (the live page's "N people waiting"), remembered in `waiting_now`."""
        queues = self.store.waitlist_tiers(event_id)
        self.waiting_now.update((q.tier_id, q.waiting) for q in queues)
        return {q.tier_id: q.waiting for q in queues if q.waiting}

    def export_csv(self, organizer_id: str, event_id: str) -> str:
        board = self.board(organizer_id, event_id)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["position", "tier_id", "name", "email", "quantity", "status", "joined_at", "offered"])
        for e in board.entries:
            writer.writerow([e.position, e.tier_id, _cell(e.name), _cell(e.email), e.quantity, e.status.value,
                             e.created_at.isoformat(), e.offered_quantity])
        return out.getvalue()


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _offer_hold(reservation_id: str, entry: WaitlistEntry, tier: Tier, quantity: int, currency: str,
                fee_mode: FeeMode, now: datetime, expires_at: datetime) -> Reservation:
    """The offer's hold, priced like any hold of the tier (no access code)."""
    price = TicketPrice.of(tier.price_minor, currency, fee_mode)
    line = ReservationLine(tier_id=tier.id, quantity=quantity, unit_price_minor=price.price_minor,
                           unit_fee_minor=price.fee_minor, unit_total_minor=price.buyer_total_minor,
                           tier_version=tier.version)
    return Reservation(id=reservation_id, event_id=entry.event_id, lines=(line,),
                       buyer=Buyer(email=entry.email, name=entry.name, language=entry.language), currency=currency,
                       fee_mode=fee_mode,
                       status=ReservationStatus.HELD, created_at=now, expires_at=expires_at)
