"""Two-factor codes (TOTP, RFC 6238): which 30-second step a code belongs to, and the secrets sealed at rest.

A code is accepted for the current step or one step either side (clock drift), and only for a step
later than the last one accepted for that organizer, so a code seen over someone's shoulder or in a
proxy log cannot be used a second time.

The shared secrets are stored sealed: AES-256-GCM with a key derived from the app's secret key by
HKDF-SHA256, the organizer id as associated data (a sealed secret copied onto another account does
not open). Secrets stored before sealing existed (plain base32) are still read; they are sealed on
the organizer's next save.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import datetime

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED_PREFIX = "aesgcm1:"
DRIFT_STEPS = 1  # a code from the previous or next 30-second step is accepted too
_HKDF_INFO = b"eventflow/totp-secret/v1"


class SecretBox:
    """Seals and opens TOTP secrets with a key derived from the app secret key."""

    def __init__(self, secret_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret_key.encode())
        self._aead = AESGCM(key)

    def seal(self, secret: str, organizer_id: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), organizer_id.encode())
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, stored: str, organizer_id: str) -> str:
        """The secret; a value without the prefix is a secret stored before sealing, used as is."""
        if not stored.startswith(SEALED_PREFIX):
            return stored
        raw = base64.urlsafe_b64decode(stored.removeprefix(SEALED_PREFIX))
        try:
            return self._aead.decrypt(raw[:12], raw[12:], organizer_id.encode()).decode()
        except InvalidTag:
            # Another secret key, or a value moved between accounts: no code can match it.
            raise ValueError("this TOTP secret was sealed with another key or for another account") from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


def matching_step(secret: str, code: str, now: datetime, after_step: int) -> int | None:
    """The step (30-second counter) this 6-digit code is valid for, if it is later than `after_step`."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
