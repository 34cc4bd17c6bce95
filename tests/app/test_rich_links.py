"""Rich links as a crawler sees them: the server's first HTML answer of an event page (no browser, real
HTTP) carries Open Graph, Twitter card, canonical, meta description, `<html lang>` and schema.org
`Event` JSON-LD valid against schema.org's Event, Offer and Place properties (scheduled, cancelled,
rescheduled); `/e/{slug}.ics` parses with icalendar in the event's timezone; the sitemap lists
exactly the published, not cancelled events; robots.txt; the generated card; unknown pages are 404s."""

from __future__ import annotations

import io
import json
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import jsonschema
import pytest
from icalendar import Calendar
from PIL import Image

from tests.server import running_app

PUBLIC = "https://tickets.example.org"  # the configured public address: every URL must use it, not the Host
NOW = datetime.now(UTC).replace(microsecond=0)
MADE: dict[str, str] = {}  # slug -> status of every event this module's server has
# schema.org property names (https://schema.org/Event, /Offer, /Place; Thing's included): a key outside
# these is not schema.org, a typo a validator would flag.
THING = {"@context", "@type", "name", "description", "url", "image", "identifier", "sameAs"}
EVENT_PROPERTIES = THING | {
    "startDate", "endDate", "doorTime", "duration", "eventStatus", "eventAttendanceMode", "location", "organizer",
    "performer", "offers", "previousStartDate", "inLanguage", "isAccessibleForFree", "maximumAttendeeCapacity",
    "remainingAttendeeCapacity", "superEvent", "subEvent", "typicalAgeRange", "keywords", "audience"}
OFFER_PROPERTIES = THING | {"price", "priceCurrency", "availability", "validFrom", "validThrough",
                            "availabilityStarts", "availabilityEnds", "category", "inventoryLevel"}
ISO_INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$"
ABSOLUTE = f"^{PUBLIC}/"
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["@context", "@type", "name", "startDate", "endDate", "location", "eventStatus", "url", "image",
                 "offers", "eventAttendanceMode"],
    "propertyNames": {"enum": sorted(EVENT_PROPERTIES)},
    "properties": {
        "@context": {"const": "https://schema.org"},
        "@type": {"const": "Event"},
        "name": {"type": "string", "minLength": 1},
        "startDate": {"type": "string", "pattern": ISO_INSTANT},
        "endDate": {"type": "string", "pattern": ISO_INSTANT},
        "previousStartDate": {"type": "string", "pattern": ISO_INSTANT},
        "eventStatus": {"enum": [f"https://schema.org/{s}" for s in (
            "EventScheduled", "EventCancelled", "EventPostponed", "EventRescheduled", "EventMovedOnline")]},
        "eventAttendanceMode": {"const": "https://schema.org/OfflineEventAttendanceMode"},
        "url": {"type": "string", "pattern": ABSOLUTE},
        "image": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": ABSOLUTE}},
        "location": {"type": "object", "required": ["@type", "name", "address"],
                     "propertyNames": {"enum": sorted(THING | {"address", "geo"})},
                     "properties": {"@type": {"const": "Place"}}},
        "organizer": {"type": "object", "required": ["@type", "name"],
                      "properties": {"@type": {"enum": ["Organization", "Person"]}}},
        "offers": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["@type", "price", "priceCurrency", "availability", "validFrom", "url"],
            "propertyNames": {"enum": sorted(OFFER_PROPERTIES)},
            "properties": {
                "@type": {"const": "Offer"},
                "price": {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
                "priceCurrency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                "availability": {"enum": [f"https://schema.org/{s}" for s in (
                    "InStock", "SoldOut", "PreOrder", "LimitedAvailability", "Discontinued", "OutOfStock")]},
                "validFrom": {"type": "string", "pattern": ISO_INSTANT},
                "url": {"type": "string", "pattern": ABSOLUTE}}}},
    },
}


class Head(HTMLParser):
    """The <html lang>, meta and link tags and JSON-LD scripts of a page, as the server sent them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang: str | None = None
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, str] = {}
        self.json_ld: list[Any] = []
        self._in_json_ld = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "meta" and "content" in values:
            key = values.get("property") or values.get("name") or ""
            self.meta.setdefault(key, []).append(values["content"])
        elif tag == "link" and "rel" in values:
            self.links[values["rel"]] = values.get("href", "")
        elif tag == "script" and values.get("type") == "application/ld+json":
            self._in_json_ld = True

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag: str) -> None:
        self._in_json_ld = False

    def one(self, key: str) -> str:
        assert len(self.meta.get(key, [])) == 1, (key, self.meta.get(key))
        return self.meta[key][0]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("richlinks")


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    with running_app(data_dir, EVENTFLOW_BASE_URL=PUBLIC) as url:
        yield url


@pytest.fixture(scope="module")
def api(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server}/api/v1", timeout=20) as client:
        yield client


@pytest.fixture(scope="module")
def auth(api: httpx.Client) -> dict[str, str]:
    response = api.post("/auth/signup", json={
        "email": f"org-{secrets.token_hex(4)}@example.com", "password": "long enough", "name": "Kiez Kollektiv"})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def make_event(api: httpx.Client, auth: dict[str, str], title: str, publish: bool = True,
               description: str = "Techno **until late** <script>alert(1)</script>") -> dict[str, Any]:
    starts = NOW + timedelta(days=20)
    event = api.post("/events", headers=auth, json={
        "title": title, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=6)).isoformat(),
        "timezone": "Asia/Tokyo", "venue": "Basement, Shibuya", "currency": "JPY", "description": description,
        "fee_mode": "buyer_pays"}).json()
    for name, price, capacity in (("Early bird", 1500, 100), ("Door", 0, 3)):
        response = api.post(f"/events/{event['id']}/tiers", headers=auth,
                            json={"name": name, "price_minor": price, "capacity": capacity})
        assert response.status_code == 201, response.text
    if publish:
        assert api.post(f"/events/{event['id']}/publish", headers=auth).status_code == 200
    MADE[event["slug"]] = "published" if publish else "draft"
    return event


def cancel(api: httpx.Client, auth: dict[str, str], event: dict[str, Any]) -> None:
    assert api.post(f"/events/{event['id']}/cancel", headers=auth, json={"message": "Storm"}).status_code == 202
    MADE[event["slug"]] = "cancelled"


def head_of(server: str, slug: str) -> Head:
    response = httpx.get(f"{server}/e/{slug}", timeout=20)
    assert response.status_code == 200
    return Head(response.text)


def test_an_event_page_carries_open_graph_and_valid_schema_org_event(server: str, api: httpx.Client,
                                                                       auth: dict[str, str]) -> None:
    event = make_event(api, auth, "Neon Nights </script> & friends")
    head = head_of(server, event["slug"])
    page = f"{PUBLIC}/e/{event['slug']}"
    assert head.lang == "en-GB"
    assert head.links["canonical"] == page
    assert head.one("og:url") == page and head.one("og:type") == "website"
    assert head.one("og:title") == "Neon Nights </script> & friends"
    assert head.one("twitter:card") == "summary_large_image"
    description = head.one("description")
    assert description == head.one("og:description")
    assert description.startswith("Sat ") or "(Asia/Tokyo)" in description
    assert "Basement, Shibuya" in description and "until late" in description and "**" not in description
    image = head.one("og:image")
    assert image.startswith(f"{PUBLIC}/e/{event['slug']}/card.png?v=") and head.one("twitter:image") == image
    assert (head.one("og:image:width"), head.one("og:image:height")) == ("1200", "630")

    [data] = head.json_ld
    jsonschema.validate(data, EVENT_SCHEMA)
    assert data["name"] == "Neon Nights </script> & friends"
    assert data["eventStatus"] == "https://schema.org/EventScheduled" and "previousStartDate" not in data
    assert data["startDate"].endswith("+09:00")  # in the event's own timezone
    assert datetime.fromisoformat(data["startDate"]) == datetime.fromisoformat(event["starts_at"])
    assert data["organizer"] == {"@type": "Organization", "name": "Kiez Kollektiv"}
    assert [(o["name"], o["price"], o["priceCurrency"], o["availability"]) for o in data["offers"]] == [
        ("Early bird", "1500", "JPY", "https://schema.org/InStock"),
        ("Door", "0", "JPY", "https://schema.org/LimitedAvailability")]
    assert data["image"] == [image]


def test_the_generated_card_is_a_1200_by_630_png_and_cached(server: str, api: httpx.Client,
                                                            auth: dict[str, str]) -> None:
    event = make_event(api, auth, "夏祭り Summer Festival 🎆")
    image = head_of(server, event["slug"]).one("og:image")
    first = httpx.get(image.replace(PUBLIC, server), timeout=30)
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    assert "immutable" in first.headers["cache-control"]
    with Image.open(io.BytesIO(first.content)) as picture:
        assert picture.size == (1200, 630)
    again = httpx.get(image.replace(PUBLIC, server), timeout=30)
    assert again.content == first.content
    assert httpx.get(f"{server}/e/no-such-event/card.png").status_code == 404


def test_a_cover_is_the_share_image_with_its_size_and_a_new_url_when_it_changes(
        server: str, data_dir: Path, api: httpx.Client, auth: dict[str, str]) -> None:
    event = make_event(api, auth, "Covered")
    covers = data_dir / "covers"
    covers.mkdir(exist_ok=True)
    Image.new("RGB", (800, 400), "#5b21b6").save(covers / f"{event['id']}.jpg", "JPEG")  # as CoverImages saves it
    head = head_of(server, event["slug"])
    image = head.one("og:image")
    assert image.startswith(f"{PUBLIC}/covers/{event['id']}.jpg?v=")
    assert (head.one("og:image:width"), head.one("og:image:height"), head.one("og:image:type")) == (
        "800", "400", "image/jpeg")
    assert head.json_ld[0]["image"] == [image] and head.one("twitter:image") == image
    assert httpx.get(image.replace(PUBLIC, server)).headers["content-type"] == "image/jpeg"
    later = (covers / f"{event['id']}.jpg").stat().st_mtime + 5
    os.utime(covers / f"{event['id']}.jpg", (later, later))  # a new cover: previews must fetch it again
    assert head_of(server, event["slug"]).one("og:image") != image


def test_a_cancelled_event_says_so_to_crawlers(server: str, api: httpx.Client, auth: dict[str, str]) -> None:
    event = make_event(api, auth, "Rained Off")
    cancel(api, auth, event)
    head = head_of(server, event["slug"])
    [data] = head.json_ld
    jsonschema.validate(data, EVENT_SCHEMA)
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert {offer["availability"] for offer in data["offers"]} == {"https://schema.org/Discontinued"}
    assert head.one("og:title") == "Cancelled: Rained Off"
    assert head.one("description").startswith("Cancelled.")


def test_a_postponed_event_is_rescheduled_with_its_previous_start(server: str, api: httpx.Client,
                                                                  auth: dict[str, str]) -> None:
    event = make_event(api, auth, "Moved Gig")
    new_start = NOW + timedelta(days=40)
    response = api.post(f"/events/{event['id']}/postpone", headers=auth, json={
        "starts_at": new_start.isoformat(), "ends_at": (new_start + timedelta(hours=3)).isoformat(),
        "refund_deadline": (NOW + timedelta(days=30)).isoformat(), "message": "New date"})
    assert response.status_code == 202, response.text
    [data] = head_of(server, event["slug"]).json_ld
    jsonschema.validate(data, EVENT_SCHEMA)
    # schema.org: EventPostponed is "no new date yet"; ours always has one, so EventRescheduled.
    assert data["eventStatus"] == "https://schema.org/EventRescheduled"
    assert datetime.fromisoformat(data["previousStartDate"]) == datetime.fromisoformat(event["starts_at"])
    assert datetime.fromisoformat(data["startDate"]) == new_start


def test_the_ics_parses_in_the_events_timezone(server: str, api: httpx.Client, auth: dict[str, str]) -> None:
    event = make_event(api, auth, "Calendar Night")
    response = httpx.get(f"{server}/e/{event['slug']}.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    [entry] = calendar.walk("VEVENT")
    start = entry.decoded("dtstart")
    assert start.tzinfo is not None and str(start.tzinfo) == "Asia/Tokyo"
    assert start == datetime.fromisoformat(event["starts_at"]) and start.utcoffset() == timedelta(hours=9)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    assert str(entry["url"]) == f"{PUBLIC}/e/{event['slug']}"
    assert httpx.get(f"{server}/e/no-such-event.ics").status_code == 404
    draft = make_event(api, auth, "Secret Draft", publish=False)
    assert httpx.get(f"{server}/e/{draft['slug']}.ics").status_code == 404


def test_the_sitemap_lists_exactly_the_published_events_and_robots_points_at_it(
        server: str, api: httpx.Client, auth: dict[str, str]) -> None:
    on_sale = make_event(api, auth, "Listed One")
    draft = make_event(api, auth, "Not Yet", publish=False)
    cancelled = make_event(api, auth, "Called Off")
    cancel(api, auth, cancelled)
    response = httpx.get(f"{server}/sitemap.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = [loc.text for loc in ElementTree.fromstring(response.content).findall("s:url/s:loc", namespace)]
    events = {url for url in urls if url and url.startswith(f"{PUBLIC}/e/")}
    published = {f"{PUBLIC}/e/{slug}" for slug, status in MADE.items() if status == "published"}
    assert f"{PUBLIC}/" in urls and f"{PUBLIC}/events" in urls
    organizers = [url for url in urls if url and url.startswith(f"{PUBLIC}/o/")]
    assert len(organizers) == 1  # this module's one organizer, who has listed events
    assert httpx.get(organizers[0].replace(PUBLIC, server)).status_code == 200
    assert set(urls) == {f"{PUBLIC}/", f"{PUBLIC}/events", *organizers, *events}
    assert f"{PUBLIC}/e/{on_sale['slug']}" in events
    assert f"{PUBLIC}/e/{draft['slug']}" not in events and f"{PUBLIC}/e/{cancelled['slug']}" not in events
    assert events == published  # every event this server has: drafts and cancelled ones left out
    for url in events:  # every listed event page is public and live
        slug = url.rsplit("/", 1)[1]
        assert httpx.get(f"{server}/e/{slug}").status_code == 200

    robots = httpx.get(f"{server}/robots.txt")
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    lines = robots.text.splitlines()
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in lines
    for private in ("/dashboard", "/api/", "/checkout/", "/t/", "/r/", "/scan/"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /e/" not in lines and "Disallow: /" not in lines


@pytest.mark.parametrize("path", ["/no/such/page", "/e/no-such-event", "/events-that-are-not-here.xml"])
def test_unknown_pages_are_real_404s(server: str, path: str) -> None:
    response = httpx.get(server + path, follow_redirects=False)
    assert response.status_code == 404


def test_other_public_pages_have_a_canonical_url(server: str) -> None:
    head = Head(httpx.get(f"{server}/").text)
    assert head.lang == "en-GB"
    assert head.links["canonical"] == f"{PUBLIC}/"
    assert head.one("og:url") == f"{PUBLIC}/" and head.one("description")


def test_only_the_widget_may_be_framed(server: str, api: httpx.Client, auth: dict[str, str]) -> None:
    event = make_event(api, auth, "Framed Fair")
    widget = httpx.get(f"{server}/embed/e/{event['slug']}", timeout=10)
    assert widget.status_code == 200 and "x-frame-options" not in widget.headers
    assert "frame-ancestors *" in widget.headers["content-security-policy"]
    page = httpx.get(f"{server}/e/{event['slug']}", timeout=10)
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert httpx.get(f"{server}/embed/e/no-such-event", timeout=10).status_code == 404


def test_the_widgets_form_refuses_nonsense_readably(server: str, api: httpx.Client, auth: dict[str, str]) -> None:
    event = make_event(api, auth, "Form Fair")
    tiers = api.get(f"/events/{event['id']}").json()["tiers"]
    door = next(t for t in tiers if t["name"] == "Door")  # capacity 3
    buy = f"{server}/embed/e/{event['slug']}/buy"
    nothing = httpx.post(buy, data={"name": "A", "email": "a@example.com"})
    assert nothing.status_code == 422 and "Choose at least one ticket" in nothing.text
    too_many = httpx.post(buy, data={f"qty-{door['id']}": "4", "name": "A", "email": "a@example.com"})
    assert too_many.status_code in (409, 422) and "<script" not in too_many.text.split("<body", 1)[1]
    garbage = httpx.post(buy, data={f"qty-{door['id']}": "-1e9", "name": "", "email": "nope"})
    assert garbage.status_code == 422
    bad_buyer = httpx.post(buy, data={f"qty-{door['id']}": "1", "name": "", "email": "nope"})
    assert bad_buyer.status_code == 422
    form = {f"qty-{door['id']}": "2", "name": "Ann", "email": "ann@example.com", "key": "same-click"}
    first = httpx.post(buy, data=form)
    again = httpx.post(buy, data=form)  # a double submit: the same hold, not two
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert first.headers["location"].startswith("/checkout/res_")
    assert httpx.post(f"{server}/embed/e/no-such-event/buy", data=form).status_code == 404
