"""Waitlist rules on the in-memory store (issue 13): the organizer's offer out of order, the CSV that no
spreadsheet runs, another organizer refused, the offer mail's claim link and idempotency key."""

from __future__ import annotations

import pytest

from eventflow.domain.errors import NotFound, ValidationFailed
from eventflow.domain.models import Buyer
from eventflow.domain.outbox import Outbox
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.waitlist import Waitlist
from eventflow.domain.waitlist_rules import EntryStatus, WaitlistSettings, offer_quantity
from tests.conftest import publish_event
from tests.fakes.memory_store import InMemoryStore


@pytest.fixture
def waitlist(store: InMemoryStore, service: Ticketing) -> Waitlist:
    return Waitlist(store, service, Outbox(store, service.clock), "https://tickets.example/")


def test_pause_resume_leave_and_offer_by_hand(store: InMemoryStore, service: Ticketing, waitlist: Waitlist) -> None:
    event, [tier] = publish_event(service, capacities=(1,), prices=(0,))
    hold = service.reserve(event.id, [LineRequest(tier.id, 1)], Buyer("h@example.com", "Hal"))
    first = waitlist.join(event.id, tier.id, "ada@example.com", "Ada", 1)
    second = waitlist.join(event.id, tier.id, "=cmd@example.com", "=HYPERLINK(1)", 1)
    with pytest.raises(ValidationFailed):  # nothing has come back yet
        waitlist.offer_by_hand(event.organizer_id, event.id, second.entry.id)
    waitlist.save_settings(event.organizer_id, WaitlistSettings(event.id, paused=True))
    service.cancel(hold.id)  # paused: the ticket goes on public sale
    assert store.get_tiers(event.id)[0].available == 1
    waitlist.save_settings(event.organizer_id, WaitlistSettings(event.id, paused=False, partial=False))
    # resuming: the job's pass (run by save_settings) takes the ticket back and offers it to the head
    assert waitlist.status(first.entry.id, first.entry.key).status is EntryStatus.OFFERED
    waitlist.leave(first.entry.id, first.entry.key)  # Ada gives it up: it goes to the next, as owed
    assert waitlist.status(second.entry.id, second.entry.key).status is EntryStatus.OFFERED
    third = waitlist.join(event.id, tier.id, "cy@example.com", "Cy", 1)
    fourth = waitlist.join(event.id, tier.id, "di@example.com", "Di", 1)
    tier = store.get_tiers(event.id)[0]
    service.catalog.update_tier(event.organizer_id, event.id, tier.id, name=tier.name, price_minor=0, capacity=2,
                                max_per_order=1, sales_start=None, sales_end=None, hidden=False)
    assert waitlist.offer_by_hand(event.organizer_id, event.id, fourth.entry.id)  # before the job's pass
    assert waitlist.status(fourth.entry.id, fourth.entry.key).status is EntryStatus.OFFERED
    assert waitlist.status(third.entry.id, third.entry.key).status is EntryStatus.WAITING
    assert store.get_tiers(event.id)[0].available == 0
    other = service.sign_up("other@example.com", "correct horse", "Other")
    with pytest.raises(NotFound):
        waitlist.board(other.id, event.id)
    csv = waitlist.export_csv(event.organizer_id, event.id)
    assert "'=HYPERLINK(1)" in csv and "'=cmd@example.com" in csv and ",=" not in csv


def test_the_offer_mail_carries_the_claim_link_once(store: InMemoryStore, service: Ticketing,
                                                    waitlist: Waitlist) -> None:
    event, [tier] = publish_event(service, capacities=(2,), prices=(1000,))
    hold = service.reserve(event.id, [LineRequest(tier.id, 2)], Buyer("h@example.com", "Hal"))
    entry = waitlist.join(event.id, tier.id, "ada@example.com", "Ada", 2).entry
    service.cancel(hold.id)
    assert waitlist.process() == 1 and waitlist.process() == 0
    offer = waitlist.status(entry.id, entry.key).entry
    mail = store.get_outbox_message(f"waitlist-offer:{offer.reservation_id}")
    assert mail is not None and mail.mail.to == "Ada <ada@example.com>"
    assert f"https://tickets.example/checkout/{offer.reservation_id}" in mail.mail.text
    assert store.get_reservation(offer.reservation_id or "").total_minor > 2000  # priced like any hold, fee on top


@pytest.mark.parametrize(("asked", "owed", "partial", "offered"),
                         [(3, 5, False, 3), (3, 2, False, 0), (3, 2, True, 2), (1, 0, True, 0)])
def test_offer_quantity(asked: int, owed: int, partial: bool, offered: int, waitlist: Waitlist,
                        service: Ticketing) -> None:
    event, [tier] = publish_event(service, capacities=(5,), prices=(0,))
    service.reserve(event.id, [LineRequest(tier.id, 5)], Buyer("h@example.com", "Hal"))
    entry = waitlist.join(event.id, tier.id, "ada@example.com", "Ada", asked).entry
    assert offer_quantity(entry, owed, partial) == offered
