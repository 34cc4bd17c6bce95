"""Public discovery: `GET /events` (search upcoming public events) and `GET /organizers/{slug}`.

Both are `async` and reach the store once per request through `Services.off_loop`: a browse page is
what a shared link or a crawler hammers. Query parameters that cannot be read (a day like
2026-02-30, a page token that is not ours) answer 422 JSON, never 500."""

from __future__ import annotations

from datetime import datetime

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from eventflow.api.deps import OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict, model_response
from eventflow.domain.browse import Browse, OrganizerProfile
from eventflow.domain.discovery import (
    BrowseCard,
    BrowsePage,
    ListingQuery,
    page_token,
    read_day_or_instant,
    read_page_token,
)
from eventflow.domain.errors import NotFound
from eventflow.domain.links import event_url

router = resource_router()
PAGE_SIZE = 24


class ListedEventOut(BaseModel):
    id: str
    slug: str
    url: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    venue: str
    city: str
    tags: list[str]
    organizer_id: str
    almost_sold_out: bool
    sold_out: bool
    new: bool


class EventsPageOut(BaseModel):
    events: list[ListedEventOut]
    next_page: str | None  # pass as `page=` for the next page; null: nothing after


class OrganizerOut(BaseModel):
    slug: str
    name: str
    url: str
    events: list[ListedEventOut]  # upcoming public events, soonest first
    next_page: str | None


def listed(card: BrowseCard, base_url: str) -> ListedEventOut:
    x = card.listing
    return ListedEventOut(
        id=x.event_id, slug=x.slug, url=event_url(base_url, x.slug), title=x.title, starts_at=x.starts_at,
        ends_at=x.ends_at, timezone=x.timezone, venue=x.venue, city=x.city, tags=list(x.tags),
        organizer_id=x.organizer_id, almost_sold_out=card.almost_sold_out, sold_out=card.sold_out, new=card.new)


def browse_of(app: ServicesDep) -> Browse:
    if app.browse is None:
        raise NotFound("Browsing is not available on this server")
    return app.browse


def search_page(browse: Browse, q: str, date_from: str | None, date_to: str | None, city: str, tag: str,
                page: str | None) -> BrowsePage:
    query = ListingQuery.of(text=q, date_from=read_day_or_instant("from", date_from),
                            date_to=read_day_or_instant("to", date_to, end=True), city=city, tag=tag)
    return browse.search(query, PAGE_SIZE, read_page_token(page))


@router.get("/events", response_model=EventsPageOut, responses=ERRORS)
async def search_events(
    app: ServicesDep, q: str = Query("", max_length=400), date_from: str | None = Query(None, alias="from"),
    date_to: str | None = Query(None, alias="to"), city: str = Query("", max_length=200),
    tag: str = Query("", max_length=200), page: str | None = Query(None, max_length=200),
) -> Response:
    """Upcoming public events, soonest first: `q` words (each the start of a word of the title, venue,
    city or tags), `from`/`to` days (UTC, `to` inclusive) or instants, `city`, `tag`; 24 per page."""
    found = await app.off_loop(search_page, browse_of(app), q, date_from, date_to, city, tag, page)
    base = app.settings.public_url
    return model_response(EventsPageOut(
        events=[listed(card, base) for card in found.cards],
        next_page=page_token(found.next_after) if found.next_after else None))


@router.get("/organizers/{slug}", response_model=OrganizerOut, responses=ERRORS)
async def get_organizer(app: ServicesDep, slug: str, page: str | None = Query(None, max_length=200)) -> Response:
    """An organizer's public profile and their upcoming public events."""
    browse = browse_of(app)
    after = read_page_token(page)
    profile: OrganizerProfile | None = await app.off_loop(browse.organizer_profile, slug, PAGE_SIZE, after)
    if profile is None:
        raise NotFound("No such organizer")
    base = app.settings.public_url
    return model_response(OrganizerOut(
        slug=profile.slug, name=profile.name, url=f"{base.rstrip('/')}/o/{profile.slug}",
        events=[listed(card, base) for card in profile.cards],
        next_page=page_token(profile.next_after) if profile.next_after else None))


class TagsIn(Strict):
    tags: list[str] = Field(max_length=20)


class TagsOut(BaseModel):
    event_id: str
    tags: list[str]


class AddressIn(Strict):
    slug: str = Field(max_length=80)


class AddressOut(BaseModel):
    slug: str
    url: str


@router.put("/events/{event_id}/tags", response_model=TagsOut, responses=ERRORS)
def set_event_tags(event_id: str, body: TagsIn, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """The event's category tags (at most 5; 'Jazz & Blues' is kept as 'jazz-blues'), which browse filters on."""
    tags = browse_of(app).set_tags(organizer_id, event_id, body.tags)
    return model_response(TagsOut(event_id=event_id, tags=list(tags)))


@router.put("/organizer/address", response_model=AddressOut, responses=ERRORS)
def set_organizer_address(body: AddressIn, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """The organizer's public page address, `/o/{slug}` (unique; 409 when another organizer has it)."""
    slug = browse_of(app).set_organizer_slug(organizer_id, body.slug)
    return model_response(AddressOut(slug=slug, url=f"{app.settings.public_url.rstrip('/')}/o/{slug}"))
