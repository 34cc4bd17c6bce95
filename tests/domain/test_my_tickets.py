"""My tickets (domain/my_tickets.py): the one-time mailed link, the session, and the list across orders and
events — as buyer, named attendee and transfer recipient; a ticket handed on is marked and loses its link."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest

from eventflow.domain.attendees import Attendee, Attendees
from eventflow.domain.errors import Unauthorized, ValidationFailed
from eventflow.domain.models import Buyer
from eventflow.domain.my_tickets import MAIL_WINDOW_SECONDS, MyTickets, SignInLinkInvalid
from eventflow.domain.outbox import Outbox
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.transfers import Transfers
from tests.conftest import publish_event

BASE = "https://tickets.example"


def my_tickets(service: Ticketing) -> MyTickets:
    return MyTickets(service.store, service.clock, Outbox(service.store, service.clock), "test secret", BASE)


def mailed_token(service: Ticketing, email: str) -> str:
    window = int(service.clock.now().timestamp()) // MAIL_WINDOW_SECONDS
    message = service.store.get_outbox_message(
        f"my-tickets:{hashlib.sha256(email.encode()).hexdigest()[:24]}:{window}")
    assert message is not None and message.mail.to == email
    found = re.search(r"/my-tickets\?token=(\S+)", message.mail.text)
    assert found is not None
    return unquote(found.group(1))


def test_a_link_signs_in_once_and_the_list_has_every_ticket_of_the_person(service: Ticketing) -> None:
    mine = my_tickets(service)
    early, tiers = publish_event(service)
    service.clock.advance(timedelta(days=1))
    late, late_tiers = publish_event(service)  # starts a day after `early`
    # Two orders: Ann buys 3 for the later event (naming Cleo with her email), Ann is named on Bob's order.
    held = service.reserve(late.id, [LineRequest(late_tiers[0].id, 3)], Buyer("ann@example.com", "Ann"))
    Attendees(service.store, service.clock, service, service.catalog).put(
        held.id, [Attendee("Ann"), Attendee("Cleo", "cleo@example.com"), Attendee("Dan")])
    first = service.confirm(held.id, "demo")
    bobs = service.reserve(early.id, [LineRequest(tiers[0].id, 2)], Buyer("bob@example.com", "Bob"))
    Attendees(service.store, service.clock, service, service.catalog).put(
        bobs.id, [Attendee("Bob"), Attendee("Ann A.", "ANN@example.com")])
    second = service.confirm(bobs.id, "demo")
    # Dan's ticket is handed on to Eve: Ann's list keeps it, marked, without its link; Eve's has it.
    transfers = Transfers(service.store, service.store, service.clock, Outbox(service.store, service.clock), BASE)
    dan = first.tickets[2]
    record = transfers.transfer(dan.id, dan.access_key, "Eve", "eve@example.com")
    mine.transferred(record)

    mine.request_link(" Ann@Example.com ")
    session = mine.sign_in(mailed_token(service, "ann@example.com"))
    with pytest.raises(SignInLinkInvalid):
        mine.sign_in(mailed_token(service, "ann@example.com"))  # used once
    email = mine.email_of(session)
    listed = mine.tickets(email)
    assert [t.event_id for t in listed] == [early.id, late.id, late.id, late.id]  # upcoming, soonest first
    by_id = {t.ticket_id: t for t in listed}
    assert by_id[dan.id].state == "transferred" and by_id[dan.id].path is None and by_id[dan.id].access_key is None
    assert by_id[dan.id].holder_name == "Dan"  # not who has it now
    assert by_id[first.tickets[1].id].state == "valid" and by_id[first.tickets[1].id].holder_name == "Cleo"
    assert by_id[second.tickets[1].id].path == f"/t/{second.tickets[1].id}?k={second.tickets[1].access_key}"
    assert second.tickets[0].id not in by_id  # Bob's own ticket is not Ann's
    eve = mine.tickets("eve@example.com")
    assert [(t.ticket_id, t.state, t.holder_name) for t in eve] == [(dan.id, "valid", "Eve")]
    assert eve[0].access_key == service.store.get_ticket(dan.id).access_key  # the new key, the new holder's
    assert [t.ticket_id for t in mine.tickets("cleo@example.com")] == [first.tickets[1].id]


def test_links_and_sessions_that_are_forged_or_expired_are_refused(service: Ticketing) -> None:
    mine = my_tickets(service)
    event, tiers = publish_event(service)
    service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("ann@example.com", "A")).id,
                    "demo")
    mine.request_link("ann@example.com")
    token = mailed_token(service, "ann@example.com")
    head, _, _mac = token.rpartition(".")
    for forged in (head + ".AAAA", token.replace(token.split(".")[0], "Ym9iQGV4YW1wbGUuY29t"), "", "a.b.c.d"):
        with pytest.raises(SignInLinkInvalid):
            mine.sign_in(forged)
    other_server = MyTickets(service.store, service.clock, Outbox(service.store, service.clock), "other", BASE)
    with pytest.raises(SignInLinkInvalid):
        other_server.sign_in(token)
    service.clock.advance(timedelta(minutes=31))
    with pytest.raises(SignInLinkInvalid):
        mine.sign_in(token)  # expired (and never claimed)
    mine.request_link("ann@example.com")
    session = mine.sign_in(mailed_token(service, "ann@example.com"))
    assert mine.email_of(session) == "ann@example.com"
    with pytest.raises(Unauthorized):
        mine.email_of(session[:-2] + "xx")
    service.clock.advance(timedelta(days=31))
    with pytest.raises(Unauthorized):
        mine.email_of(session)


def test_asking_says_nothing_about_an_address_and_mails_it_once_per_quarter_hour(service: Ticketing) -> None:
    mine = my_tickets(service)
    event, tiers = publish_event(service)
    service.confirm(service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("ann@example.com", "A")).id,
                    "demo")
    before = service.store.due_outbox_messages(service.clock.now() + timedelta(days=1), 100)
    mine.request_link("nobody@example.com")  # no error, no mail
    for _ in range(5):
        mine.request_link("ann@example.com")
    after = service.store.due_outbox_messages(service.clock.now() + timedelta(days=1), 100)
    assert len(after) == len(before) + 1
    with pytest.raises(ValidationFailed) as refused:
        mine.request_link("not an address")
    assert refused.value.field == "email"
