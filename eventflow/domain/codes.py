"""Rotating door codes: what a ticket's QR code says, and how old a shown code is.

Two payloads are in circulation:

- `EF2.<ticket_id>.<step>.<signature>` (signed codes): the server signs each 30-second step of a
  ticket with the event's Ed25519 key (domain/door_keys.py). Wallets carry signatures for the next
  hours; door devices hold only the public key, so they can verify a code but never make one.
- `EF1.<ticket_id>.<8 digits>` (legacy): the TOTP of the ticket's secret. Still accepted while
  the ticket's event is not over; see DoorCheckIn and docs/door.md for who may still verify it.

A screenshot goes stale within a minute because the code changes every 30 s step. This module is
the one home of the code window: the server judges codes with it, and the door scanner and the
ticket wallet (eventflow/static) receive the same figures in the manifest / ticket JSON
(`door_rules`), so a code gets the same verdict online and offline.
"""

from __future__ import annotations

import base64
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypedDict

import pyotp

from eventflow.domain.door_keys import SIGNATURE_CHARS, SIGNED_PREFIX, DoorKeys, from_b64url
from eventflow.domain.models import Ticket

LEGACY_PREFIX = "EF1"
PAYLOAD_PREFIX = LEGACY_PREFIX  # the name the legacy payload had
CODE_DIGITS = 8
STEP_SECONDS = 30
ACCEPTED_STEPS = (-1, 0, 1)  # phones' clocks drift; a code is good for the step before and after
STALE_LOOKBACK_STEPS = 6 * 60 * 2  # codes up to six hours old are reported as screenshots, not garbage
MAX_PAYLOAD_CHARS = 200
_TICKET_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # ids are `tkt_` + base64url (models.new_id)
_STEP = re.compile(r"[0-9]{1,12}")


class CodeAge(StrEnum):
    VALID = "valid"
    STALE = "stale"  # once valid, within the look-back: a screenshot
    INVALID = "invalid"


class DoorRules(TypedDict):
    """The code window as the door's JavaScript receives it (manifest and ticket JSON)."""

    step_seconds: int
    digits: int
    accepted_steps: list[int]
    stale_lookback_steps: int


def door_rules() -> DoorRules:
    return DoorRules(step_seconds=STEP_SECONDS, digits=CODE_DIGITS, accepted_steps=list(ACCEPTED_STEPS),
                     stale_lookback_steps=STALE_LOOKBACK_STEPS)


@dataclass(frozen=True, slots=True)
class LegacyCode:
    """`EF1.<ticket_id>.<digits>`: a TOTP code of the ticket's secret."""

    ticket_id: str
    digits: str


@dataclass(frozen=True, slots=True)
class SignedCode:
    """`EF2.<ticket_id>.<step>.<signature>`: one step of a ticket, signed with its event's key."""

    ticket_id: str
    step: int
    signature: bytes


DoorCode = LegacyCode | SignedCode


def step_of(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def step_start(step: int) -> datetime:
    return datetime.fromtimestamp(step * STEP_SECONDS, tz=UTC)


def code_valid_until(at: datetime) -> datetime:
    """The end of the 30 s step that contains `at` (when the code on screen changes)."""
    return step_start(step_of(at) + 1)


# ------------------------------------------------------------------ reading a scanned payload
def parse_payload(payload: str) -> DoorCode | None:
    """A scanned text -> the code it shows; None when it is not one of ours. Cheap and total: any
    string (full-width digits, emoji, 10 kB of junk) gets an answer, and no crypto runs here."""
    text = payload.strip()
    if len(text) > MAX_PAYLOAD_CHARS or not text.isascii():
        return None
    parts = text.split(".")
    if len(parts) == 3 and parts[0] == LEGACY_PREFIX and _TICKET_ID.fullmatch(parts[1]):
        return LegacyCode(parts[1], parts[2]) if is_legacy_digits(parts[2]) else None
    if len(parts) == 4 and parts[0] == SIGNED_PREFIX and _TICKET_ID.fullmatch(parts[1]) \
            and _STEP.fullmatch(parts[2]) and len(parts[3]) == SIGNATURE_CHARS:
        signature = from_b64url(parts[3])
        return SignedCode(parts[1], int(parts[2]), signature) if signature and len(signature) == 64 else None
    return None


def is_ticket_id(text: str) -> bool:
    return _TICKET_ID.fullmatch(text) is not None


def is_legacy_digits(code: str) -> bool:
    """Eight ASCII digits (str.isdigit alone takes full-width and other Unicode digits)."""
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


def step_age(step: int, at: datetime) -> CodeAge:
    """Where a step sits around `at`, before any signature is checked: the cheap half of the verdict."""
    offset = step - step_of(at)
    if min(ACCEPTED_STEPS) <= offset <= max(ACCEPTED_STEPS):
        return CodeAge.VALID
    if -STALE_LOOKBACK_STEPS <= offset < min(ACCEPTED_STEPS):
        return CodeAge.STALE
    return CodeAge.INVALID


def signed_code_age(keys: DoorKeys, event_id: str, code: SignedCode, at: datetime, transfers: int = 0) -> CodeAge:
    """VALID or STALE as the step says, once the event's key vouches for it (for the ticket's current
    transfer count); else INVALID."""
    age = step_age(code.step, at)
    if age is CodeAge.INVALID or not keys.verify(event_id, code.ticket_id, code.step, code.signature, transfers):
        return CodeAge.INVALID
    return age


# ------------------------------------------------------------------ legacy EF1 codes (TOTP)
def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS)


def ticket_code(secret: str, at: datetime) -> str:
    return _totp(secret).at(at)


def legacy_payload(ticket: Ticket, at: datetime) -> str:
    return f"{LEGACY_PREFIX}.{ticket.id}.{ticket_code(ticket.secret, at)}"


def _hotp(key: bytes, counter: int) -> str:
    """RFC 4226 as pyotp computes it, without its per-call overhead: the stale look-back runs 720 of these."""
    mac = hmac.digest(key, struct.pack(">Q", counter), "sha1")
    offset = mac[-1] & 0x0F
    binary = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(binary % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def code_age(secret: str, code: str, at: datetime) -> CodeAge:
    """VALID within ACCEPTED_STEPS around `at`, STALE for an older code within the look-back, else INVALID."""
    if not is_legacy_digits(code):
        return CodeAge.INVALID
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    step = step_of(at)
    if any(hmac.compare_digest(_hotp(key, step + offset), code) for offset in ACCEPTED_STEPS):
        return CodeAge.VALID
    for back in range(-min(ACCEPTED_STEPS) + 1, STALE_LOOKBACK_STEPS + 1):
        if hmac.compare_digest(_hotp(key, step - back), code):
            return CodeAge.STALE
    return CodeAge.INVALID
