"""The scheduled daily export by mail (domain/daily_exports.py): one mail per event and local day, however
many instances run the pass at once; its Excel files open in openpyxl with formulas inert; the mail goes
through the outbox (stored, so a restart changes nothing) and out through the MIME builder with its files."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from eventflow.adapters.mail import build_message
from eventflow.adapters.spreadsheets import xlsx_bytes
from eventflow.domain.attendees import AnswerSheet
from eventflow.domain.clock import ManualClock
from eventflow.domain.daily_exports import KINDS, DailyExports, outbox_key
from eventflow.domain.errors import NotFound
from eventflow.domain.exports import Exports
from eventflow.domain.models import Buyer, Event
from eventflow.domain.outbox import Outbox, OutboxSender, OutgoingMail, mail_from_json, mail_to_json
from eventflow.domain.queries import Queries
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.traffic import Touch, Traffic
from tests.conftest import publish_event


def instance(service: Ticketing) -> DailyExports:
    """What one app instance builds (its own Outbox, the shared store)."""
    traffic = Traffic(service.store, service.clock)
    exports = Exports(Queries(service.store), lambda event_id: AnswerSheet([], []), traffic.figures)
    return DailyExports(service.store, service.catalog.own_event, exports,  # type: ignore[arg-type]
                        Outbox(service.store, service.clock).enqueue, xlsx_bytes,  # type: ignore[arg-type]
                        service.clock, "https://tickets.example")


@pytest.fixture
def sold(service: Ticketing) -> Event:
    """An event in Berlin with two orders (one buyer typed a formula as their name), the export on."""
    service.traffic = Traffic(service.store, service.clock)
    event, tiers = publish_event(service)
    for name in ("Ada", "=HYPERLINK(\"http://x\")"):
        held = service.reserve(event.id, [LineRequest(tiers[0].id, 2)], Buyer("b@example.com", name),
                               source=Touch.of("flyer"))
        service.confirm(held.id, payment_ref="demo")
    instance(service).switch(event.organizer_id, event.id, True)
    return event


def morning(clock: ManualClock, day: int, hour: int) -> None:
    """Set the clock to `hour`:30 in Berlin (UTC+2 in June) on June `day`."""
    clock.set(datetime(2026, 6, day, hour - 2, 30, tzinfo=UTC))


def test_two_instances_queue_exactly_one_mail_per_event_and_day(service: Ticketing, clock: ManualClock,
                                                                 sold: Event) -> None:
    morning(clock, 2, 6)  # 06:30 local: not yet
    assert instance(service).queue_due() == 0
    morning(clock, 2, 7)
    passes = [instance(service), instance(service)]
    start, counts = threading.Barrier(2), []

    def run(pass_: DailyExports) -> None:
        start.wait()
        counts.append(pass_.queue_due())

    threads = [threading.Thread(target=run, args=(p,)) for p in passes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1]
    assert passes[0].queue_due() + passes[1].queue_due() == 0  # later passes that day: the key is taken
    key = outbox_key(sold.id, datetime(2026, 6, 2).date())
    assert service.store.get_outbox_message(key) is not None  # type: ignore[attr-defined]
    morning(clock, 3, 9)  # the next morning: one more
    assert passes[1].queue_due() == 1 and passes[0].queue_due() == 0
    problems = Outbox(service.store, service.clock).batches(sold.id)  # type: ignore[arg-type]
    assert [(b.batch, b.total) for b in problems] == [("daily-export", 2)]


def test_off_and_after_the_event_nothing_is_queued(service: Ticketing, clock: ManualClock, sold: Event) -> None:
    exports = instance(service)
    exports.switch(sold.organizer_id, sold.id, False)
    morning(clock, 2, 8)
    assert exports.queue_due() == 0 and not exports.is_on(sold.organizer_id, sold.id)
    exports.switch(sold.organizer_id, sold.id, True)
    assert exports.is_on(sold.organizer_id, sold.id)
    berlin = ZoneInfo(sold.timezone)
    day_after = sold.ends_at.astimezone(berlin).date() + timedelta(days=1)
    clock.set(datetime.combine(day_after, time(7, 5), tzinfo=berlin))  # the morning after the event: the last one
    assert exports.queue_due() == 1
    clock.advance(timedelta(days=1))
    assert exports.queue_due() == 0
    with pytest.raises(NotFound):
        exports.switch("org_someone_else", sold.id, True)


def test_the_attached_files_open_in_openpyxl_with_formulas_inert(service: Ticketing, clock: ManualClock,
                                                                 sold: Event) -> None:
    morning(clock, 2, 7)
    instance(service).queue_due()
    stored = service.store.get_outbox_message(outbox_key(sold.id, clock.now().date()))  # type: ignore[attr-defined]
    mail = mail_from_json(mail_to_json(stored.mail))  # as every store keeps it: survives a restart
    assert [a.filename for a in mail.attachments] == [f"{sold.slug}-{kind}-2026-06-02.xlsx" for kind in KINDS]
    orders = openpyxl.load_workbook(io.BytesIO(mail.attachments[0].data)).active
    header = [c.value for c in orders[1]]
    rows = [dict(zip(header, row, strict=True)) for row in orders.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == 4 and {r["source"] for r in rows} == {"flyer"}
    formula = orders.cell(row=[r["buyer_name"] for r in rows].index("'=HYPERLINK(\"http://x\")") + 2,
                          column=header.index("buyer_name") + 1)
    assert formula.data_type == "s"  # text, never a formula
    attendees = openpyxl.load_workbook(io.BytesIO(mail.attachments[1].data)).active
    assert attendees.max_row == 5  # a header and four tickets

    sent: list[OutgoingMail] = []

    class Recorder:
        def send(self, outgoing: OutgoingMail, reference: str) -> None:
            sent.append(outgoing)

    OutboxSender(service.store, service.clock, Recorder()).send_batch()  # type: ignore[arg-type]
    [delivered] = sent
    message = build_message(delivered)
    files = [part.get_filename() for part in message.iter_attachments()]
    assert delivered.to == service.store.get_organizer(sold.organizer_id).email  # type: ignore[union-attr]
    assert files == [a.filename for a in mail.attachments]
