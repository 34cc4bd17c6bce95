"""Refund notices go through the outbox like every other mail to a buyer (key `refund:<refund id>`),
tried at once: one mail per refund however often the refund is reported finished (a retried
refund, the reconciliation pass), a failed first try left for the outbox job, never sent twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from eventflow.adapters.mail import FileMailer, OutboxMailer
from eventflow.domain.clock import ManualClock
from eventflow.domain.outbox import Outbox, OutboxSender, OutboxStatus, OutgoingMail
from eventflow.domain.payments.records import Refund, RefundReason, RefundStatus
from tests.app.test_ticket_mail import sample
from tests.fakes.memory_store import InMemoryStore


class Refusing:
    def __init__(self) -> None:
        self.tries = 0

    def send(self, mail: OutgoingMail, reference: str) -> None:
        self.tries += 1
        raise ConnectionRefusedError("nobody listens on port 25")


def refund(refund_id: str, reason: RefundReason = RefundReason.ORGANIZER) -> Refund:
    order, event = sample()
    return Refund(id=refund_id, event_id=event.id, reservation_id=order.reservation_id, order_id=order.id,
                  payment_intent_id="pi_1", ticket_ids=("tkt_1",), tier_quantities=(("tier_1", 1),),
                  amount_minor=1055, fee_minor=55, currency="EUR", reason=reason, restock=True,
                  status=RefundStatus.SUCCEEDED, created_at=order.created_at)


def test_a_refund_notice_is_an_outbox_row_sent_once_and_retried_by_the_job(tmp_path: Path) -> None:
    order, event = sample()
    clock, store = ManualClock(), InMemoryStore()
    outbox = Outbox(store, clock)
    files = FileMailer(tmp_path / "mail", "https://t.example")
    mailer = OutboxMailer(outbox, OutboxSender(store, clock, files), files, "https://t.example")
    mailer.send_refund_notice(refund("rf_one"), order.buyer, event)
    mailer.send_refund_notice(refund("rf_one"), order.buyer, event)  # reported finished twice
    assert [p.name for p in (tmp_path / "mail").iterdir()] == ["rf_one.eml"]
    sent = store.get_outbox_message("refund:rf_one")
    assert sent.status is OutboxStatus.SENT and sent.attempts == 1 and sent.batch == "refunds"
    assert sent.event_id == event.id and "€10.55 goes back to your card" in sent.mail.text
    assert sent.mail.subject == "Refund for Winter Swim" and "zoe@example.com" in sent.mail.to

    refusing = Refusing()
    down = OutboxMailer(outbox, OutboxSender(store, clock, refusing), files, "https://t.example")
    down.send_refund_notice(refund("rf_late", RefundReason.LATE_SOLD_OUT), order.buyer, event)  # no raise
    down.send_refund_notice(refund("rf_late", RefundReason.LATE_SOLD_OUT), order.buyer, event)
    waiting = store.get_outbox_message("refund:rf_late")
    assert refusing.tries == 1 and waiting.status is OutboxStatus.PENDING
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(seconds=30)
    assert OutboxSender(store, clock, files).send_batch(10) == (1, 1)  # the job's retry
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == ["rf_late.eml", "rf_one.eml"]
    assert "arrived after your hold" in (tmp_path / "mail" / "rf_late.eml").read_text()
