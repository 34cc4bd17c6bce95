"""The dashboard's "Messages to attendees" panel (simulated user): preview, send to all or one tier,
one mail per buyer address, progress from the outbox, the reminder switch; and the order page's
"Add to calendar" file."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest

from eventflow.domain.models import Buyer, Event, Tier
from eventflow.domain.reservations import LineRequest
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, log_in, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


def sell(site: Site, event: Event, tier: Tier, name: str, email: str | None = None) -> Any:
    ticketing = site.services.ticketing
    held = ticketing.reserve(event.id, [LineRequest(tier.id, 1)],
                             Buyer(email or f"{name.lower()}@example.com", name))
    return ticketing.confirm(held.id, payment_ref="demo")


def progress(user: Any, batch: str) -> str:
    return str(element(user, f"progress-{batch}").text)


async def test_a_message_to_one_tier_reaches_each_buyer_once_and_shows_its_progress(site: Site) -> None:
    organizer = site.organizer()
    event, (deck, lawn) = site.event(organizer, [{"name": "Deck", "price_minor": 0, "capacity": 50},
                                                 {"name": "Lawn", "price_minor": 0, "capacity": 50}])
    sell(site, event, deck, "Ada")
    sell(site, event, deck, "Ada again", email="ADA@example.com")  # the same buyer, another order
    sell(site, event, deck, "Bob")
    sell(site, event, lawn, "Cleo")
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")
    by_testid(user, "message-subject").type("Bring a torch")
    by_testid(user, "message-text").type("The deck is dark after 10 pm.")
    element(user, "message-to").set_value(deck.id)
    by_testid(user, "message-preview").click()
    await until(lambda: by_testid(user, "message-send").elements)
    assert element(user, "message-send").text == "Send to 2 buyers"
    preview = element(user, "message-preview-text").text
    assert preview.startswith("The deck is dark after 10 pm.") and "Old Harbour" in preview
    assert "openstreetmap.org/search?query=Old+Harbour" in preview

    by_testid(user, "message-send").click()
    outbox = site.services.outbox
    await until(lambda: outbox.batches(event.id))
    (batch,) = [b for b in outbox.batches(event.id) if b.batch.startswith("message:")]
    assert batch.total == 2 and batch.subject == "Bring a torch"
    await until(lambda: progress(user, batch.batch).startswith("0 / 2 sent"))

    assert site.services.outbox_sender.send_batch(100)[1] >= 2  # the outbox job's work, done here
    await until(lambda: progress(user, batch.batch) == "2 / 2 sent", timeout=8)
    mails = sorted((site.services.settings.data_dir / "mail").glob("message*.eml"))
    assert len(mails) == 2
    assert {m.name.rsplit("_", 1)[-1] for m in mails} == {"ada@example.com.eml", "bob@example.com.eml"}

    # The same message again (a double click, a second tab) queues nothing new.
    sent_again = await site.services.in_thread(site.services.messages.send, organizer.id, event.id,
                                               "Bring a torch", "The deck is dark after 10 pm.", deck.id)
    assert sent_again.queued == 0 and sent_again.recipients == 2


async def test_an_empty_subject_is_refused_and_the_reminder_switch_is_saved(site: Site) -> None:
    organizer = site.organizer()
    event, _tiers = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 10}])
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}")
    by_testid(user, "message-text").type("Hello")
    by_testid(user, "message-preview").click()
    await user.should_see("Give the message a subject")
    assert not by_testid(user, "message-preview").elements or not [
        e for e in user.current_layout.descendants() if e.props.get("data-testid") == "message-send"]

    await until(lambda: element(user, "reminder-switch").value is True)  # on by default
    element(user, "reminder-switch").set_value(False)
    reminders = site.services.reminders
    await until(lambda: reminders.settings(event.id).reminder is False)


async def test_the_order_page_offers_the_event_as_a_calendar_file(site: Site) -> None:
    organizer = site.organizer()
    event, (tier,) = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 10}])
    order = sell(site, event, tier, "Dana")
    user = site.user
    await user.open(f"/r/{order.reservation_id}")
    assert element(user, "add-to-calendar").props["href"] == f"/r/{order.reservation_id}/calendar.ics"
    assert "openstreetmap.org" in element(user, "venue-map").props["href"]

    answer = await user.http_client.get(f"/r/{order.reservation_id}/calendar.ics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    (entry,) = icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
    assert entry.decoded("dtstart") == event.starts_at and entry.decoded("dtend") == event.ends_at
    assert str(entry["summary"]) == event.title and str(entry["location"]) == "Old Harbour"
    assert entry["dtstart"].params["TZID"] == "Europe/Berlin"

    held = site.services.ticketing.reserve(event.id, [LineRequest(tier.id, 1)], Buyer("e@example.com", "E"))
    unpaid = await user.http_client.get(f"/r/{held.id}/calendar.ics")
    assert unpaid.status_code == 404
    assert (await user.http_client.get("/r/res_nothing/calendar.ics")).status_code == 404
