"""How many failed logins, token requests and two-factor codes an account and a client may try.

Failures are counted (with the `limits` library, moving windows) per account and per client
address; a success costs nothing, so an organizer who logs in often is never slowed down. Once a
limit is reached every attempt is refused before the password is even checked, so a guesser learns
nothing more until the window moves on.

The counters live in this process's memory (`memory://`). Several app instances behind one
address need a shared storage (e.g. `redis://...`, any `limits` storage URI), or each instance
allows its own share of guesses.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from eventflow.domain.errors import TooManyAttempts

# An account: a handful a minute; 20 an hour keeps a 6-digit code out of reach (~500 guesses a day
# against 3 valid codes in a million).
PER_ACCOUNT = "5/minute;20/hour"
# A client address: room for an office or a café behind one address, not for a password list.
PER_CLIENT = "20/minute;100/hour"

audit = logging.getLogger("eventflow.audit")


class LoginLimits:
    """Failed attempts, counted per account and per client; `check` before trying, `failed` after."""

    def __init__(
        self, per_account: str = PER_ACCOUNT, per_client: str = PER_CLIENT, storage_uri: str = "memory://"
    ) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._per_account: list[RateLimitItem] = parse_many(per_account)
        self._per_client: list[RateLimitItem] = parse_many(per_client)

    def _keys(self, account: str, client: str | None) -> list[tuple[RateLimitItem, str, str]]:
        keys = [(item, "account", account) for item in self._per_account]
        if client:
            keys += [(item, "client", client) for item in self._per_client]
        return keys

    def check(self, account: str, client: str | None) -> None:
        """Raise TooManyAttempts (with the seconds to wait) when the account or client used up a limit."""
        waits = [
            self._limiter.get_window_stats(item, kind, key).reset_time - time.time()
            for item, kind, key in self._keys(account, client)
            if not self._limiter.test(item, kind, key)
        ]
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            audit.warning("login refused: too many failures (account=%s client=%s retry_after=%ds)",
                          account, client, retry_after)
            raise TooManyAttempts(retry_after)

    def failed(self, account: str, client: str | None) -> None:
        for item, kind, key in self._keys(account, client):
            self._limiter.hit(item, kind, key)

    def reset(self) -> None:
        """Forget every counter (tests, or an operator after an incident)."""
        self._limiter.storage.reset()
