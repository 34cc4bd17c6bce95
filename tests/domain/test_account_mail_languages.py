"""Mails asked for on a page go out in that page's language: the password reset link, the email check and
the follow confirmation (German and Spanish here); without a language they read as before (English)."""

from __future__ import annotations

from eventflow.domain.clock import ManualClock
from eventflow.domain.email_verification import EmailVerifications
from eventflow.domain.follows import Follows
from eventflow.domain.outbox import Outbox, OutgoingMail
from eventflow.domain.password_reset import PasswordResets
from eventflow.domain.reservations import Ticketing
from tests.fakes.memory_store import InMemoryStore


def sent(store: InMemoryStore, prefix: str) -> list[OutgoingMail]:
    return [m.mail for k, m in sorted(store._outbox.items()) if k.startswith(prefix)]


def test_reset_check_and_follow_mails_in_the_pages_language(service: Ticketing, store: InMemoryStore,
                                                            clock: ManualClock) -> None:
    organizer = service.sign_up("orla@example.com", "correct horse", "Orla")
    outbox = Outbox(store, clock)
    PasswordResets(service.accounts, outbox, clock, "secret", "https://t.test").request("orla@example.com", "de")
    [reset] = sent(store, "password-reset:")
    assert reset.subject == "Wähle ein neues EventFlow-Passwort" and reset.text.startswith("Hallo Orla,")
    assert "https://t.test/" in reset.text and "innerhalb einer Stunde" in reset.text

    EmailVerifications(service.accounts, outbox, clock, "secret", "https://t.test").send_link(organizer.id, "es")
    [check] = sent(store, "verify-email:")
    assert check.subject == "Confirma tu correo de EventFlow" and "orla@example.com es tu dirección" in check.text

    follows = Follows(store, outbox, clock, "https://t.test")
    follows.ask(organizer.id, "Orla", "fan@example.com", "de")
    follows.ask(organizer.id, "Orla", "other@example.com")
    german, english = sorted(sent(store, "follow-confirm:"), key=lambda m: m.to)
    assert german.to == "fan@example.com" and german.subject == "Bestätigen: Neuigkeiten von Orla"
    assert english.subject == "Confirm: news from Orla" and english.text.startswith("Someone (hopefully you)")
