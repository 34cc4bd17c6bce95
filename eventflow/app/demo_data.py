"""Demo data for a fresh install: an organizer a newcomer can log into and one published event."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from eventflow.domain.errors import EmailTaken
from eventflow.services import Services

DEMO_EMAIL = "demo@eventflow.local"
DEMO_PASSWORD = "demo-organizer"
DEMO_TIMEZONE = "Europe/Berlin"


def seed_demo(services: Services, log: logging.Logger) -> None:
    """Create the demo organizer and event once; later starts find them and do nothing."""
    catalog = services.catalog
    if catalog.store.find_organizer_by_email(DEMO_EMAIL) is not None:  # skips a slow password hash
        return
    try:
        organizer = services.accounts.sign_up(DEMO_EMAIL, DEMO_PASSWORD, "Demo Organizer")
    except EmailTaken:  # another instance seeded at the same moment
        return
    zone = ZoneInfo(DEMO_TIMEZONE)
    day = (catalog.clock.now().astimezone(zone) + timedelta(days=21)).date()
    starts = datetime.combine(day, time(18, 0), tzinfo=zone)
    event = catalog.create_event(
        organizer.id,
        title="Night Market on the Canal",
        starts_at=starts,
        ends_at=starts + timedelta(hours=6),
        timezone=DEMO_TIMEZONE,
        venue="Paul-Lincke-Ufer 21, Berlin",
        currency="EUR",
        description=(
            "Forty independent food stalls, two DJs and a vinyl swap on the canal bank. "
            "Early-bird tickets include a welcome drink."
        ),
        fee_mode="buyer_pays",
    )
    for name, price, capacity, per_order in (
        ("Early bird", 1200, 100, 6),
        ("Standard", 1800, 300, 10),
        ("Kids under 12", 0, 80, 4),
    ):
        catalog.add_tier(
            organizer.id, event.id, name=name, price_minor=price, capacity=capacity,
            max_per_order=per_order,
        )
    catalog.publish(organizer.id, event.id)
    log.info("demo organizer %s / %s, event at /e/%s", DEMO_EMAIL, DEMO_PASSWORD, event.slug)
