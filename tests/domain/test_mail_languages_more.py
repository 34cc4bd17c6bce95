"""The mails issue 15 left in English, now in their reader's language (German and Spanish shown): the new
holder's mail of a ticket transfer (the language the sender names, else the ticket buyer's), the waitlist
offer (the language of the join, kept with the entry), a follower's news (the language of the follow, kept
with it) and the organizer's mails (their language, kept with the account: signup, first login, setting)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventflow.domain.follows import Announcement, Follows
from eventflow.domain.language import words_for
from eventflow.domain.models import Buyer
from eventflow.domain.outbox import Outbox
from eventflow.domain.password_reset import PasswordResets
from eventflow.domain.payments.disputes import Disputes
from eventflow.domain.payments.records import Dispute, DisputeStatus
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.transfers import Transfers
from eventflow.domain.waitlist import Waitlist
from tests.conftest import publish_event
from tests.fakes.memory_store import InMemoryStore

GERMAN_OR_SPANISH = [
    ("de", "Dein Ticket für", "hat dir ein Ticket für", "Sekunden"),
    ("es", "Tu entrada para", "te ha pasado una entrada para", "segundos"),
]


@pytest.mark.parametrize(("sender", "subject", "says", "day"), GERMAN_OR_SPANISH)
def test_a_transferred_ticket_is_mailed_in_the_language_the_sender_gives(
        service: Ticketing, sender: str, subject: str, says: str, day: str) -> None:
    event, tiers = publish_event(service)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("ann@example.com", "Ann"))
    ticket = service.confirm(held.id, payment_ref="demo").tickets[0]
    transfers = Transfers(service.store, service.store, service.clock, Outbox(service.store, service.clock),
                          "https://t.example")
    record = transfers.transfer(ticket.id, ticket.access_key, "Bo", "bo@example.com", sender)
    mail = service.store.get_outbox_message(f"transfer:{record.id}").mail  # type: ignore[union-attr]
    assert mail.subject == f"{subject} {event.title}" and says in mail.text and "Ann" in mail.text
    assert "gave you" not in mail.text and "https://t.example/t/" in mail.text and day in mail.text
    assert f"({words_for(sender).moment(event.starts_at, event.timezone)}, {event.venue})" in mail.text


def test_without_a_language_the_transfer_mail_speaks_the_buyers(service: Ticketing) -> None:
    event, tiers = publish_event(service)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer("ann@example.com", "Ann", "es"))
    first, second = service.confirm(held.id, payment_ref="demo").tickets
    transfers = Transfers(service.store, service.store, service.clock, Outbox(service.store, service.clock),
                          "https://t.example")
    spanish = transfers.transfer(first.id, first.access_key, "Bo", "bo@example.com")
    english = transfers.transfer(second.id, second.access_key, "Cy", "cy@example.com", "en")
    assert service.store.get_outbox_message(f"transfer:{spanish.id}").mail.subject.startswith(  # type: ignore
        "Tu entrada para")
    assert service.store.get_outbox_message(f"transfer:{english.id}").mail.subject.startswith(  # type: ignore
        "Your ticket for")


@pytest.mark.parametrize(("language", "subject", "body"), [
    ("de", "Tickets für {title} liegen für dich bereit", "Hier sicherst du sie dir: https://t.example/checkout/"),
    ("es", "Te guardamos entradas para {title}", "Consíguelas aquí: https://t.example/checkout/"),
])
def test_the_waitlist_offer_is_in_the_language_of_the_join(
        store: InMemoryStore, service: Ticketing, language: str, subject: str, body: str) -> None:
    waitlist = Waitlist(store, service, Outbox(store, service.clock), "https://t.example")
    event, [tier] = publish_event(service, capacities=(1,), prices=(1000,))
    hold = service.reserve(event.id, [LineRequest(tier.id, 1)], Buyer("h@example.com", "Hal"))
    entry = waitlist.join(event.id, tier.id, "ada@example.com", "Ada", 1, language).entry
    assert store.waitlist_entries(event.id)[0].language == language  # kept with the entry
    service.cancel(hold.id)
    assert waitlist.process() == 1
    offer = store.waitlist_entries(event.id)[0]
    mail = store.get_outbox_message(f"waitlist-offer:{offer.reservation_id}").mail  # type: ignore[union-attr]
    assert mail.subject == subject.format(title=event.title) and body in mail.text
    assert "came back" not in mail.text and f"/waitlist/{entry.id}?key={entry.key}" in mail.text
    held = store.get_reservation(offer.reservation_id or "")
    assert held is not None and held.buyer.language == language  # its tickets mail follows suit


@pytest.mark.parametrize(("language", "subject", "when"), [
    ("de", "Neu von Club: Opening", "Wann: "), ("es", "Novedad de Club: Opening", "Cuándo: ")])
def test_a_followers_news_is_in_the_language_they_followed_in(
        store: InMemoryStore, service: Ticketing, language: str, subject: str, when: str) -> None:
    follows = Follows(store, Outbox(store, service.clock), service.clock, "https://t.example")
    event, _ = publish_event(service)
    follows.ask(event.organizer_id, "Club", "fan@example.com", language)
    follow = store.get_follow(event.organizer_id, "fan@example.com")
    assert follow is not None and follow.language == language
    follows.confirm(follow.token)
    assert follows.announce(event.organizer_id, event.id, Announcement(
        "Club", "Opening", "(English)", "Hall, Berlin", "https://t.example/e/x", event=event)) == 1
    mail = store.get_outbox_message(f"follow:{event.id}:{follow.token}").mail  # type: ignore[union-attr]
    assert mail.subject == subject and when in mail.text and "(English)" not in mail.text
    assert "has a new event" not in mail.text and "/follow/stop/" in mail.text


def test_the_organizers_language_is_kept_from_signup_login_and_the_setting(service: Ticketing) -> None:
    accounts = service.accounts
    german = accounts.sign_up("grete@example.com", "correct horse", "Grete", "de-AT")
    assert accounts.organizer(german.id).language == "de"
    assert accounts.language_at_login(accounts.organizer(german.id), "es").language == "de"  # chosen stays
    assert accounts.set_language(german.id, "es").language == "es"
    old = accounts.sign_up("ed@example.com", "correct horse", "Ed")  # as accounts from before languages
    assert old.language is None
    assert accounts.language_at_login(old, "de").language == "de" == accounts.organizer(old.id).language
    assert accounts.set_language(old.id, "fr").language is None  # not one we write in: English
    resets = PasswordResets(accounts, Outbox(service.store, service.clock), service.clock, "key", "https://t.example")
    resets.request("grete@example.com")  # asked by the API: no page language, the account's
    mail = next(m for m in service.store.due_outbox_messages(service.clock.now(), 10)
                if m.key.startswith("password-reset:"))
    assert mail.mail.subject == "Elige una nueva contraseña de EventFlow"


@pytest.mark.parametrize(("language", "subject", "words"), [
    ("de", "Zahlung angefochten: ", ["Stand der Rückbuchung: offen", "Grund: fraudulent", "1.234,50\xa0€"]),
    ("es", "Pago disputado: ", ["Estado de la disputa: abierta", "motivo: fraudulent", "1.234,50\xa0€"]),
])
def test_the_dispute_mail_is_in_the_organizers_language(
        store: InMemoryStore, service: Ticketing, language: str, subject: str, words: list[str]) -> None:
    event, _ = publish_event(service)
    service.accounts.set_language(event.organizer_id, language)
    outbox = Outbox(store, service.clock)
    disputes = Disputes(store, None, outbox, service.clock, "https://t.example")  # type: ignore[arg-type]
    now = service.clock.now()
    dispute = Dispute(id="dp_1", event_id=event.id, organizer_id=event.organizer_id, reservation_id="res_1",
                      order_id=None, payment_intent_id="pi_1", amount_minor=123450, fee_minor=1500, currency="EUR",
                      status=DisputeStatus.OPEN, reason="fraudulent", opened_at=now, updated_at=now + timedelta(0))
    assert disputes._tell_organizer(dispute)
    mail = store.get_outbox_message("dispute-opened-dp_1").mail  # type: ignore[union-attr]
    assert mail.subject == subject + event.title
    assert all(word in mail.text for word in words), mail.text
    assert "disputed a payment" not in mail.text


@pytest.mark.parametrize(("language", "subject", "says"), [
    ("de", "Tagesexport: ", "Abschalten kannst du sie unter „Downloads“."),
    ("es", "Exportación diaria: ", "Puedes desactivarlo en «Descargas»."),
])
def test_the_daily_export_mail_is_in_the_organizers_language(
        service: Ticketing, language: str, subject: str, says: str) -> None:
    from tests.domain.test_daily_exports import instance

    event, _ = publish_event(service)
    organizer = service.accounts.set_language(event.organizer_id, language)
    mail = instance(service).mail(event, organizer, event.starts_at.date())
    assert mail.subject == f"{subject}{event.title} ({event.starts_at.date().isoformat()})"
    assert says in mail.text and "every morning" not in mail.text and len(mail.attachments) == 3
