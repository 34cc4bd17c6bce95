"""Rich links: what a crawler or a chat app reads from a public page's <head> before any script runs.

Link previews (WhatsApp, Instagram, Slack, X, Facebook) read Open Graph and Twitter card tags;
search engines read the canonical URL, the meta description and schema.org `Event` JSON-LD.
`ui.add_head_html` called inside a page function lands in the page's first HTML answer (NiceGUI keeps
it in the client's head HTML, rendered by its index template), so none of this needs JavaScript.

Every URL here is absolute, built from the configured public address (`Settings.public_url`), never
from the request's Host header, which a client chooses.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import ui
from PIL import Image, UnidentifiedImageError

from eventflow.domain.event_changes import ChangeKind, EventChange
from eventflow.domain.links import event_url
from eventflow.domain.models import AvailabilityBand as Band
from eventflow.domain.models import Event, EventStatus, EventView, Organizer, Tier, availability_band
from eventflow.domain.money import currency_exponent
from eventflow.pages.components.formatting import event_when
from eventflow.services import Services

SITE_NAME = "EventFlow"
SITE_DESCRIPTION = "Tickets for independent events: pop-up markets, club nights, small festivals, workshops."
LOCALE = "en_GB"
DESCRIPTION_LENGTH = 200  # what previews show; search engines cut near 160
CARD_SIZE = (1200, 630)  # Open Graph's recommended 1.91:1
SCHEMA = "https://schema.org/"


@dataclass(frozen=True, slots=True)
class Cover:
    """The cover file's version (its modification time: previews cache images by URL) and pixel size."""

    version: str
    size: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class EventLinkFacts:
    """What the head of an event page says, read once per page view."""

    event: Event
    tiers: tuple[Tier, ...]
    organizer: Organizer | None
    change: EventChange | None  # the latest cancellation or postponement, if any
    cover: Cover | None  # the organizer's cover image (or the flyer made the cover), if any
    now: datetime

    @property
    def has_cover(self) -> bool:
        return self.cover is not None


def card_version(event: Event) -> str:
    """Changes whenever the generated card's picture would: previews cache images by URL."""
    facts = "|".join((event.title, event.starts_at.isoformat(), event.ends_at.isoformat(), event.timezone,
                      event.venue, event.status.value))
    return hashlib.sha256(facts.encode()).hexdigest()[:12]


def card_path(event: Event) -> str:
    return f"/e/{event.slug}/card.png?v={card_version(event)}"


def image_url(base_url: str, event: Event, cover: Cover | None) -> str:
    """The organizer's cover (or a flyer made the cover) when there is one, else the generated card."""
    if cover is None:
        return f"{base_url}{card_path(event)}"
    return f"{base_url}/covers/{event.id}.jpg?v={cover.version}"


def plain_text(markdown: str) -> str:
    """The description without markdown marks, on one line (for meta description and JSON-LD)."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", markdown)  # images
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their words
    text = re.sub(r"[*_`#>~|]+", "", text)
    return re.sub(r"\s+", " ", text).strip()


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    if len(text) <= limit:
        return text
    return text[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def event_description(event: Event) -> str:
    """`Sat 12 Dec 2026, 18:00–23:00 (Europe/Berlin) · Venue. The organizer's words…`"""
    when = event_when(event.starts_at, event.ends_at, event.timezone)
    lead = f"{when} · {event.venue.strip()}" if event.venue.strip() else when
    if event.status is EventStatus.CANCELLED:
        lead = f"Cancelled. {lead}"
    body = plain_text(event.description)
    return shorten(f"{lead}. {body}" if body else lead)


def meta_tags(*, title: str, description: str, url: str, image: str | None, image_size: tuple[int, int] | None,
              kind: str = "website", image_type: str = "image/png") -> str:
    """Canonical link, meta description, Open Graph and Twitter card tags, escaped."""
    tags = [
        ("link", "canonical", url),
        ("name", "description", description),
        ("property", "og:site_name", SITE_NAME),
        ("property", "og:type", kind),
        ("property", "og:locale", LOCALE),
        ("property", "og:title", title),
        ("property", "og:description", description),
        ("property", "og:url", url),
        ("name", "twitter:card", "summary_large_image" if image else "summary"),
        ("name", "twitter:title", title),
        ("name", "twitter:description", description),
    ]
    if image:
        tags += [("property", "og:image", image), ("property", "og:image:alt", title),
                 ("name", "twitter:image", image)]
        if image.startswith("https://"):
            tags.append(("property", "og:image:secure_url", image))
        if image_size:
            tags += [("property", "og:image:width", str(image_size[0])),
                     ("property", "og:image:height", str(image_size[1])),
                     ("property", "og:image:type", image_type)]
    html = []
    for attribute, name, value in tags:
        if attribute == "link":
            html.append(f'<link rel="{name}" href="{escape(value)}">')
        else:
            html.append(f'<meta {attribute}="{name}" content="{escape(value)}">')
    return "\n".join(html)


def json_ld(data: dict[str, Any]) -> str:
    """A JSON-LD script; `<`, `>` and `&` escaped so no text in it can close the script element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'


def decimal_price(amount_minor: int, currency: str) -> str:
    """schema.org wants the price as a plain decimal with a dot: 1250 EUR -> "12.50", 500 JPY -> "500"."""
    return str(Decimal(amount_minor).scaleb(-currency_exponent(currency)))


def availability(tier: Tier, event: Event, now: datetime) -> str:
    if event.status is EventStatus.CANCELLED or (tier.sales_end is not None and now >= tier.sales_end):
        return SCHEMA + "Discontinued"
    band = availability_band(tier.available, tier.capacity)
    if band is Band.NONE:
        return SCHEMA + "SoldOut"
    if tier.sales_start is not None and now < tier.sales_start:
        return SCHEMA + "PreOrder"
    return SCHEMA + ("LimitedAvailability" if band is Band.FEW else "InStock")


def event_status(event: Event, change: EventChange | None) -> str:
    """Cancelled, or rescheduled (our postponements always carry the new date: schema.org's
    EventPostponed means "no new date yet", EventRescheduled "moved to startDate"), else scheduled."""
    if event.status is EventStatus.CANCELLED:
        return SCHEMA + "EventCancelled"
    if change is not None and change.kind is ChangeKind.POSTPONED:
        return SCHEMA + "EventRescheduled"
    return SCHEMA + "EventScheduled"


def event_json_ld(facts: EventLinkFacts, base_url: str) -> dict[str, Any]:
    """schema.org `Event` (https://schema.org/Event), as Google's event rich results read it."""
    event, zone = facts.event, ZoneInfo(facts.event.timezone)
    url = event_url(base_url, event.slug)
    data: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Event", "name": event.title, "url": url,
        "description": shorten(plain_text(event.description) or event_description(event), 500),
        "startDate": event.starts_at.astimezone(zone).isoformat(),
        "endDate": event.ends_at.astimezone(zone).isoformat(),
        "eventStatus": event_status(event, facts.change),
        "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
        "image": [image_url(base_url, event, facts.cover)],
        "location": {"@type": "Place", "name": event.venue.strip() or "To be announced",
                     "address": event.venue.strip() or "To be announced"},
    }
    change = facts.change
    if (change is not None and change.kind is ChangeKind.POSTPONED and change.previous_starts_at is not None
            and event.status is not EventStatus.CANCELLED):
        data["previousStartDate"] = change.previous_starts_at.astimezone(zone).isoformat()
    if facts.organizer is not None:
        data["organizer"] = {"@type": "Organization", "name": facts.organizer.name}
    offers = [
        {"@type": "Offer", "name": tier.name, "price": decimal_price(tier.price_minor, event.currency),
         "priceCurrency": event.currency, "availability": availability(tier, event, facts.now),
         "validFrom": (tier.sales_start or event.created_at).astimezone(zone).isoformat(), "url": url}
        for tier in facts.tiers if not tier.hidden
    ]
    if offers:
        data["offers"] = offers
    return data


def event_head(facts: EventLinkFacts, base_url: str) -> str:
    """Everything the event page adds to its <head>."""
    event = facts.event
    image = image_url(base_url, event, facts.cover)
    title = f"Cancelled: {event.title}" if event.status is EventStatus.CANCELLED else event.title
    tags = meta_tags(title=title, description=event_description(event), url=event_url(base_url, event.slug),
                     image=image, image_size=facts.cover.size if facts.cover else CARD_SIZE,
                     image_type="image/jpeg" if facts.cover else "image/png")
    return f"{tags}\n{json_ld(event_json_ld(facts, base_url))}"


def page_head(base_url: str, path: str, title: str, description: str = SITE_DESCRIPTION) -> str:
    """The head of any other public page (home, browse, an organizer's page): canonical and previews."""
    return meta_tags(title=title, description=shorten(description), url=f"{base_url}{path}", image=None,
                     image_size=None)


def read_cover(path: Path) -> Cover | None:
    """The cover's version and size, or None without one (Pillow reads the JPEG header only)."""
    try:
        version = str(int(path.stat().st_mtime))
    except FileNotFoundError:
        return None
    try:
        with Image.open(path) as picture:
            return Cover(version, picture.size)
    except (OSError, UnidentifiedImageError):  # replaced this very moment: the size comes next time
        return Cover(version, None)


def read_facts(services: Services, view: EventView) -> EventLinkFacts:
    """The organizer's name and the latest change of the event: two reads (blocking: off the loop)."""
    event = view.event
    return EventLinkFacts(event=event, tiers=view.tiers, organizer=services.queries.organizer(event.organizer_id),
                          change=services.queries.event_change(event.id),
                          cover=read_cover(services.covers.path(event.id)), now=services.ticketing.clock.now())


async def add_event_links(services: Services, view: EventView) -> None:
    """Call inside the event page's function: its first HTML answer then carries the rich links."""
    facts = await services.off_loop(read_facts, services, view)
    ui.add_head_html(event_head(facts, services.settings.public_url))


def add_page_links(services: Services, path: str, title: str, description: str = SITE_DESCRIPTION) -> None:
    """Call inside any other public page's function (home, browse, an organizer's page)."""
    ui.add_head_html(page_head(services.settings.public_url, path, title, description))
