"""What crawlers and calendars fetch: `/robots.txt`, `/sitemap.xml`, `/e/{slug}.ics` and the
generated link-preview card `/e/{slug}/card.png` (pages/components/rich_links.py points at it).

Registered on NiceGUI's app BEFORE the pages (app/wiring.py), so `/e/{slug}.ics` is not taken for
an event page whose slug ends in ".ics" (slugs never contain a dot: domain/models.slugify).

The sitemap lists exactly the events a buyer can still go to: published and not ended yet, read
page by page from the store's upcoming-events index (the home page's), never a scan. Drafts are
not public; cancelled events keep their page (with `EventCancelled` for crawlers that knew it) but
are no longer advertised; ended events drop out.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import FileResponse, PlainTextResponse, Response

from eventflow.adapters.calendar import CONTENT_TYPE, event_calendar
from eventflow.adapters.share_card import CardFacts, ShareCards
from eventflow.domain.links import event_url
from eventflow.domain.models import Event, EventStatus
from eventflow.pages.components.formatting import event_when
from eventflow.pages.components.rich_links import card_version
from eventflow.services import Services

SITEMAP_LIMIT = 50_000  # the sitemap protocol's cap per file
SITEMAP_PAGE = 1_000  # events per store read
# Public listing pages, each listed when a route serves it (browse and organizer pages: pages/browse.py,
# pages/organizer_profile.py).
LISTING_PATHS = ("/", "/events")
ORGANIZER_PAGE = "/o/{slug}"  # an organizer's public page, listed for organizers with a listed event
# Nothing a search engine should index or follow: organizer screens, the API, buyers' holds, orders
# and tickets (their links are capabilities), the door, the embeddable widget (the event page is the
# page to index), sign-in and payment return pages.
PRIVATE_PREFIXES = ("/dashboard", "/account", "/api/", "/docs", "/redoc", "/checkout/", "/r/", "/t/", "/scan/",
                    "/pay/", "/embed/", "/login", "/signup", "/logout", "/forgot-password", "/reset-password")


def robots_text(base_url: str) -> str:
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    lines += ["", f"Sitemap: {base_url}/sitemap.xml", ""]
    return "\n".join(lines)


def sitemap_xml(base_url: str, listing_paths: list[str], events: list[Event]) -> str:
    urls = [f"{base_url}{path}" for path in listing_paths] + [event_url(base_url, e.slug) for e in events]
    entries = "".join(f"<url><loc>{escape(url)}</loc></url>" for url in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>\n')


def listed_events(services: Services) -> list[Event]:
    """Published events not ended yet, soonest first, up to the sitemap's cap (blocking)."""
    now = services.ticketing.clock.now()
    events: list[Event] = []
    after: tuple[datetime, str] | None = None
    while len(events) < SITEMAP_LIMIT:
        page = services.queries.upcoming_public_page(now, min(SITEMAP_PAGE, SITEMAP_LIMIT - len(events)), after)
        events += page.events
        if page.next_after is None:
            break
        after = page.next_after
    return [event for event in events if event.status is EventStatus.PUBLISHED]


def organizer_paths(services: Services, events: list[Event]) -> list[str]:
    """`/o/{slug}` of each organizer with a listed event (one read per organizer; blocking)."""
    if services.browse is None:
        return []
    slugs = (services.browse.organizer_slug(organizer_id) for organizer_id in dict.fromkeys(
        event.organizer_id for event in events))
    return [f"/o/{slug}" for slug in slugs if slug]


def card_facts(event: Event, base_url: str) -> CardFacts:
    return CardFacts(title=event.title, when=event_when(event.starts_at, event.ends_at, event.timezone),
                     venue=event.venue, footer=urlsplit(base_url).netloc or base_url,
                     cancelled=event.status is EventStatus.CANCELLED)


def register(app: FastAPI, services: Services) -> None:
    base_url = services.settings.public_url
    cards = ShareCards(services.settings.data_dir / "cards")

    def served(path: str) -> bool:
        return any(getattr(route, "path", None) == path for route in app.routes)

    @app.get("/robots.txt", include_in_schema=False)
    def robots() -> PlainTextResponse:
        return PlainTextResponse(robots_text(base_url), headers={"Cache-Control": "public, max-age=3600"})

    @app.get("/sitemap.xml", include_in_schema=False)
    async def sitemap() -> Response:
        events = await services.off_loop(listed_events, services)
        pages = [path for path in LISTING_PATHS if served(path)]
        if served(ORGANIZER_PAGE):
            pages += await services.off_loop(organizer_paths, services, events)
        body = sitemap_xml(base_url, pages, events)
        return Response(body, media_type="application/xml", headers={"Cache-Control": "public, max-age=600"})

    @app.get("/e/{slug}.ics", include_in_schema=False)
    async def calendar(slug: str) -> Response:
        # Unknown and draft events raise NotFound: the API's error handler answers 404.
        view = await services.off_loop(services.catalog.public_event_by_slug, slug)
        body = event_calendar(view.event, base_url, now=services.ticketing.clock.now())
        return Response(body, media_type=f"{CONTENT_TYPE}; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="{view.event.slug}.ics"',
            "Cache-Control": "public, max-age=300"})

    @app.get("/e/{slug}/card.png", include_in_schema=False)
    async def card(slug: str, v: str = "") -> FileResponse:
        event = (await services.off_loop(services.catalog.public_event_by_slug, slug)).event
        version = card_version(event)  # always the current picture; `v` only busts previews' caches
        path = await services.in_thread(cards.card, event.id, version, card_facts(event, base_url))
        cache = "public, max-age=86400, immutable" if v == version else "public, max-age=300"
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": cache})
