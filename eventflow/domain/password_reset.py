"""Password reset by mail link: "forgot my password" and "change my password" alike.

The link carries `<organizer id>.<expiry>.<mac>`. The MAC (HMAC-SHA256 with a key derived from the
app secret) covers the id, the expiry AND the account's current password hash and session epoch,
none of which the link shows: so a link works until it expires (an hour), once (the new password
changes the hash), and not after "log out everywhere". Nothing is stored.

Asking never says whether an account exists (the page answers the same either way), and an account
gets at most one mail per quarter hour (the outbox key names the window), so the form cannot be
used to flood someone's inbox. Accounts that log in through an identity provider only have no
password to reset and get no mail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote

from eventflow.domain.accounts import EXTERNAL_ONLY, Accounts, normalise_email
from eventflow.domain.clock import Clock
from eventflow.domain.errors import Unauthorized, ValidationFailed
from eventflow.domain.language import words_for
from eventflow.domain.models import Organizer
from eventflow.domain.outbox import Outbox, OutgoingMail

LINK_LIFETIME = timedelta(hours=1)
MAIL_WINDOW_SECONDS = 15 * 60  # one mail per account per quarter hour
RESET_PATH = "/reset-password"

audit = logging.getLogger("eventflow.audit")


class ResetLinkInvalid(Unauthorized):
    """This link has expired or was used already: ask for a new one."""


class SignedLinks:
    """`<organizer id>.<expiry>.<mac>` tokens for mail links (this module's password reset, the email
    check in domain/email_verification.py). The MAC covers the id, the expiry and whatever `bound`
    says of the account now, with a key of its own per `purpose`: a link stops working when that
    changes. Nothing is stored."""

    def __init__(self, purpose: str, secret_key: str, clock: Clock, bound: Callable[[Organizer], str]) -> None:
        self._key = hashlib.sha256(f"eventflow {purpose}\0{secret_key}".encode()).digest()
        self.clock, self.bound = clock, bound

    def token(self, organizer: Organizer, expires: int) -> str:
        payload = f"{organizer.id}.{expires}"
        return f"{payload}.{self._mac(organizer, payload)}"

    def holder(self, token: str, find: Callable[[str], Organizer | None]) -> Organizer | None:
        """The account a valid, unexpired token is for (looked up with `find`); None otherwise."""
        try:
            organizer_id, expires, mac = token.split(".")
            expires_at = int(expires)
        except ValueError:
            return None
        organizer = find(organizer_id)
        if organizer is None or expires_at < self.clock.now().timestamp() \
                or not hmac.compare_digest(mac, self._mac(organizer, f"{organizer_id}.{expires}")):
            return None
        return organizer

    def _mac(self, organizer: Organizer, payload: str) -> str:
        digest = hmac.new(self._key, f"{payload}\0{self.bound(organizer)}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class PasswordResets:
    def __init__(self, accounts: Accounts, outbox: Outbox, clock: Clock, secret_key: str, base_url: str) -> None:
        self.accounts, self.outbox, self.clock = accounts, outbox, clock
        # Bound to the password hash and session epoch: used once, and not after "log out everywhere".
        self.links = SignedLinks("password reset", secret_key, clock,
                                 lambda organizer: f"{organizer.password_hash}\0{organizer.session_epoch}")
        self.base_url = base_url.rstrip("/")

    def request(self, email: str, language: str | None = None) -> None:
        """Mail a reset link to the account with this email, if there is one (silently nothing otherwise);
        in `language`, the page's where it was asked for (None: English)."""
        try:
            organizer = self.accounts.store.find_organizer_by_email(normalise_email(email))
        except ValidationFailed:
            return
        if organizer is None or organizer.password_hash == EXTERNAL_ONLY:
            return
        now = int(self.clock.now().timestamp())
        token = self.token(organizer, now + int(LINK_LIFETIME.total_seconds()))
        link = f"{self.base_url}{RESET_PATH}?token={quote(token)}"
        words = words_for(language or organizer.language)
        text = words("Hello {name},\n\nsomeone (hopefully you) asked to choose a new password for the EventFlow "
                     "organizer account {email}. Choose it here within the hour:\n\n{link}\n\nThe link works once. "
                     "If this was not you, ignore this mail: your password stays as it is.\n").format(
            name=organizer.name, email=organizer.email, link=link)
        self.outbox.enqueue(f"password-reset:{organizer.id}:{now // MAIL_WINDOW_SECONDS}",
                            OutgoingMail(to=organizer.email, subject=words("Choose a new EventFlow password"),
                                         text=text))
        audit.info("password reset link sent: organizer=%s", organizer.id)

    def token(self, organizer: Organizer, expires: int) -> str:
        return self.links.token(organizer, expires)

    def holder(self, token: str) -> Organizer:
        """The account a valid, unused, unexpired link is for; ResetLinkInvalid otherwise."""
        organizer = self.links.holder(token, self.accounts.store.get_organizer)
        if organizer is None:
            raise ResetLinkInvalid()
        return organizer

    def reset(self, token: str, new_password: str) -> Organizer:
        """Set the new password (every session so far ends); the link stops working."""
        organizer = self.holder(token)
        updated = self.accounts.set_password(organizer.id, new_password)
        audit.info("password reset by mail link: organizer=%s", organizer.id)
        return updated
