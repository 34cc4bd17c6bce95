"""Rate limits against bots (issue 13): how often one client IP, or one buyer, may do a thing.

Built on `limits` (moving windows, in memory): counts live in this process only, so with several
app instances each counts its own share (SQLite runs one process; behind a load balancer on
DynamoDB a shared storage such as Redis would be the next step: `limits` has it). Reusable: one
`RateLimiter` per action (reserving now, joining waitlists later), each with its own setting.

The setting is a `limits` string, several windows joined by ";" ("20/minute;200/hour"), or "off":
then `hit` returns at once without touching any counter (the hot path stays as cheap as before).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from eventflow.domain.errors import TooManyAttempts

OFF = frozenset({"", "off", "none", "0", "false"})


class RateLimited(TooManyAttempts):
    """Too many requests (429 `rate_limited`); `retry_after` whole seconds until one more is let through."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after, f"Too many requests. Please try again in {retry_after} seconds.")


class RateLimiter:
    """Limits per key (e.g. "ip:1.2.3.4", "buyer:<hash>") for one action."""

    def __init__(self, action: str, setting: str) -> None:
        self.action = action
        self.items: Sequence[RateLimitItem] = () if setting.strip().lower() in OFF else parse_many(setting)
        self._limiter = MovingWindowRateLimiter(MemoryStorage()) if self.items else None

    @property
    def enabled(self) -> bool:
        return self._limiter is not None

    def hit(self, *keys: str) -> None:
        """Count one attempt for every key; RateLimited when any key is over a window. An attempt
        refused for one key is not counted for the others (`test` first, then `hit`)."""
        limiter = self._limiter
        if limiter is None:
            return
        for item in self.items:
            for key in keys:
                if not limiter.test(item, self.action, key):
                    raise RateLimited(self._retry_after(limiter, item, key))
        for item in self.items:
            for key in keys:
                limiter.hit(item, self.action, key)

    def _retry_after(self, limiter: MovingWindowRateLimiter, item: RateLimitItem, key: str) -> int:
        reset_at = limiter.get_window_stats(item, self.action, key).reset_time
        return max(1, math.ceil(reset_at - time.time()))
