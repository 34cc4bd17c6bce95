"""The day-before reminder (domain/reminders.py) with the manual clock: one mail per order with a valid
ticket once the event is within 24 h, never twice (however often the job runs, on however many
instances), none when the organizer turned it off, none for an event that started or was cancelled."""

from __future__ import annotations

from datetime import timedelta

from eventflow.domain.models import Buyer, TicketStatus
from eventflow.domain.outbox import Outbox, OutboxStatus
from eventflow.domain.reminders import Reminders
from eventflow.domain.reservations import LineRequest
from tests.conftest import publish_event


def sell(service, event, tier, email: str):  # type: ignore[no-untyped-def]
    held = service.reserve(event.id, [LineRequest(tier.id, 1)], Buyer(email, email.split("@")[0].title()))
    return service.confirm(held.id, payment_ref="demo")


def reminders_of(store, clock) -> Reminders:  # type: ignore[no-untyped-def]
    return Reminders(store, Outbox(store, clock), clock, "https://tickets.example")


def test_each_order_is_reminded_once_when_the_day_before_begins(service, store, clock) -> None:
    event, tiers = publish_event(service, capacities=(10,), prices=(0,))
    orders = [sell(service, event, tiers[0], f"guest{n}@example.com") for n in range(3)]
    reminders = reminders_of(store, clock)
    clock.set(event.starts_at - timedelta(hours=24, seconds=1))
    assert reminders.queue_due() == 0  # not yet
    clock.advance(seconds=1)
    assert reminders.queue_due() == 3
    assert reminders.queue_due() == 0 and reminders_of(store, clock).queue_due() == 0  # again, another instance
    for order in orders:
        message = store.get_outbox_message(f"reminder:{order.id}")
        assert message.status is OutboxStatus.PENDING and message.event_id == event.id
        assert message.mail.to == f"{order.buyer.name} <{order.buyer.email}>"
        assert "Reminder: Night Market" in message.mail.subject
        assert order.tickets[0].id in message.mail.text and "openstreetmap.org" in message.mail.text
        assert "(Europe/Berlin, UTC+02:00)" in message.mail.text
    (batch,) = Outbox(store, clock).batches(event.id)
    assert batch.batch == "reminder" and batch.total == 3
    late = sell(service, event, tiers[0], "late@example.com")  # bought with the tickets mail fresh in hand
    assert reminders.queue_due() == 0 and store.get_outbox_message(f"reminder:{late.id}") is None


def test_two_instances_racing_remind_each_order_once(service, store, clock) -> None:
    event, tiers = publish_event(service, capacities=(10,), prices=(0,))
    orders = [sell(service, event, tiers[0], f"guest{n}@example.com") for n in range(4)]
    clock.set(event.starts_at - timedelta(hours=2))
    first, second = reminders_of(store, clock), reminders_of(store, clock)
    # Both read the event as not yet reminded before either marks it: the outbox keys decide.
    assert first.queue_event(event, clock.now()) + second.queue_event(event, clock.now()) == 4
    assert {m.key for m in store.due_outbox_messages(clock.now(), 100)} == {f"reminder:{o.id}" for o in orders}


def test_no_reminder_when_turned_off_for_void_tickets_or_after_the_start(service, store, clock) -> None:
    event, tiers = publish_event(service, capacities=(10,), prices=(0,))
    reminders = reminders_of(store, clock)
    sell(service, event, tiers[0], "a@example.com")
    reminders.set_reminder(event.organizer_id, event.id, False)
    clock.set(event.starts_at - timedelta(hours=1))
    assert reminders.queue_due() == 0

    other, other_tiers = publish_event(service, capacities=(10,), prices=(0,))
    voided = sell(service, other, other_tiers[0], "void@example.com")
    kept = sell(service, other, other_tiers[0], "kept@example.com")
    store.set_ticket_status(voided.tickets[0].id, TicketStatus.VOID.value)
    clock.set(other.starts_at - timedelta(hours=23))
    assert reminders.queue_due() == 1
    assert store.get_outbox_message(f"reminder:{kept.id}") is not None
    assert store.get_outbox_message(f"reminder:{voided.id}") is None

    started, started_tiers = publish_event(service, capacities=(10,), prices=(0,))
    sell(service, started, started_tiers[0], "s@example.com")
    clock.set(started.starts_at + timedelta(minutes=1))
    assert reminders.queue_due() == 0


def test_a_cancelled_event_gets_no_reminder_and_only_its_organizer_may_switch_it(service, store, clock) -> None:
    import pytest

    from eventflow.domain.errors import NotFound

    event, tiers = publish_event(service, capacities=(10,), prices=(0,))
    sell(service, event, tiers[0], "a@example.com")
    service.catalog.cancel(event.organizer_id, event.id)
    clock.set(event.starts_at - timedelta(hours=3))
    reminders = reminders_of(store, clock)
    assert reminders.queue_due() == 0
    with pytest.raises(NotFound):
        reminders.set_reminder("org_someone_else", event.id, False)
    assert reminders.settings(event.id).reminder is True
