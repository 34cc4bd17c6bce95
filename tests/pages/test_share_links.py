"""The share and calendar links of the event page, the widget snippet and the generated card, without
a server: each service gets the event's real instants, names and addresses, safely escaped."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from eventflow.adapters.share_card import CardFacts, ShareCards, render_card
from eventflow.domain.models import Event, EventStatus
from eventflow.domain.money import FeeMode
from eventflow.pages.components.embed_snippet import snippet
from eventflow.pages.components.share_buttons import share_html

BASE = "https://tickets.example.org"


def event(status: EventStatus = EventStatus.PUBLISHED, title: str = 'Jazz "&" <Friends>') -> Event:
    return Event(id="evt_1", organizer_id="org_1", slug="jazz-friends", title=title,
                 starts_at=datetime(2026, 12, 12, 22, 0, tzinfo=UTC), ends_at=datetime(2026, 12, 13, 2, 0, tzinfo=UTC),
                 timezone="Europe/Berlin", venue="Keller, Berlin", currency="EUR", description="",
                 fee_mode=FeeMode.BUYER_PAYS, status=status, created_at=datetime(2026, 11, 1, tzinfo=UTC))


class Links(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.by_testid: dict[str, dict[str, str]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "data-testid" in values:
            self.by_testid[values["data-testid"]] = values


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_share_and_calendar_links_carry_the_event() -> None:
    links = Links(share_html(event(), BASE)).by_testid
    page = f"{BASE}/e/jazz-friends"
    assert links["share-copy"]["data-url"] == page and links["share-native"]["data-title"] == 'Jazz "&" <Friends>'
    assert query(links["share-whatsapp"]["href"])["text"] == [f'Jazz "&" <Friends> {page}']
    assert query(links["share-x"]["href"])["url"] == [page]
    assert query(links["share-facebook"]["href"])["u"] == [page]
    google = query(links["calendar-google"]["href"])
    assert google["dates"] == ["20261212T220000Z/20261213T020000Z"] and google["ctz"] == ["Europe/Berlin"]
    assert google["text"] == ['Jazz "&" <Friends>'] and google["location"] == ["Keller, Berlin"]
    outlook = query(links["calendar-outlook"]["href"])
    assert outlook["startdt"] == ["2026-12-12T22:00:00Z"] and outlook["enddt"] == ["2026-12-13T02:00:00Z"]
    assert links["calendar-apple"]["href"] == "/e/jazz-friends.ics"
    for testid in ("share-whatsapp", "share-x", "share-facebook", "calendar-google", "calendar-outlook"):
        assert links[testid]["target"] == "_blank" and "noopener" in links[testid]["rel"]


def test_a_cancelled_event_offers_no_calendar_entry() -> None:
    links = Links(share_html(event(EventStatus.CANCELLED), BASE)).by_testid
    assert "share-copy" in links and not any(testid.startswith("calendar") for testid in links)


def test_the_snippet_frames_the_widget_and_trusts_only_our_origin() -> None:
    code = snippet(BASE, event(title='A "quoted" <b>title</b>'))
    assert f'src="{BASE}/embed/e/jazz-friends"' in code
    assert 'title="Tickets: A &quot;quoted&quot; &lt;b&gt;title&lt;/b&gt;"' in code
    assert f'e.origin!=="{BASE}"' in code and "e.source" in code


def test_the_card_fits_any_title(tmp_path) -> None:  # type: ignore[no-untyped-def]
    long_title = "Ein sehr langer Titel " * 12 + "مهرجان الصيف 夏祭り 🎆"
    for facts in (CardFacts(long_title, "Sat 12 Dec 2026, 23:00–03:00 (Europe/Berlin)", "Keller " * 30,
                            "tickets.example.org", cancelled=True),
                  CardFacts("X", "Sat", "", "tickets.example.org")):
        with Image.open(io.BytesIO(render_card(facts))) as picture:
            assert picture.size == (1200, 630) and picture.format == "PNG"
    cards = ShareCards(tmp_path)
    first = cards.card("evt_1", "v1", CardFacts("One", "Sat", "", "x"))
    assert cards.card("evt_1", "v1", CardFacts("Changed but same version", "Sat", "", "x")) == first
    second = cards.card("evt_1", "v2", CardFacts("Two", "Sat", "", "x"))
    assert second.is_file() and not first.exists()  # the older version is removed
    assert [p.name for p in tmp_path.iterdir()] == ["evt_1-v2.png"]


def test_offers_say_when_tickets_can_be_bought() -> None:
    from datetime import timedelta

    from eventflow.domain.models import Tier
    from eventflow.pages.components.rich_links import EventLinkFacts, event_json_ld

    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    tiers = (
        Tier("t1", "evt_1", "Later", 1000, 50, sales_start=now + timedelta(days=2)),
        Tier("t2", "evt_1", "Gone", 1000, 5, sold=5),
        Tier("t3", "evt_1", "Over", 1000, 50, sales_end=now - timedelta(hours=1)),
        Tier("t4", "evt_1", "Secret", 1000, 50, hidden=True),
        Tier("t5", "evt_1", "Plenty", 999, 100),
    )
    facts = EventLinkFacts(event=event(), tiers=tiers, organizer=None, change=None, cover=None, now=now)
    offers = {offer["name"]: offer for offer in event_json_ld(facts, BASE)["offers"]}
    assert {name: offer["availability"].rsplit("/", 1)[1] for name, offer in offers.items()} == {
        "Later": "PreOrder", "Gone": "SoldOut", "Over": "Discontinued", "Plenty": "InStock"}  # no hidden tier
    assert offers["Later"]["validFrom"] == "2026-12-03T13:00:00+01:00"  # sales start, in Berlin time
    assert offers["Plenty"]["price"] == "9.99" and offers["Plenty"]["validFrom"] == "2026-11-01T01:00:00+01:00"
