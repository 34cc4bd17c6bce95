"""The outbox's rows (`OutboxStore`, domain/outbox.py) on every store: a key is enqueued once, a due
message is claimed by exactly one sender, every status change is conditional on the status it leaves,
and the organizer's progress and problem listings count every row once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from eventflow.domain.outbox import EventMailSettings, MailAttachment, OutboxMessage, OutboxStatus, OutgoingMail

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
MAIL = OutgoingMail(to="Ada <ada@example.com>", subject="Doors open at 7", text="See you there\nÄ ✓",
                    attachments=(MailAttachment("event.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n\x00\xff"),),
                    html="<p>See you</p>")


def message(key: str, at: datetime = T0, event_id: str = "ev1", batch: str = "b1",
            mail: OutgoingMail = MAIL) -> OutboxMessage:
    return OutboxMessage(key=key, mail=mail, created_at=at, next_attempt_at=at, event_id=event_id, batch=batch,
                         updated_at=at)


def test_a_key_is_enqueued_once_and_read_back_whole(store: Any) -> None:
    assert store.add_outbox_message(message("k1"))
    assert not store.add_outbox_message(message("k1", mail=OutgoingMail("eve@example.com", "other", "x")))
    stored = store.get_outbox_message("k1")
    assert stored == OutboxMessage(
        key="k1", mail=MAIL, created_at=T0, next_attempt_at=T0, event_id="ev1", batch="b1",
        status=OutboxStatus.PENDING, attempts=0, updated_at=T0, last_error="")
    assert stored.created_at.tzinfo == UTC
    assert store.get_outbox_message("nope") is None


def test_a_fan_out_stores_the_new_keys_and_skips_the_taken_ones(store: Any) -> None:
    store.add_outbox_message(message("k1"))
    other = OutgoingMail("eve@example.com", "other", "x")
    fan_out = [message("k0"), message("k1", mail=other), message("k2"), message("k2", mail=other)]
    assert store.add_outbox_messages(fan_out) == 2
    assert store.get_outbox_message("k1").mail == MAIL and store.get_outbox_message("k2").mail == MAIL
    assert [m.key for m in store.due_outbox_messages(T0, 10)] == ["k0", "k1", "k2"]
    assert store.add_outbox_messages([]) == 0


def test_a_key_stays_taken_after_it_was_sent(store: Any) -> None:
    store.add_outbox_message(message("k1"))
    assert store.start_outbox_send("k1", 0, T0) is not None
    assert store.finish_outbox_send("k1", OutboxStatus.SENT, T0)
    assert not store.add_outbox_message(message("k1"))
    assert store.get_outbox_message("k1").status == OutboxStatus.SENT


def test_due_messages_are_pending_and_due_in_order(store: Any) -> None:
    store.add_outbox_message(message("b", at=T0))
    store.add_outbox_message(message("a", at=T0))
    store.add_outbox_message(message("c", at=T0 - timedelta(minutes=1)))
    store.add_outbox_message(message("later", at=T0 + timedelta(seconds=1)))
    assert [m.key for m in store.due_outbox_messages(T0, 10)] == ["c", "a", "b"]
    assert [m.key for m in store.due_outbox_messages(T0, 2)] == ["c", "a"]
    store.start_outbox_send("a", 0, T0)
    assert [m.key for m in store.due_outbox_messages(T0, 10)] == ["c", "b"]


def test_a_claim_is_won_once_and_counts_the_attempt(store: Any) -> None:
    store.add_outbox_message(message("k1"))
    assert store.start_outbox_send("k1", 1, T0) is None  # a stale read of the attempts
    claimed = store.start_outbox_send("k1", 0, T0 + timedelta(seconds=5))
    assert claimed.status == OutboxStatus.SENDING and claimed.attempts == 1
    assert claimed.updated_at == T0 + timedelta(seconds=5) and claimed.mail == MAIL
    assert store.start_outbox_send("k1", 0, T0) is None
    assert store.start_outbox_send("unknown", 0, T0) is None


def test_senders_that_read_the_same_due_list_claim_each_message_once(store: Any) -> None:
    """The race written out step by step (in-process moto is not atomic under threads): both senders
    read the due list before either claims, then both try every message; the conditional claim decides."""
    for i in range(20):
        store.add_outbox_message(message(f"k{i:02}"))
    seen_by = [store.due_outbox_messages(T0, 100) for _ in range(3)]
    won = [m.key for due in seen_by for m in due if store.start_outbox_send(m.key, m.attempts, T0) is not None]
    assert sorted(won) == [f"k{i:02}" for i in range(20)]
    assert all(store.get_outbox_message(f"k{i:02}").attempts == 1 for i in range(20))


def test_racing_sender_threads_claim_each_message_once(store: Any) -> None:
    if not store.inline_safe:
        pytest.skip("in-process moto is not atomic under threads; the step-by-step race above covers DynamoDB")
    for i in range(50):
        store.add_outbox_message(message(f"k{i:02}"))
    won: list[str] = []
    lock = threading.Lock()

    def sender() -> None:
        for m in store.due_outbox_messages(T0, 100):
            if store.start_outbox_send(m.key, m.attempts, T0) is not None:
                with lock:
                    won.append(m.key)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [f"k{i:02}" for i in range(50)]


def test_a_failed_send_comes_back_due_later_and_is_claimed_by_its_new_attempt_count(store: Any) -> None:
    store.add_outbox_message(message("k1"))
    store.start_outbox_send("k1", 0, T0)
    retry_at = T0 + timedelta(seconds=30)
    assert store.finish_outbox_send("k1", OutboxStatus.PENDING, T0, next_attempt_at=retry_at, error="421 busy")
    assert not store.finish_outbox_send("k1", OutboxStatus.SENT, T0)  # not sending any more
    stored = store.get_outbox_message("k1")
    assert (stored.status, stored.attempts, stored.next_attempt_at, stored.last_error) == (
        OutboxStatus.PENDING, 1, retry_at, "421 busy")
    assert store.due_outbox_messages(retry_at - timedelta(microseconds=1), 10) == []
    assert [m.key for m in store.due_outbox_messages(retry_at, 10)] == ["k1"]
    assert store.start_outbox_send("k1", 0, retry_at) is None
    assert store.start_outbox_send("k1", 1, retry_at).attempts == 2


def test_finishing_needs_a_send_in_progress(store: Any) -> None:
    store.add_outbox_message(message("k1"))
    assert not store.finish_outbox_send("k1", OutboxStatus.SENT, T0)
    assert not store.finish_outbox_send("unknown", OutboxStatus.SENT, T0)
    with pytest.raises(ValueError):
        store.finish_outbox_send("k1", OutboxStatus.SENDING, T0)
    assert store.get_outbox_message("k1").status == OutboxStatus.PENDING


def test_stale_sends_are_those_started_long_enough_ago(store: Any) -> None:
    for key, started in (("old", T0), ("older", T0 - timedelta(minutes=5)), ("new", T0 + timedelta(minutes=1))):
        store.add_outbox_message(message(key))
        store.start_outbox_send(key, 0, started)
    assert [m.key for m in store.stale_outbox_sends(T0, 10)] == ["older", "old"]
    store.finish_outbox_send("old", OutboxStatus.UNKNOWN, T0, error="died")
    assert [m.key for m in store.stale_outbox_sends(T0, 10)] == ["older"]
    assert store.due_outbox_messages(T0 + timedelta(days=1), 10) == []  # unknown is never due by itself


def test_retry_brings_back_failed_and_unknown_only(store: Any) -> None:
    for key, status in (("f", OutboxStatus.FAILED), ("u", OutboxStatus.UNKNOWN), ("s", OutboxStatus.SENT)):
        store.add_outbox_message(message(key))
        store.start_outbox_send(key, 0, T0)
        store.finish_outbox_send(key, status, T0, error="x")
    store.add_outbox_message(message("p"))
    later = T0 + timedelta(hours=1)
    assert store.retry_outbox_message("f", later) and store.retry_outbox_message("u", later)
    assert not store.retry_outbox_message("s", later)
    assert not store.retry_outbox_message("p", later)
    assert not store.retry_outbox_message("unknown", later)
    assert not store.retry_outbox_message("f", later)  # pending again now
    assert [(m.key, m.attempts) for m in store.due_outbox_messages(later, 10)] == [("p", 0), ("f", 1), ("u", 1)]


def test_an_events_batches_count_every_status_and_problems_are_listed(store: Any) -> None:
    other_subject = OutgoingMail("x@example.com", "Reminder", "tomorrow")
    store.add_outbox_message(message("m2", at=T0 + timedelta(minutes=1), batch="message:2", mail=other_subject))
    for i in range(4):
        store.add_outbox_message(message(f"m1-{i}", at=T0 + timedelta(seconds=i), batch="message:1"))
    store.add_outbox_message(message("elsewhere", event_id="ev2"))
    store.start_outbox_send("m1-0", 0, T0)
    store.finish_outbox_send("m1-0", OutboxStatus.SENT, T0)
    store.start_outbox_send("m1-1", 0, T0)
    store.finish_outbox_send("m1-1", OutboxStatus.FAILED, T0 + timedelta(seconds=9), error="550 no such user")
    store.start_outbox_send("m1-2", 0, T0)
    store.finish_outbox_send("m1-2", OutboxStatus.UNKNOWN, T0 + timedelta(seconds=8))
    batches = store.outbox_batches("ev1")
    assert [(b.batch, b.subject, b.created_at, b.total) for b in batches] == [
        ("message:1", MAIL.subject, T0, 4), ("message:2", "Reminder", T0 + timedelta(minutes=1), 1)]
    assert batches[0].counts == {OutboxStatus.SENT: 1, OutboxStatus.FAILED: 1, OutboxStatus.UNKNOWN: 1,
                                 OutboxStatus.PENDING: 1}
    assert [m.key for m in store.outbox_problems("ev1", 10)] == ["m1-2", "m1-1"]
    assert store.outbox_problems("ev1", 10)[1].last_error == "550 no such user"
    assert [m.key for m in store.outbox_problems("ev1", 1)] == ["m1-2"]
    assert store.outbox_batches("nothing") == [] and store.outbox_problems("nothing", 10) == []


def test_an_events_mail_settings_are_saved_and_overwritten(store: Any) -> None:
    assert store.get_event_mail_settings("ev1") is None
    store.save_event_mail_settings(EventMailSettings("ev1", reminder=False))
    assert store.get_event_mail_settings("ev1") == EventMailSettings("ev1", False, None)
    queued = datetime(2026, 6, 1, 14, 0, tzinfo=UTC) + timedelta(microseconds=7)
    store.save_event_mail_settings(EventMailSettings("ev1", reminder=True, reminders_queued_at=queued))
    assert store.get_event_mail_settings("ev1") == EventMailSettings("ev1", True, queued)
    assert store.get_event_mail_settings("ev2") is None
