"""Mail to buyers in their language (issue 15): the language a buyer reserved in travels with the order,
and every mail built for them (tickets, reminder, refund notice, cancel / postpone / void notices, the
frame of an organizer's message) is in it, with money and dates written that language's way; English
and orders without a language read as before. Password reset, email check and follow confirmation are in
the page's language when the page says. Every mail word has German and Spanish (catalogue domain `mail`)."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from eventflow.domain.attendee_mail import organizer_message_mail, refund_notice_mail, reminder_mail, tickets_mail
from eventflow.domain.cancellation import Cancellations
from eventflow.domain.language import LOCALE_DIR, supported_language, words_for
from eventflow.domain.models import Buyer, Event, EventStatus, Order, Ticket
from eventflow.domain.money import FeeMode
from eventflow.domain.outbox import Outbox
from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus
from eventflow.domain.reservations import LineRequest, Ticketing
from tests.conftest import publish_event
from tests.fakes.memory_store import InMemoryStore

ROOT = Path(__file__).resolve().parents[2]
MAIL_MODULES = [ROOT / "eventflow" / "domain" / f"{name}.py" for name in (
    "attendee_mail", "change_mails", "password_reset", "email_verification", "follows", "my_tickets",
    "transfers", "waitlist", "payments/disputes", "daily_exports")]
STARTS = datetime(2027, 1, 9, 19, 30, tzinfo=UTC)  # Saturday, 20:30 in Berlin


def mail_words() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in MAIL_MODULES:
        for lineno, message, _comments, _context in extract_from_file("python", path, {"words": None}):
            found.setdefault(str(message), f"{path.name}:{lineno}")
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("language", ["de", "es"])
def test_every_mail_word_has_a_translation_with_the_same_placeholders(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "mail.po").open("rb") as source:
        catalogue = {m.id: str(m.string) for m in read_po(source) if m.id and m.string and not m.fuzzy}
    words = mail_words()
    assert len(words) > 40
    missing = [f"{where}: {word!r}" for word, where in words.items() if word not in catalogue]
    assert not missing, f"mail words without {language} (append them to mail.po):\n" + "\n".join(missing)
    wrong = [word for word in words if _placeholders(catalogue[word]) != _placeholders(word)]
    assert not wrong, wrong


def sample(language: str | None, currency: str = "EUR") -> tuple[Order, Event]:
    event = Event(id="evt_1", organizer_id="org_1", slug="winter-swim", title="Winter Swim", starts_at=STARTS,
                  ends_at=STARTS + timedelta(hours=3), timezone="Europe/Berlin", venue="Strandbad Wannsee, Berlin",
                  currency=currency, description="", fee_mode=FeeMode.BUYER_PAYS, status=EventStatus.PUBLISHED,
                  created_at=STARTS - timedelta(days=30))
    tickets = tuple(Ticket(id=f"tkt_{n}", order_id="ord_1", event_id="evt_1", tier_id="tier_1", holder_name="Zoe",
                           access_key=f"key-{n}", secret="JBSWY3DPEHPK3PXP") for n in (1, 2))
    order = Order(id="ord_1", reservation_id="res_1", event_id="evt_1",
                  buyer=Buyer("zoe@example.com", "Zoë Z", language), currency=currency, subtotal_minor=123000,
                  fee_minor=450, total_minor=123450, created_at=STARTS, payment_ref="demo", tickets=tickets)
    return order, event


def test_a_german_buyers_tickets_mail_and_reminder_are_german_with_german_money_and_dates() -> None:
    order, event = sample("de")
    mail = tickets_mail(order, event, "https://t.example")
    assert mail.subject == "Deine Tickets für Winter Swim"
    assert "Hallo Zoë Z," in mail.text and "insgesamt bezahlt 1.234,50\xa0€" in mail.text
    assert "Wann: Sa., 9. Jan. 2027, 20:30 - 23:30 (Europe/Berlin, UTC+01:00)" in mail.text
    assert "Wo: Strandbad Wannsee, Berlin" in mail.text and "2. Ticket: https://t.example/t/tkt_2?k=key-2" in mail.text
    assert "Here are" not in mail.text and "Hier sind deine Tickets" in (mail.html or "")
    reminder = reminder_mail(order, event, "https://t.example")
    assert reminder.subject == "Erinnerung: Winter Swim, Sa., 9. Jan., 20:30"
    assert "Veranstaltungsseite: https://t.example/e/winter-swim" in reminder.text
    spanish = tickets_mail(sample("es")[0], event, "https://t.example")
    assert spanish.subject == "Tus entradas para Winter Swim" and "1.234,50\xa0€" in spanish.text
    assert "Cuándo: sáb, 9 ene 2027, 20:30 - 23:30" in spanish.text


def test_english_and_orders_from_before_languages_read_as_they_always_did() -> None:
    for language in (None, "en", "fr"):
        order, event = sample(language)
        mail = tickets_mail(order, event, "https://t.example")
        assert mail.subject == "Your tickets for Winter Swim" and "total paid €1,234.50" in mail.text
        assert "When: Sat 9 Jan 2027, 20:30 - 23:30 (Europe/Berlin, UTC+01:00)" in mail.text
        assert "<p>Here are your tickets for <b>Winter Swim</b> (order ord_1, total €1,234.50).</p>" in (mail.html
                                                                                                       or "")


def test_refund_notice_and_an_organizers_message_frame_in_the_buyers_language() -> None:
    order, event = sample("es")
    refund = Refund(id="ref_1", event_id="evt_1", reservation_id="res_1", order_id="ord_1", payment_intent_id="pi",
                    ticket_ids=("tkt_1",), tier_quantities=(("tier_1", 1),), amount_minor=2500, fee_minor=0,
                    currency="EUR", reason=RefundReason.ORGANIZER, restock=True,
                    status=RefundStatus.SUCCEEDED, created_at=STARTS)
    notice = refund_notice_mail(refund, order.buyer, event, "https://t.example")
    assert notice.subject == "Reembolso para Winter Swim" and "25,00\xa0€ vuelven a tu tarjeta" in notice.text
    message = organizer_message_mail(event, "zoe@example.com", "Zoë", "Parking", "Park at gate 2.",
                                     "https://t.example", "de")
    assert message.text.startswith("Park at gate 2.") and "Du bekommst diese Nachricht" in message.text


def test_a_german_buyer_of_a_cancelled_event_is_told_in_german(service: Ticketing, store: InMemoryStore) -> None:
    event, tiers = publish_event(service, capacities=(10, 10, 10), prices=(2500, 0, 9900))
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("grete@example.com", "Grete", "de"))
    german, _ = service.confirm_once(held.id, f"demo_{held.id}")
    english, _ = service.confirm_once(service.reserve(event.id, [LineRequest(tiers[1].id, 1)],
                                                      Buyer("ed@example.com", "Ed")).id, "free")
    cancellations = Cancellations(service, store, Outbox(store, service.clock), None, "https://shop.test",
                                  lease=timedelta(seconds=30))
    cancellations.cancel(event.organizer_id, event.id, "Sturm.")
    assert cancellations.run_due() == 2
    mail = store.get_outbox_message(f"cancel:{german.id}").mail  # type: ignore[union-attr]
    assert mail.subject.startswith("Abgesagt: ") and "Es tut uns leid" in mail.text
    assert "Eine Nachricht vom Veranstalter:\n> Sturm." in mail.text and "Erstattung: " in mail.text
    assert "\xa0€" in mail.text and "Deine Tickets sind nicht mehr gültig." in mail.text
    plain = store.get_outbox_message(f"cancel:{english.id}").mail  # type: ignore[union-attr]
    assert plain.subject.startswith("Cancelled: ") and "We are sorry" in plain.text


def test_the_languages_a_header_may_name() -> None:
    assert [supported_language(t) for t in ("de", "de-AT", "es_ES", "en-US", "fr", "", None, "x" * 40)] == \
        ["de", "de", "es", "en", None, None, None, None]
    assert words_for("de")("Reason:") == "Grund:" and words_for("fr")("Reason:") == "Reason:"


