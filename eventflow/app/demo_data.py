"""Demo data for a fresh install: an organizer a newcomer can log into and one published event.

Whether it is made is `Settings.seeds_demo_data`: by default only on a server that listens on this
machine only. There the organizer's password is the README's; on any other address (demo data
asked for with EVENTFLOW_DEMO_DATA=true) it is generated and printed once in the log, and a demo
account still holding the README's password from an earlier local start gets a generated one too:
no server anyone else can reach has a login everybody knows.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from eventflow.domain.errors import EmailTaken
from eventflow.domain.models import Organizer
from eventflow.services import Services

DEMO_EMAIL = "demo@eventflow.local"
DEMO_PASSWORD = "demo-organizer"
DEMO_TIMEZONE = "Europe/Berlin"


def seed_demo(services: Services, log: logging.Logger) -> None:
    """Create the demo organizer and event once when the settings ask for demo data; later starts
    find them and do nothing, but replace the README's password on a server others can reach
    (whether or not demo data is asked for: it may be left from a local start)."""
    catalog, local = services.catalog, services.settings.listens_locally
    if local and not services.settings.seeds_demo_data:
        return
    existing = catalog.store.find_organizer_by_email(DEMO_EMAIL)
    if existing is not None:  # found: skips a slow password hash
        if not local:
            retire_published_password(services, existing, log)
        return
    if not services.settings.seeds_demo_data:
        return
    password = DEMO_PASSWORD if local else generated_password()
    try:
        organizer = services.accounts.sign_up(DEMO_EMAIL, password, "Demo Organizer")
    except EmailTaken:  # another instance seeded at the same moment
        return
    services.accounts.mark_email_verified(organizer)  # the demo organizer publishes without a mail
    slug = create_demo_event(services, organizer.id)
    shown_once = "" if local else " (generated, shown once)"
    log.info("demo organizer %s / %s%s, event at /e/%s", DEMO_EMAIL, password, shown_once, slug)


def retire_published_password(services: Services, demo: Organizer, log: logging.Logger) -> None:
    if services.accounts.has_password(demo, DEMO_PASSWORD):
        password = generated_password()
        services.accounts.set_password(demo.id, password)
        log.warning("the demo organizer had the README's password on a server others can reach: "
                    "it is now %s / %s (shown once)", DEMO_EMAIL, password)


def generated_password() -> str:
    return secrets.token_urlsafe(12)


def create_demo_event(services: Services, organizer_id: str) -> str:
    """The published demo event with three tiers; its slug."""
    catalog = services.catalog
    zone = ZoneInfo(DEMO_TIMEZONE)
    day = (catalog.clock.now().astimezone(zone) + timedelta(days=21)).date()
    starts = datetime.combine(day, time(18, 0), tzinfo=zone)
    event = catalog.create_event(
        organizer_id,
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
            organizer_id, event.id, name=name, price_minor=price, capacity=capacity,
            max_per_order=per_order,
        )
    catalog.publish(organizer_id, event.id)
    return event.slug
