"""Organizer accounts: sign-up, password login (argon2), TOTP two-factor with recovery codes,
external (OpenID Connect) identities, and "log out everywhere"."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import replace

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from eventflow.domain.clock import Clock
from eventflow.domain.errors import Conflict, EmailTaken, NotFound, Unauthorized, ValidationFailed
from eventflow.domain.models import Organizer, new_id
from eventflow.domain.ports import Store

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOTP_ISSUER = "EventFlow"
RECOVERY_CODES = 10


class SecondFactorRequired(Unauthorized):
    """Enter the 6-digit code from your authenticator app (or a recovery code)."""

    code = "totp_required"


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationFailed("Enter a valid email address")
    return email


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


class Accounts:
    def __init__(self, store: Store, clock: Clock, password_hasher: PasswordHasher | None = None) -> None:
        self.store = store
        self.clock = clock
        self._hasher = password_hasher or PasswordHasher()

    def organizer(self, organizer_id: str) -> Organizer:
        organizer = self.store.get_organizer(organizer_id)
        if organizer is None:
            raise NotFound("No such account")
        return organizer

    # ------------------------------------------------------------ password
    def sign_up(self, email: str, password: str, name: str) -> Organizer:
        email = normalise_email(email)
        name = name.strip()
        if not name or len(name) > 120:
            raise ValidationFailed("Enter your name (up to 120 characters)")
        if len(password) < 8 or len(password) > 256:
            raise ValidationFailed("Choose a password of at least 8 characters")
        organizer = Organizer(
            id=new_id("org"),
            email=email,
            name=name,
            password_hash=self._hasher.hash(password),
            created_at=self.clock.now(),
        )
        self.store.add_organizer(organizer)
        return organizer

    def authenticate(self, email: str, password: str, second_factor: str | None = None) -> Organizer:
        """The organizer these credentials belong to; with 2FA on, the code is required too."""
        try:
            organizer = self.store.find_organizer_by_email(normalise_email(email))
        except ValidationFailed:
            organizer = None
        if organizer is None:
            # Spend the same time as a real check so response times do not reveal accounts.
            self._hasher.hash(password or "x")
            raise Unauthorized("Wrong email or password")
        try:
            self._hasher.verify(organizer.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise Unauthorized("Wrong email or password") from None
        if organizer.totp_secret:
            if not second_factor:
                raise SecondFactorRequired()
            if not self.check_second_factor(organizer, second_factor):
                raise Unauthorized("That code is not right; codes change every 30 seconds")
        return organizer

    # ------------------------------------------------------------ two-factor
    @staticmethod
    def new_totp_secret() -> str:
        return pyotp.random_base32()

    @staticmethod
    def provisioning_uri(organizer: Organizer, secret: str) -> str:
        return pyotp.TOTP(secret).provisioning_uri(name=organizer.email, issuer_name=TOTP_ISSUER)

    def enable_totp(self, organizer_id: str, secret: str, code: str) -> list[str]:
        """Turn 2FA on once the organizer proves their app shows the right code.

        Returns fresh recovery codes: shown once, stored only as hashes."""
        organizer = self.organizer(organizer_id)
        if not pyotp.TOTP(secret).verify(code.strip(), for_time=self.clock.now(), valid_window=1):
            raise ValidationFailed("That code does not match; check the time on your phone and try again")
        codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
        self.store.save_organizer(replace(
            organizer, totp_secret=secret, recovery_code_hashes=tuple(_digest(c) for c in codes)
        ))
        return codes

    def disable_totp(self, organizer_id: str, code: str) -> None:
        organizer = self.organizer(organizer_id)
        if organizer.totp_secret and not self.check_second_factor(organizer, code):
            raise ValidationFailed("That code is not right")
        self.store.save_organizer(replace(organizer, totp_secret=None, recovery_code_hashes=()))

    def check_second_factor(self, organizer: Organizer, code: str) -> bool:
        """A current TOTP code, or an unused recovery code (which is then used up)."""
        if organizer.totp_secret is None:
            return True
        code = code.strip()
        if code.isdigit() and len(code) == 6:
            return pyotp.TOTP(organizer.totp_secret).verify(code, for_time=self.clock.now(), valid_window=1)
        digest = _digest(code)
        if not any(hmac.compare_digest(digest, known) for known in organizer.recovery_code_hashes):
            return False
        remaining = tuple(h for h in organizer.recovery_code_hashes if h != digest)
        self.store.save_organizer(replace(organizer, recovery_code_hashes=remaining))
        return True

    # ------------------------------------------------------------ sessions
    def log_out_everywhere(self, organizer_id: str) -> Organizer:
        """Every session and API token issued so far stops working."""
        organizer = self.organizer(organizer_id)
        updated = replace(organizer, session_epoch=organizer.session_epoch + 1)
        self.store.save_organizer(updated)
        return updated

    # ------------------------------------------------------------ external identities
    def login_with_identity(
        self, issuer: str, subject: str, email: str | None, name: str | None, email_verified: bool
    ) -> Organizer:
        """An OpenID Connect login: the linked account, or a verified email's account, or a new one."""
        identity = f"{issuer}|{subject}"
        organizer = self.store.find_organizer_by_identity(identity)
        if organizer is not None:
            return organizer
        if not email or not email_verified:
            raise Unauthorized("Your identity provider did not confirm an email address")
        email = normalise_email(email)
        organizer = self.store.find_organizer_by_email(email)
        if organizer is None:
            organizer = Organizer(
                id=new_id("org"), email=email, name=(name or email.split("@")[0]).strip()[:120],
                # No password: this account logs in through its identity provider only.
                password_hash="!external", created_at=self.clock.now(),
            )
            try:
                self.store.add_organizer(organizer)
            except EmailTaken:  # created concurrently by a second callback
                organizer = self.store.find_organizer_by_email(email) or organizer
        try:
            self.store.add_identity(identity, organizer.id)
        except Conflict:
            linked = self.store.find_organizer_by_identity(identity)
            if linked is not None:
                return linked
            raise
        return organizer
