"""The tickets mail: when (in the event's timezone, with its UTC offset), where (with a map link), each
ticket's link, and an .ics attachment that icalendar parses back to the same event. It goes through
the outbox (key `tickets:<order id>`), tried at once: sent once however often the sale is reported,
and a failed first try is left for the outbox job's retry."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from eventflow.adapters.calendar import event_calendar
from eventflow.adapters.mail import FileMailer, MailNotSent, OutboxMailer, build_message, ticket_mail
from eventflow.domain.clock import ManualClock
from eventflow.domain.models import Buyer, Event, EventStatus, Order, Ticket
from eventflow.domain.money import FeeMode
from eventflow.domain.outbox import Outbox, OutboxSender, OutboxStatus, OutgoingMail
from tests.fakes.memory_store import InMemoryStore

STARTS = datetime(2027, 1, 9, 19, 30, tzinfo=UTC)  # 20:30 in Berlin (winter, UTC+01:00)


def sample() -> tuple[Order, Event]:
    event = Event(id="evt_1", organizer_id="org_1", slug="winter-swim", title="Winter Swim", starts_at=STARTS,
                  ends_at=STARTS + timedelta(hours=3), timezone="Europe/Berlin", venue="Strandbad Wannsee, Berlin",
                  currency="EUR", description="", fee_mode=FeeMode.BUYER_PAYS, status=EventStatus.PUBLISHED,
                  created_at=STARTS - timedelta(days=30))
    tickets = tuple(Ticket(id=f"tkt_{n}", order_id="ord_1", event_id="evt_1", tier_id="tier_1", holder_name="Zoe",
                           access_key=f"key-{n}", secret="JBSWY3DPEHPK3PXP") for n in (1, 2))
    order = Order(id="ord_1", reservation_id="res_1", event_id="evt_1", buyer=Buyer("zoe@example.com", "Zoë Z"),
                  currency="EUR", subtotal_minor=2000, fee_minor=110, total_minor=2110, created_at=STARTS,
                  payment_ref="demo", tickets=tickets)
    return order, event


def test_the_tickets_mail_says_when_and_where_and_carries_a_calendar_file() -> None:
    order, event = sample()
    raw = bytes(build_message(ticket_mail(order, event, "https://t.example")))
    message = email.message_from_bytes(raw, policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "When: Sat 9 Jan 2027, 20:30 - 23:30 (Europe/Berlin, UTC+01:00)" in text
    assert "Where: Strandbad Wannsee, Berlin" in text
    assert "Map: https://www.openstreetmap.org/search?query=Strandbad+Wannsee%2C+Berlin" in text
    assert "Ticket 2: https://t.example/t/tkt_2?k=key-2" in text and "https://t.example/r/res_1" in text

    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_filename() == "winter-swim.ics"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    (entry,) = calendar.walk("VEVENT")
    starts = entry.decoded("dtstart")
    assert starts == STARTS and starts.tzinfo is not None and starts.utcoffset() == timedelta(hours=1)
    assert entry["dtstart"].params["TZID"] == "Europe/Berlin"
    assert entry.decoded("dtend") == STARTS + timedelta(hours=3)
    assert str(entry["summary"]) == "Winter Swim" and str(entry["location"]) == "Strandbad Wannsee, Berlin"
    assert str(entry["uid"]) == "evt_1-ord_1@eventflow" and str(entry["url"]) == "https://t.example/e/winter-swim"
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_a_calendar_in_a_zone_without_daylight_saving_and_a_cancelled_event() -> None:
    _order, event = sample()
    tokyo = Event(**{**{name: getattr(event, name) for name in event.__dataclass_fields__},
                     "timezone": "Asia/Tokyo", "venue": "", "status": EventStatus.CANCELLED})
    (entry,) = icalendar.Calendar.from_ical(event_calendar(tokyo, "https://t.example")).walk("VEVENT")
    assert entry.decoded("dtstart") == STARTS
    assert entry.decoded("dtstart").astimezone(ZoneInfo("Asia/Tokyo")).hour == 4
    assert "location" not in entry and str(entry["status"]) == "CANCELLED"


class Refusing:
    def send(self, mail: OutgoingMail, reference: str) -> None:
        raise ConnectionRefusedError("nobody listens on port 25")


def test_tickets_go_through_the_outbox_once_and_a_failed_try_waits_for_the_job(tmp_path: Path) -> None:
    order, event = sample()
    clock, store = ManualClock(), InMemoryStore()
    outbox = Outbox(store, clock)
    files = FileMailer(tmp_path / "mail", "https://t.example")
    mailer = OutboxMailer(outbox, OutboxSender(store, clock, files), files, "https://t.example")
    mailer.send_tickets(order, event)
    mailer.send_tickets(order, event)  # the sale reported twice
    assert [p.name for p in (tmp_path / "mail").iterdir()] == ["ord_1.eml"]
    sent = store.get_outbox_message("tickets:ord_1")
    assert sent.status is OutboxStatus.SENT and sent.attempts == 1 and sent.batch == "tickets"

    other = Order(**{**{name: getattr(order, name) for name in order.__dataclass_fields__}, "id": "ord_2"})
    down = OutboxMailer(outbox, OutboxSender(store, clock, Refusing()), files, "https://t.example")
    with pytest.raises(MailNotSent, match="nobody listens"):
        down.send_tickets(other, event)
    waiting = store.get_outbox_message("tickets:ord_2")
    assert waiting.status is OutboxStatus.PENDING and waiting.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(seconds=30)
    assert OutboxSender(store, clock, files).send_batch(10) == (1, 1)  # the job's retry
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == ["ord_1.eml", "ord_2.eml"]
