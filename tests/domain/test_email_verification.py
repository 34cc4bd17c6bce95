"""The organizer's email check (domain/email_verification.py): a new account gets a link by mail and
may prepare drafts but not publish (409 `email_not_verified`) until it opens the link; the link is
for its account and address only, and expires; "resend" mails at most once a quarter hour; accounts
an identity provider vouches for count as verified."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.email_verification import EmailNotVerified, EmailVerifications, VerifyLinkInvalid
from eventflow.domain.models import Event
from eventflow.domain.outbox import Outbox, OutboxMessage
from eventflow.domain.reservations import Ticketing

ISSUER = "https://id.example.com"


@pytest.fixture
def checks(service: Ticketing, clock: ManualClock) -> EmailVerifications:
    checks = EmailVerifications(service.accounts, Outbox(service.store, clock), clock, "test-secret",
                                "https://tickets.test/")
    service.catalog.publish_check = checks.require_verified
    return checks


def mails(service: Ticketing) -> list[OutboxMessage]:
    return list(service.store._outbox.values())  # type: ignore[attr-defined]  # the fake's own record


def token_in(message: OutboxMessage) -> str:
    [link] = re.findall(r"https://tickets\.test/verify-email\?\S+", message.mail.text)
    return parse_qs(urlsplit(link).query)["token"][0]


def draft(service: Ticketing, organizer_id: str) -> Event:
    starts = service.clock.now() + timedelta(days=30)
    event = service.catalog.create_event(organizer_id, title="Jazz night", starts_at=starts,
                                         ends_at=starts + timedelta(hours=3), timezone="Europe/Oslo",
                                         venue="Cellar", currency="NOK")
    service.catalog.add_tier(organizer_id, event.id, name="Door", price_minor=0, capacity=50)
    return event


def test_publishing_waits_for_the_mailed_link(service: Ticketing, checks: EmailVerifications) -> None:
    ada = checks.sign_up("ada@example.com", "long enough", "Ada")
    [message] = mails(service)
    assert (message.mail.to, message.mail.subject) == ("ada@example.com", "Confirm your EventFlow email")
    event = draft(service, ada.id)  # drafts need no check
    with pytest.raises(EmailNotVerified) as refused:
        service.catalog.publish(ada.id, event.id)
    assert (refused.value.status, refused.value.code) == (409, "email_not_verified")
    assert checks.confirm(token_in(message)).id == ada.id
    assert service.catalog.publish(ada.id, event.id).status.value == "published"
    assert checks.send_link(ada.id) is False  # verified: no more mail
    assert len(mails(service)) == 1


def test_a_link_works_only_for_its_account_and_not_after_three_days(
        service: Ticketing, checks: EmailVerifications, clock: ManualClock) -> None:
    ada = checks.sign_up("ada@example.com", "long enough", "Ada")
    bob = checks.sign_up("bob@example.com", "long enough", "Bob")
    ada_token = token_in(mails(service)[0])
    forged = f"{bob.id}.{ada_token.split('.', 1)[1]}"  # Ada's expiry and MAC on Bob's id
    for bad in (forged, ada_token[:-2], "", "a.b", "x.1.y"):
        with pytest.raises(VerifyLinkInvalid):
            checks.confirm(bad)
    clock.advance(days=3, seconds=1)
    with pytest.raises(VerifyLinkInvalid):
        checks.confirm(ada_token)
    assert not checks.verified(ada.id) and not checks.verified(bob.id)


def test_resend_mails_at_most_once_a_quarter_hour(
        service: Ticketing, checks: EmailVerifications, clock: ManualClock) -> None:
    ada = checks.sign_up("ada@example.com", "long enough", "Ada")
    for _ in range(3):
        checks.send_link(ada.id)
    assert len(mails(service)) == 1
    clock.advance(minutes=15)
    checks.send_link(ada.id)
    assert len(mails(service)) == 2


def test_identity_provider_accounts_count_as_verified(service: Ticketing, checks: EmailVerifications) -> None:
    made = service.accounts.login_with_identity(ISSUER, "sub-1", "cy@example.com", "Cy", email_verified=True)
    assert checks.verified(made.id)
    # A password account the provider vouches for is verified once the identity is linked.
    dee = checks.sign_up("dee@example.com", "long enough", "Dee")
    assert not checks.verified(dee.id)
    service.accounts.confirm_identity(ISSUER, "sub-2", dee.id, "long enough", None)
    assert checks.verified(dee.id)
    service.catalog.publish(dee.id, draft(service, dee.id).id)


def test_a_server_that_does_not_require_it_publishes_and_mails_nothing(
        service: Ticketing, clock: ManualClock) -> None:
    relaxed = EmailVerifications(service.accounts, Outbox(service.store, clock), clock, "test-secret",
                                 "https://tickets.test/", required=False)
    ada = relaxed.sign_up("ada@example.com", "long enough", "Ada")
    assert relaxed.verified(ada.id) and mails(service) == []
    service.catalog.publish(ada.id, draft(service, ada.id).id)
