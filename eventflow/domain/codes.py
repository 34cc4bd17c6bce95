"""Rotating door codes: the QR payload `EF1.<ticket_id>.<code>`, code = TOTP of the ticket secret.

A screenshot goes stale within a minute because the code changes every 30 s step. This module is
the one home of the code window: the server judges codes with it, and the door scanner and the
ticket wallet (eventflow/static) receive the same figures in the manifest / ticket JSON
(`door_rules`), so a code gets the same verdict online and offline.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypedDict

import pyotp

from eventflow.domain.models import Ticket

PAYLOAD_PREFIX = "EF1"
CODE_DIGITS = 8
STEP_SECONDS = 30
ACCEPTED_STEPS = (-1, 0, 1)  # phones' clocks drift; a code is good for the step before and after
STALE_LOOKBACK_STEPS = 6 * 60 * 2  # codes up to six hours old are reported as screenshots, not garbage


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


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS)


def ticket_code(secret: str, at: datetime) -> str:
    return _totp(secret).at(at)


def qr_payload(ticket: Ticket, at: datetime) -> str:
    return f"{PAYLOAD_PREFIX}.{ticket.id}.{ticket_code(ticket.secret, at)}"


def code_valid_until(at: datetime) -> datetime:
    """The end of the 30 s step that contains `at` (when the code on screen changes)."""
    seconds = int(at.timestamp())
    return datetime.fromtimestamp(seconds - seconds % STEP_SECONDS + STEP_SECONDS, tz=UTC)


def parse_payload(payload: str) -> tuple[str, str] | None:
    """`EF1.<ticket_id>.<code>` -> (ticket_id, code); None when it is not one of our codes."""
    parts = payload.strip().split(".")
    if len(parts) != 3 or parts[0] != PAYLOAD_PREFIX or not parts[1]:
        return None
    code = parts[2]
    if len(code) != CODE_DIGITS or not code.isdigit():
        return None
    return parts[1], code


def code_age(secret: str, code: str, at: datetime) -> CodeAge:
    """VALID within ACCEPTED_STEPS around `at`, STALE for an older code within the look-back, else INVALID."""
    totp = _totp(secret)
    step = int(at.timestamp()) // STEP_SECONDS
    if any(hmac.compare_digest(totp.generate_otp(step + offset), code) for offset in ACCEPTED_STEPS):
        return CodeAge.VALID
    for back in range(-min(ACCEPTED_STEPS) + 1, STALE_LOOKBACK_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step - back), code):
            return CodeAge.STALE
    return CodeAge.INVALID
