"""An organizer's email check: a link by mail that proves the address is theirs, before they may
publish an event (drafts need no check).

The link is a `SignedLinks` token (domain/password_reset.py) bound to the account's email, valid
for three days; nothing is stored until it is opened. Being verified is recorded as an identity
`verified-email|<address>` linked to the account (the store's identity records, as an identity
provider's login is): proven by mail as an OpenID Connect login is proven by its provider, and tied
to that address. Accounts made by an identity provider's login from a verified email count as
verified (domain/accounts.py). One mail per account per quarter hour, like the reset link, so
"resend" cannot flood an inbox.

Whether publishing waits for the check is the server's choice (`Settings.requires_email_verification`):
always when it sends real mail; a server that only writes mail to files cannot deliver the link."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import quote

from eventflow.domain.accounts import Accounts
from eventflow.domain.clock import Clock
from eventflow.domain.errors import Conflict, Unauthorized
from eventflow.domain.language import words_for
from eventflow.domain.models import Organizer
from eventflow.domain.outbox import Outbox, OutgoingMail
from eventflow.domain.password_reset import MAIL_WINDOW_SECONDS, SignedLinks

LINK_LIFETIME = timedelta(days=3)
VERIFY_PATH = "/verify-email"

audit = logging.getLogger("eventflow.audit")


class EmailNotVerified(Conflict):
    """Confirm your email address before publishing: open the link we mailed you (or send a new one)."""

    code = "email_not_verified"


class VerifyLinkInvalid(Unauthorized):
    """This confirmation link has expired or is not for this account: send a new one."""


class EmailVerifications:
    def __init__(self, accounts: Accounts, outbox: Outbox, clock: Clock, secret_key: str, base_url: str,
                 required: bool = True) -> None:
        self.accounts, self.outbox, self.clock = accounts, outbox, clock
        self.required = required  # publishing waits for the check (Catalog.publish_check is set)
        self.links = SignedLinks("email verification", secret_key, clock, lambda organizer: organizer.email)
        self.base_url = base_url.rstrip("/")

    def sign_up(self, email: str, password: str, name: str, language: str | None = None) -> Organizer:
        """A new organizer account; when the check is required, its link goes out at once (in `language`)."""
        organizer = self.accounts.sign_up(email, password, name, language)
        if self.required:
            self.send_link(organizer.id)
        return organizer

    def send_link(self, organizer_id: str, language: str | None = None) -> bool:
        """Mail the account a confirmation link (at most one per quarter hour), in `language` (the page's
        where it was asked for; None: English); False when it is verified already, so nothing was sent."""
        organizer = self.accounts.organizer(organizer_id)
        if self.accounts.email_verified(organizer):
            return False
        now = int(self.clock.now().timestamp())
        token = self.links.token(organizer, now + int(LINK_LIFETIME.total_seconds()))
        link = f"{self.base_url}{VERIFY_PATH}?token={quote(token)}"
        words = words_for(language or organizer.language)
        text = words("Hello {name},\n\nplease confirm that {email} is your address, so you can publish events on "
                     "EventFlow:\n\n{link}\n\nThe link works for three days. If you did not sign up, ignore this "
                     "mail.\n").format(name=organizer.name, email=organizer.email, link=link)
        self.outbox.enqueue(f"verify-email:{organizer.id}:{now // MAIL_WINDOW_SECONDS}",
                            OutgoingMail(to=organizer.email, subject=words("Confirm your EventFlow email"),
                                         text=text))
        audit.info("email confirmation link sent: organizer=%s", organizer.id)
        return True

    def confirm(self, token: str) -> Organizer:
        """Record the account's address as verified; VerifyLinkInvalid for a bad or expired link."""
        organizer = self.links.holder(token, self.accounts.store.get_organizer)
        if organizer is None:
            raise VerifyLinkInvalid()
        self.accounts.mark_email_verified(organizer)
        return organizer

    def verified(self, organizer_id: str) -> bool:
        """Whether this organizer may publish as far as the email check goes."""
        if not self.required:
            return True
        return self.accounts.email_verified(self.accounts.organizer(organizer_id))

    def require_verified(self, organizer_id: str) -> None:
        """The publish rule (Catalog.publish_check): EmailNotVerified (409) until the link was opened."""
        if not self.verified(organizer_id):
            raise EmailNotVerified()
