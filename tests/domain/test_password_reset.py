"""Password reset by mail link (domain/password_reset.py): the link works once, for an hour, only
for its account, not after "log out everywhere"; asking says nothing about which emails have
accounts and mails an account at most once a quarter hour."""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest

from eventflow.domain.accounts import EXTERNAL_ONLY
from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import Unauthorized, ValidationFailed
from eventflow.domain.outbox import Outbox, OutboxMessage
from eventflow.domain.password_reset import PasswordResets, ResetLinkInvalid
from eventflow.domain.reservations import Ticketing

OLD, NEW = "the old password", "a brand new password"


@pytest.fixture
def resets(service: Ticketing, clock: ManualClock) -> PasswordResets:
    return PasswordResets(service.accounts, Outbox(service.store, clock), clock, "test-secret", "https://tickets.test/")


def mails(service: Ticketing) -> list[OutboxMessage]:
    return list(service.store._outbox.values())  # type: ignore[attr-defined]  # the fake's own record


def token_in(message: OutboxMessage) -> str:
    [link] = re.findall(r"https://tickets\.test/reset-password\?\S+", message.mail.text)
    return parse_qs(urlsplit(link).query)["token"][0]


def logs_in(service: Ticketing, password: str) -> bool:
    try:
        service.accounts.authenticate("ada@example.com", password)
    except Unauthorized:
        return False
    return True


def test_the_mailed_link_sets_a_new_password_once(service: Ticketing, resets: PasswordResets) -> None:
    ada = service.accounts.sign_up("ada@example.com", OLD, "Ada")
    resets.request("  ADA@example.com ")
    [message] = mails(service)
    assert message.mail.to == "ada@example.com"
    token = token_in(message)
    assert resets.holder(token).id == ada.id
    updated = resets.reset(token, NEW)
    assert logs_in(service, NEW) and not logs_in(service, OLD)
    assert updated.session_epoch == ada.session_epoch + 1  # every earlier login ends
    with pytest.raises(ResetLinkInvalid):
        resets.reset(token, "and another one")  # used once
    assert logs_in(service, NEW)


def test_a_link_expires_after_an_hour(service: Ticketing, resets: PasswordResets, clock: ManualClock) -> None:
    service.accounts.sign_up("ada@example.com", OLD, "Ada")
    resets.request("ada@example.com")
    token = token_in(mails(service)[0])
    clock.advance(seconds=3601)
    with pytest.raises(ResetLinkInvalid):
        resets.reset(token, NEW)
    assert logs_in(service, OLD)


def test_a_link_is_void_after_logging_out_everywhere_or_when_tampered(service: Ticketing,
                                                                     resets: PasswordResets) -> None:
    ada = service.accounts.sign_up("ada@example.com", OLD, "Ada")
    bob = service.accounts.sign_up("bob@example.com", OLD, "Bob")
    resets.request("ada@example.com")
    token = token_in(mails(service)[0])
    ada_id, expires, mac = token.split(".")
    for forged in (f"{bob.id}.{expires}.{mac}", f"{ada_id}.{int(expires) + 86400}.{mac}", f"{ada_id}.{expires}.x",
                   "", "a.b", "not-a-token"):
        with pytest.raises(ResetLinkInvalid):
            resets.reset(forged, NEW)
    service.accounts.log_out_everywhere(ada.id)
    with pytest.raises(ResetLinkInvalid):
        resets.reset(token, NEW)
    assert logs_in(service, OLD)


def test_a_short_new_password_is_refused_and_the_link_still_works(service: Ticketing,
                                                                   resets: PasswordResets) -> None:
    service.accounts.sign_up("ada@example.com", OLD, "Ada")
    resets.request("ada@example.com")
    token = token_in(mails(service)[0])
    with pytest.raises(ValidationFailed):
        resets.reset(token, "short")
    resets.reset(token, NEW)
    assert logs_in(service, NEW)


def test_asking_reveals_nothing_and_cannot_flood_an_inbox(service: Ticketing, resets: PasswordResets,
                                                          clock: ManualClock) -> None:
    service.accounts.sign_up("ada@example.com", OLD, "Ada")
    external = service.accounts.sign_up("sso@example.com", OLD, "Sso")
    service.store.save_organizer(replace(external, password_hash=EXTERNAL_ONLY))
    for email in ("nobody@example.com", "not an email", "sso@example.com"):
        resets.request(email)  # no error, no mail: the page answers the same
    assert mails(service) == []
    for _ in range(5):
        resets.request("ada@example.com")
    assert len(mails(service)) == 1
    clock.advance(seconds=15 * 60)
    resets.request("ada@example.com")
    assert len(mails(service)) == 2
