"""How a send may end is one rule (`domain/outbox.send_ending`): the sender checks it before it
writes, and every store refuses the same (tests/store/test_contract_outbox.py)."""

from __future__ import annotations

import pytest

from eventflow.domain.clock import ManualClock
from eventflow.domain.outbox import SEND_ENDINGS, OutboxSender, OutboxStatus, send_ending
from tests.fakes.memory_store import InMemoryStore


def test_only_sent_pending_failed_or_unknown_end_a_send() -> None:
    assert {s for s in OutboxStatus if s is not OutboxStatus.SENDING} == SEND_ENDINGS
    for status in SEND_ENDINGS:
        assert send_ending(status) is status
    with pytest.raises(ValueError, match="a send finishes as SENT, PENDING, FAILED or UNKNOWN"):
        send_ending(OutboxStatus.SENDING)


def test_the_sender_refuses_before_the_store_is_asked() -> None:
    finishes: list[str] = []

    class Watching(InMemoryStore):
        def finish_outbox_send(self, key, status, now, next_attempt_at=None, error=""):  # type: ignore[no-untyped-def]
            finishes.append(key)
            return super().finish_outbox_send(key, status, now, next_attempt_at, error)

    store = Watching()
    sender = OutboxSender(store, ManualClock(), mailer=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sender._finish("k1", OutboxStatus.SENDING)
    assert finishes == []
