"""Organizer accounts: sign-up, password login (argon2), TOTP two-factor with recovery codes,
external (OpenID Connect) identities, and "log out everywhere".

Every way in is guarded the same way: failed passwords and codes are counted per account and per
client (domain/login_limits.py) and written to the `eventflow.audit` log (never a password or a
code); a TOTP code works once (the organizer's last accepted step is kept); TOTP secrets are stored
sealed with a key derived from the app secret key (domain/totp.py)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from dataclasses import replace

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from eventflow.domain.clock import Clock
from eventflow.domain.errors import Conflict, EmailTaken, NotFound, Unauthorized, ValidationFailed
from eventflow.domain.language import supported_language
from eventflow.domain.login_limits import LoginLimits
from eventflow.domain.models import Organizer, new_id
from eventflow.domain.ports import Store
from eventflow.domain.totp import SecretBox, is_sealed, matching_step

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOTP_ISSUER = "EventFlow"
RECOVERY_CODES = 10
EXTERNAL_ONLY = "!external"  # the password hash of an account made by an identity provider login
# The identity that records an address proven by mail (domain/email_verification.py) or by a provider
VERIFIED_EMAIL = "verified-email|"

audit = logging.getLogger("eventflow.audit")


class SecondFactorRequired(Unauthorized):
    """Enter the 6-digit code from your authenticator app (or a recovery code)."""

    code = "totp_required"


class WrongCode(Unauthorized):
    """That code is not right; codes change every 30 seconds"""


class IdentityToConfirm(Unauthorized):
    """An EventFlow account already uses this email: confirm it is yours to continue."""

    code = "identity_confirmation_required"

    def __init__(self, organizer: Organizer, needs_password: bool, needs_code: bool) -> None:
        super().__init__()
        self.organizer_id, self.email = organizer.id, organizer.email
        self.needs_password, self.needs_code = needs_password, needs_code


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationFailed("Enter a valid email address")
    return email


def check_new_password(password: str) -> None:
    if len(password) < 8 or len(password) > 256:
        raise ValidationFailed("Choose a password of at least 8 characters")


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


class Accounts:
    def __init__(
        self, store: Store, clock: Clock, password_hasher: PasswordHasher | None = None,
        secret_key: str | None = None, limits: LoginLimits | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self._hasher = password_hasher or PasswordHasher()
        # Without a key (scripts, some tests) secrets are kept as they are; the app always passes one.
        self._box = SecretBox(secret_key) if secret_key else None
        self.limits = limits or LoginLimits()
        # A code check and the save of its step happen under this lock: two requests carrying the
        # same code at once cannot both get in (within this process; see docs/security.md).
        self._second_factor_lock = threading.Lock()

    def organizer(self, organizer_id: str) -> Organizer:
        organizer = self.store.get_organizer(organizer_id)
        if organizer is None:
            raise NotFound("No such account")
        return organizer

    # ------------------------------------------------------------ password
    def sign_up(self, email: str, password: str, name: str, language: str | None = None) -> Organizer:
        """A new account; `language`: the signup page's, their mails' from then on (None: English)."""
        email = normalise_email(email)
        name = name.strip()
        if not name or len(name) > 120:
            raise ValidationFailed("Enter your name (up to 120 characters)")
        check_new_password(password)
        organizer = Organizer(
            id=new_id("org"),
            email=email,
            name=name,
            password_hash=self._hasher.hash(password),
            created_at=self.clock.now(),
            language=supported_language(language),
        )
        self.store.add_organizer(organizer)
        return organizer

    def set_language(self, organizer_id: str, language: str | None) -> Organizer:
        """The organizer's mails' language (the account setting); anything but en/de/es: English."""
        self.store.set_organizer_language(organizer_id, supported_language(language))
        return self.organizer(organizer_id)

    def language_at_login(self, organizer: Organizer, language: str | None) -> Organizer:
        """A login's page language becomes the mails' language only while none is kept (accounts from
        before languages were kept, logins by provider): a chosen setting is never overwritten."""
        chosen = supported_language(language)
        if organizer.language is not None or chosen is None:
            return organizer
        self.store.set_organizer_language(organizer.id, chosen)
        return replace(organizer, language=chosen)

    def authenticate(
        self, email: str, password: str, second_factor: str | None = None, client: str | None = None
    ) -> Organizer:
        """The organizer these credentials belong to; with 2FA on, the code is required too.

        `client` is the caller's address: failures count against it and against the account, and
        past a limit this raises TooManyAttempts before looking at the password."""
        account = email.strip().lower()
        self.limits.check(account, client)
        try:
            organizer = self._password_owner(account, password)
            self._second_factor_passed(organizer, second_factor)
        except SecondFactorRequired:
            raise  # the password was right; nothing failed yet
        except Unauthorized as failure:
            self._failed(account, client, failure)
            raise
        audit.info("login: organizer=%s client=%s", organizer.id, client)
        return organizer

    def _password_owner(self, email: str, password: str) -> Organizer:
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
        return organizer

    def has_password(self, organizer: Organizer, password: str) -> bool:
        """Whether this is the account's password (no attempt is counted: for the server's own checks)."""
        try:
            return bool(self._hasher.verify(organizer.password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def set_password(self, organizer_id: str, password: str) -> Organizer:
        """A new password; every session and API token issued so far stops working."""
        check_new_password(password)
        organizer = self.organizer(organizer_id)
        updated = replace(organizer, password_hash=self._hasher.hash(password),
                          session_epoch=organizer.session_epoch + 1)
        self.store.save_organizer(updated)
        audit.info("password set: organizer=%s", organizer.id)
        return updated

    def _second_factor_passed(self, organizer: Organizer, code: str | None) -> None:
        if not organizer.totp_secret:
            return
        if not code:
            raise SecondFactorRequired()
        if not self.check_second_factor(organizer, code):
            raise WrongCode()

    def _failed(self, account: str, client: str | None, failure: Unauthorized) -> None:
        self.limits.failed(account, client)
        audit.warning("login failed: account=%s client=%s reason=%s", account, client, failure.detail)

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
        if matching_step(secret, code.strip(), self.clock.now(), after_step=-1) is None:
            raise ValidationFailed("That code does not match; check the time on your phone and try again")
        codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
        # The step is not remembered here: the organizer, already logged in, may log in again at
        # once with the code still on screen. From then on, each code works once.
        self.store.save_organizer(replace(
            organizer, totp_secret=self._seal(secret, organizer.id), totp_last_step=0,
            recovery_code_hashes=tuple(_digest(c) for c in codes),
        ))
        audit.info("two-factor on: organizer=%s", organizer.id)
        return codes

    def disable_totp(self, organizer_id: str, code: str, client: str | None = None) -> None:
        organizer = self.organizer(organizer_id)
        if organizer.totp_secret:
            self.limits.check(organizer.email, client)
            if not self.check_second_factor(organizer, code):
                self._failed(organizer.email, client, WrongCode("wrong code to turn two-factor off"))
                raise ValidationFailed("That code is not right")
            organizer = self.organizer(organizer_id)  # the check may have used up a code
        self.store.save_organizer(replace(organizer, totp_secret=None, recovery_code_hashes=()))
        audit.info("two-factor off: organizer=%s", organizer.id)

    def check_second_factor(self, organizer: Organizer, code: str) -> bool:
        """A current TOTP code not used before, or an unused recovery code; either is then used up."""
        if organizer.totp_secret is None:
            return True
        code = code.strip()
        with self._second_factor_lock:
            current = self.store.get_organizer(organizer.id) or organizer  # the latest step and codes
            if current.totp_secret is None:
                return True
            if code.isdigit() and len(code) == 6:
                return self._totp_passed(current, code)
            digest = _digest(code)
            if not any(hmac.compare_digest(digest, known) for known in current.recovery_code_hashes):
                return False
            remaining = tuple(h for h in current.recovery_code_hashes if h != digest)
            self._save_second_factor(current, recovery_code_hashes=remaining)
            audit.info("recovery code used: organizer=%s left=%d", current.id, len(remaining))
            return True

    def _totp_passed(self, organizer: Organizer, code: str) -> bool:
        secret = self._open(organizer)
        if secret is None:
            return False
        now = self.clock.now()
        step = matching_step(secret, code, now, after_step=organizer.totp_last_step)
        if step is None:
            if matching_step(secret, code, now, after_step=-1) is not None:
                audit.warning("TOTP code replayed: organizer=%s", organizer.id)
            return False
        self._save_second_factor(organizer, totp_last_step=step)
        return True

    def _save_second_factor(
        self, organizer: Organizer, totp_last_step: int | None = None,
        recovery_code_hashes: tuple[str, ...] | None = None,
    ) -> None:
        """Save what a code used up; a secret stored before sealing existed is sealed on the way."""
        secret = organizer.totp_secret
        if secret is not None and self._box is not None and not is_sealed(secret):
            secret = self._box.seal(secret, organizer.id)
        self.store.save_organizer(replace(
            organizer, totp_secret=secret,
            totp_last_step=organizer.totp_last_step if totp_last_step is None else totp_last_step,
            recovery_code_hashes=(organizer.recovery_code_hashes if recovery_code_hashes is None
                                  else recovery_code_hashes),
        ))

    def _seal(self, secret: str, organizer_id: str) -> str:
        return self._box.seal(secret, organizer_id) if self._box is not None else secret

    def _open(self, organizer: Organizer) -> str | None:
        stored = organizer.totp_secret
        if stored is None or self._box is None:
            return stored
        try:
            return self._box.open(stored, organizer.id)
        except ValueError:
            audit.error("TOTP secret of organizer=%s does not open with this secret key", organizer.id)
            return None

    # ------------------------------------------------------------ sessions
    def log_out_everywhere(self, organizer_id: str) -> Organizer:
        """Every session and API token issued so far stops working."""
        organizer = self.organizer(organizer_id)
        updated = replace(organizer, session_epoch=organizer.session_epoch + 1)
        self.store.save_organizer(updated)
        audit.info("logged out everywhere: organizer=%s", organizer.id)
        return updated

    # ------------------------------------------------------------ a verified email
    def email_verified(self, organizer: Organizer) -> bool:
        """Whether the account's address is proven: by our mail link, or by the identity provider
        that made the account (only a verified email makes one)."""
        if organizer.password_hash == EXTERNAL_ONLY:
            return True
        owner = self.store.find_organizer_by_identity(VERIFIED_EMAIL + organizer.email)
        return owner is not None and owner.id == organizer.id

    def mark_email_verified(self, organizer: Organizer) -> None:
        """Record the account's current address as proven (again: nothing changes)."""
        try:
            self.store.add_identity(VERIFIED_EMAIL + organizer.email, organizer.id)
        except Conflict:
            return  # recorded before
        audit.info("email verified: organizer=%s", organizer.id)

    # ------------------------------------------------------------ external identities
    def login_with_identity(
        self, issuer: str, subject: str, email: str | None, name: str | None, email_verified: bool
    ) -> Organizer:
        """An OpenID Connect login: the linked account, or a new one for a verified email.

        Raises IdentityToConfirm when the account is protected by more than the provider's word: it
        has two-factor login on (every way in asks for the code), or it is a password account with
        this email that the identity is not linked to yet (its password links it, once)."""
        identity = f"{issuer}|{subject}"
        organizer = self.store.find_organizer_by_identity(identity)
        if organizer is not None:
            if email_verified and email and email.strip().lower() == organizer.email:
                self.mark_email_verified(organizer)  # the provider vouches for the account's address
            if organizer.totp_secret:
                raise IdentityToConfirm(organizer, needs_password=False, needs_code=True)
            return organizer
        if not email or not email_verified:
            raise Unauthorized("Your identity provider did not confirm an email address")
        email = normalise_email(email)
        organizer = self.store.find_organizer_by_email(email)
        if organizer is not None and (organizer.password_hash != EXTERNAL_ONLY or organizer.totp_secret):
            raise IdentityToConfirm(organizer, needs_password=organizer.password_hash != EXTERNAL_ONLY,
                                    needs_code=bool(organizer.totp_secret))
        if organizer is None:
            organizer = Organizer(
                id=new_id("org"), email=email, name=(name or email.split("@")[0]).strip()[:120],
                # No password: this account logs in through its identity provider only.
                password_hash=EXTERNAL_ONLY, created_at=self.clock.now(),
            )
            try:
                self.store.add_organizer(organizer)
            except EmailTaken:  # created concurrently by a second callback
                organizer = self.store.find_organizer_by_email(email) or organizer
        return self._link(identity, organizer)

    def confirm_identity(
        self, issuer: str, subject: str, organizer_id: str, password: str | None, second_factor: str | None,
        client: str | None = None,
    ) -> Organizer:
        """Finish an identity login that IdentityToConfirm stopped: the account's password (to link
        the identity, once) and/or its two-factor code, counted like any login attempt."""
        identity = f"{issuer}|{subject}"
        organizer = self.organizer(organizer_id)
        linked = self.store.find_organizer_by_identity(identity)
        if linked is not None and linked.id != organizer.id:
            raise Unauthorized("This login is linked to another account")
        if linked is None and organizer.password_hash != EXTERNAL_ONLY:
            organizer = self.authenticate(organizer.email, password or "", second_factor, client)
            audit.info("identity linked after a password login: organizer=%s identity=%s", organizer.id, identity)
            # Only a provider-verified email of this account asks for its password (login_with_identity).
            self.mark_email_verified(organizer)
            return self._link(identity, organizer)
        self.limits.check(organizer.email, client)
        try:
            self._second_factor_passed(organizer, second_factor)
        except SecondFactorRequired:
            raise
        except Unauthorized as failure:
            self._failed(organizer.email, client, failure)
            raise
        return self._link(identity, organizer) if linked is None else organizer

    def _link(self, identity: str, organizer: Organizer) -> Organizer:
        try:
            self.store.add_identity(identity, organizer.id)
        except Conflict:
            linked = self.store.find_organizer_by_identity(identity)
            if linked is not None:
                return linked
            raise
        return organizer
