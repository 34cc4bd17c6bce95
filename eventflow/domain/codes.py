"""Rotating door codes: the QR payload `EF1.<ticket_id>.<code>`, code = TOTP of the ticket secret.

A screenshot goes stale within a minute because the code changes every 30 s step.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp

from eventflow.domain.models import Ticket

PAYLOAD_PREFIX = "EF1"
CODE_DIGITS = 8
STEP_SECONDS = 30


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
