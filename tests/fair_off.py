"""The limits against bots (issue 13) switched off, for test servers and benchmarks: they reuse one buyer
and one client address for hundreds of holds, which the product's defaults (on) would refuse. Tests of the
limits themselves turn them on explicitly; tests/api/test_fair_defaults.py checks the product's defaults."""

from __future__ import annotations

import os

FAIR_OFF = {
    "EVENTFLOW_ONE_HOLD_PER_BUYER": "false",
    "EVENTFLOW_RESERVE_RATE_LIMIT": "off",
    "EVENTFLOW_WAITLIST_JOIN_RATE_LIMIT": "off",
    "EVENTFLOW_ROOM_JOIN_RATE_LIMIT": "off",
    "EVENTFLOW_DROP_HOLD_MINUTES": "0",
}


def opt_out() -> None:
    """Into this process's environment (servers the tests start inherit it), unless a test run sets them."""
    for name, value in FAIR_OFF.items():
        os.environ.setdefault(name, value)
