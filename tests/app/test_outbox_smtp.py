"""The outbox against a real SMTP server (aiosmtpd in a thread) that refuses every third mail.

1,000 queued messages on a SQLite file: each recipient gets exactly one mail, however many tries it took,
also when the sender is stopped halfway and a new one starts on the reopened file (a restart). A send
cut short after the claim (the process died) is never resent by itself: it becomes UNKNOWN for the
organizer to retry. Two instances' jobs share the work through the `outbox` lease and the per-message
claim, and still mail each recipient once.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from eventflow.adapters.mail import SmtpMailer
from eventflow.app.jobs import drain_outbox
from eventflow.domain.clock import ManualClock
from eventflow.domain.outbox import Outbox, OutboxSender, OutboxStatus, OutgoingMail, RetryPolicy
from eventflow.store.sqlite.store import SqliteStore
from tests.server import free_port

MESSAGES = 1000


class FlakyInbox:
    """Accepts mail, except that every third DATA is refused with a temporary error (451)."""

    def __init__(self, fail_every: int = 3) -> None:
        self.fail_every = fail_every
        self.tries = 0
        self.accepted: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.tries += 1
            if self.fail_every and self.tries % self.fail_every == 0:
                return "451 4.3.0 Try again later"
            self.accepted.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    def recipients(self) -> Counter[str]:
        with self._lock:
            return Counter(str(m["To"]) for m in self.accepted)


@contextmanager
def smtp_server(inbox: FlakyInbox) -> Iterator[int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def queue(store: Any, clock: ManualClock, count: int) -> list[str]:
    outbox = Outbox(store, clock)
    addresses = [f"guest{i:04}@example.com" for i in range(count)]
    for address in addresses:
        assert outbox.enqueue(f"message:m1:{address}", OutgoingMail(address, "Doors open at 7", "See you!"),
                              event_id="ev1", batch="message:m1")
    assert not outbox.enqueue(f"message:m1:{addresses[0]}", OutgoingMail(addresses[0], "again", "again"))
    return addresses


def send_until_quiet(sender: OutboxSender, clock: ManualClock, stop: Callable[[], bool] = lambda: False) -> None:
    """The job's loop with time moved by hand: send what is due, else jump to the next retry."""
    for _ in range(500):
        if stop():
            return
        tried, _ = sender.send_batch(100)
        if tried == 0:
            due = sender.store.due_outbox_messages(clock.now() + timedelta(days=1), 1)
            if not due:
                return
            clock.set(due[0].next_attempt_at)
    raise AssertionError("the outbox never drained")


@pytest.mark.timeout(600)
def test_a_thousand_mails_through_a_flaky_server_and_a_restart_reach_everyone_once(tmp_path: Path) -> None:
    clock = ManualClock()
    inbox = FlakyInbox()
    path = tmp_path / "outbox.db"
    store = SqliteStore(path)
    addresses = queue(store, clock, MESSAGES)
    with smtp_server(inbox) as port:
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "https://tickets.example")
        # The server refuses every third try whoever's turn it is, so one mail can be unlucky many times.
        patient = RetryPolicy(max_attempts=50)
        first = OutboxSender(store, clock, mailer, patient)
        send_until_quiet(first, clock, stop=lambda: len(inbox.accepted) >= MESSAGES // 2)
        halfway = len(inbox.accepted)
        assert MESSAGES // 2 <= halfway < MESSAGES
        store.close()  # the restart: a new process opens the same file and sends on

        store = SqliteStore(path)
        second = OutboxSender(store, clock, mailer, patient)
        send_until_quiet(second, clock)

    assert inbox.tries > MESSAGES  # about a third of the tries were refused and retried
    assert inbox.recipients() == Counter({address: 1 for address in addresses})
    batch, = Outbox(store, clock).batches("ev1")
    assert batch.counts == {OutboxStatus.SENT: MESSAGES} and batch.subject == "Doors open at 7"
    retried = [store.get_outbox_message(f"message:m1:{a}") for a in addresses]
    assert max(m.attempts for m in retried if m) >= 2 and all(m and m.last_error == "" for m in retried)
    store.close()


class Interrupted(BaseException):
    """The process dying right after the server accepted a mail (nothing after it runs)."""


def test_a_send_cut_short_is_never_resent_by_itself_and_the_organizer_can_retry_it(tmp_path: Path) -> None:
    clock = ManualClock()
    inbox = FlakyInbox(fail_every=0)
    store = SqliteStore(tmp_path / "outbox.db")
    queue(store, clock, 3)
    with smtp_server(inbox) as port:
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "https://tickets.example")

        class DiesAfterAccept:
            def send(self, mail: OutgoingMail, reference: str) -> None:
                mailer.send(mail, reference)
                raise Interrupted  # SIGKILL between the server's 250 and the SENT mark

        with pytest.raises(Interrupted):
            OutboxSender(store, clock, DiesAfterAccept()).send_batch(100)
        assert len(inbox.accepted) == 1
        died = store.stale_outbox_sends(clock.now(), 10)
        assert [m.status for m in died] == [OutboxStatus.SENDING]

        restarted = OutboxSender(store, clock, mailer, RetryPolicy(stale_after=timedelta(minutes=10)))
        assert restarted.send_batch(100) == (2, 2)  # the others; the cut-short one waits
        clock.advance(minutes=11)
        assert restarted.send_batch(100) == (0, 0)
        cut_short = store.get_outbox_message(died[0].key)
        assert cut_short.status == OutboxStatus.UNKNOWN and "may or may not have arrived" in cut_short.last_error
        assert inbox.recipients()[died[0].mail.to] == 1  # not sent a second time by the job
        assert [m.key for m in Outbox(store, clock).problems("ev1")] == [died[0].key]

        assert Outbox(store, clock).retry(died[0].key)  # the organizer chose to send it again
        assert restarted.send_batch(100) == (1, 1)
    assert inbox.recipients()[died[0].mail.to] == 2
    store.close()


def test_a_mail_refused_for_good_fails_after_the_last_attempt(tmp_path: Path) -> None:
    clock = ManualClock()
    store = SqliteStore(tmp_path / "outbox.db")
    queue(store, clock, 1)

    class Refuses:
        def send(self, mail: OutgoingMail, reference: str) -> None:
            raise OSError("550 no such user")

    policy = RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=30))
    sender = OutboxSender(store, clock, Refuses(), policy)
    waits = []
    for _ in range(3):
        assert sender.send_batch(10) == (1, 0)
        message = store.get_outbox_message("message:m1:guest0000@example.com")
        waits.append(message.next_attempt_at - clock.now())
        clock.set(message.next_attempt_at)
    assert waits[:2] == [timedelta(seconds=30), timedelta(seconds=60)]  # backoff doubles
    assert message.status == OutboxStatus.FAILED and message.attempts == 3 and "550" in message.last_error
    assert sender.send_batch(10) == (0, 0)
    store.close()


class JobServices:
    """What the outbox job uses of `Services`."""

    def __init__(self, store: SqliteStore, clock: ManualClock, mailer: SmtpMailer) -> None:
        self.outbox = Outbox(store, clock)
        self.outbox_sender = OutboxSender(store, clock, mailer)

    async def in_thread(self, call: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(call, *args)


def test_two_instances_jobs_mail_each_recipient_once(tmp_path: Path) -> None:
    clock = ManualClock()
    inbox = FlakyInbox(fail_every=0)
    path = tmp_path / "outbox.db"
    stores = [SqliteStore(path), SqliteStore(path)]
    addresses = queue(stores[0], clock, 250)
    with smtp_server(inbox) as port:
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "https://tickets.example")
        instances = [JobServices(store, clock, mailer) for store in stores]

        async def both() -> list[int]:
            return list(await asyncio.gather(*(
                drain_outbox(services, f"instance-{n}", batch=50)  # type: ignore[arg-type]
                for n, services in enumerate(instances))))

        sent = asyncio.run(both())
    assert sorted(sent) == [0, 250]  # the lease holder drained it all; the other stood by
    assert inbox.recipients() == Counter({address: 1 for address in addresses})
    for store in stores:
        store.close()


def test_on_dynamodb_a_flaky_server_and_a_restart_also_reach_everyone_once() -> None:
    """The same on the DynamoDB store (moto in process; fewer messages: moto is slow per request)."""
    from eventflow.store.dynamodb.store import DynamoStore
    from tests.store.moto_server import REGION, in_process_table

    clock, inbox = ManualClock(), FlakyInbox()
    with in_process_table("outbox-smtp") as store, smtp_server(inbox) as port:
        addresses = queue(store, clock, 120)
        mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", "https://tickets.example")
        patient = RetryPolicy(max_attempts=50)
        send_until_quiet(OutboxSender(store, clock, mailer, patient), clock, stop=lambda: len(inbox.accepted) >= 60)
        restarted = DynamoStore("outbox-smtp", region_name=REGION)  # a new process on the same table
        send_until_quiet(OutboxSender(restarted, clock, mailer, patient), clock)
        assert inbox.tries > 120
        assert inbox.recipients() == Counter({address: 1 for address in addresses})
        assert Outbox(restarted, clock).batches("ev1")[0].counts == {OutboxStatus.SENT: 120}
