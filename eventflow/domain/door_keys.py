"""The server's door keys: one Ed25519 key pair per event, and the stamp on each manifest.

Door devices verify ticket codes but cannot make them: the server signs each 30-second code of a
ticket with the event's private key (`EF2.<ticket_id>.<step>.<signature>`), the wallet carries
the signed codes for the next hours, and the scanner's manifest holds only the event's public key.

Nothing here is stored: every key is derived with HKDF-SHA256 from the app's secret key and the
event id (so no store schema change, and every server of one installation derives the same keys).
Rotating the app's secret key therefore changes every event's door key: wallets and scanners
fetch fresh codes and manifests the next time they are online.

The manifest stamp (`<unix seconds>.<mac>`) tells the server, on an offline upload, when the
manifest the device judged with was fetched: the device cannot claim an older manifest than it had.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

SIGNED_PREFIX = "EF2"
SIGNATURE_CHARS = 86  # 64 bytes, base64url without padding
_SALT = b"eventflow door keys v1"
_KEYS_CACHED = 1024  # events whose key pairs stay in memory (deriving one costs ~0.1 ms)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes | None:
    """Strict base64url without padding; None for anything else (no exceptions for a scanner's input)."""
    if not text.isascii():
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None


def signed_message(ticket_id: str, step: int, transfers: int = 0) -> bytes:
    """What the event key signs: the payload up to its last dot, as the scanner's JavaScript rebuilds it,
    plus `~<transfers>` once the ticket was handed on (domain/transfers.py): the payload looks the same,
    but a code shown before a transfer no longer verifies against the ticket's count in the manifest."""
    suffix = f"~{transfers}" if transfers else ""
    return f"{SIGNED_PREFIX}.{ticket_id}.{step}{suffix}".encode("ascii")


PASS_PREFIX = "EFP"


def pass_message(ticket_id: str, transfers: int = 0) -> bytes:
    """What the event key signs for a wallet pass's static code `EFP.<ticket_id>.<signature>`
    (domain/wallet_passes.py): the ticket and its transfer count, no step (a pass cannot rotate). Its own
    prefix, so a pass signature never verifies as a rotating code's or the other way round."""
    suffix = f"~{transfers}" if transfers else ""
    return f"{PASS_PREFIX}.{ticket_id}{suffix}".encode("ascii")


class DoorKeys:
    """Derives, caches and uses the per-event door keys of one installation."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("door keys need the app's secret key")
        self._master = secret_key.encode()
        self._private: dict[str, Ed25519PrivateKey] = {}
        self._public: dict[str, Ed25519PublicKey] = {}
        self._lock = threading.Lock()
        self._stamp_key = self._derive("manifest-stamp")

    def _derive(self, label: str) -> bytes:
        return HKDF(algorithm=SHA256(), length=32, salt=_SALT, info=label.encode()).derive(self._master)

    def _event_key(self, event_id: str) -> Ed25519PrivateKey:
        with self._lock:
            key = self._private.get(event_id)
        if key is None:
            key = Ed25519PrivateKey.from_private_bytes(self._derive(f"event-signing:{event_id}"))
            with self._lock:
                if len(self._private) >= _KEYS_CACHED:
                    self._private.clear()
                    self._public.clear()
                self._private[event_id] = key
                self._public[event_id] = key.public_key()
        return key

    def _event_public(self, event_id: str) -> Ed25519PublicKey:
        with self._lock:
            public = self._public.get(event_id)
        return public if public is not None else self._event_key(event_id).public_key()

    def public_key(self, event_id: str) -> str:
        """The event's public key, raw 32 bytes as base64url: what the scanner's manifest carries."""
        return b64url(self._event_public(event_id).public_bytes(Encoding.Raw, PublicFormat.Raw))

    def sign(self, event_id: str, ticket_id: str, step: int, transfers: int = 0) -> str:
        """The signature of one 30-second code of a ticket (base64url, 86 characters)."""
        return b64url(self._event_key(event_id).sign(signed_message(ticket_id, step, transfers)))

    def payload(self, event_id: str, ticket_id: str, step: int, transfers: int = 0) -> str:
        return f"{SIGNED_PREFIX}.{ticket_id}.{step}.{self.sign(event_id, ticket_id, step, transfers)}"

    def verify(self, event_id: str, ticket_id: str, step: int, signature: bytes, transfers: int = 0) -> bool:
        try:
            self._event_public(event_id).verify(signature, signed_message(ticket_id, step, transfers))
        except InvalidSignature:
            return False
        return True

    def sign_pass(self, event_id: str, ticket_id: str, transfers: int = 0) -> str:
        """The signature on a wallet pass's static code (base64url, 86 characters)."""
        return b64url(self._event_key(event_id).sign(pass_message(ticket_id, transfers)))

    def verify_pass(self, event_id: str, ticket_id: str, signature: bytes, transfers: int = 0) -> bool:
        """What the scanner checks offline with the manifest's public key (static/door.js), on the server."""
        try:
            self._event_public(event_id).verify(signature, pass_message(ticket_id, transfers))
        except InvalidSignature:
            return False
        return True

    # ---------------------------------------------------------------- manifest stamps
    def _stamp_mac(self, event_id: str, seconds: int) -> str:
        mac = hmac.new(self._stamp_key, f"{event_id}.{seconds}".encode(), hashlib.sha256).digest()
        return b64url(mac[:16])

    def manifest_stamp(self, event_id: str, at: datetime) -> str:
        """`<unix seconds>.<mac>`: when this event's manifest was issued, in a form only the server makes."""
        seconds = int(at.timestamp())
        return f"{seconds}.{self._stamp_mac(event_id, seconds)}"

    def stamp_time(self, event_id: str, stamp: str) -> datetime | None:
        """When the server issued `stamp` for this event; None when it did not (forged, other event, garbage)."""
        seconds, _, mac = stamp.partition(".")
        if not (seconds.isascii() and seconds.isdigit() and len(seconds) <= 12 and mac.isascii()):
            return None
        if not hmac.compare_digest(self._stamp_mac(event_id, int(seconds)), mac):
            return None
        return datetime.fromtimestamp(int(seconds), tz=UTC)
