"""The public event page stays small: every NiceGUI element costs server memory on every open page
(4-10 KiB each; a popular event has thousands of pages open, issue 10 target 2), so rarely used parts
(the code form) are built when first opened and static text is one HTML block. This bound keeps the
element count from silently growing back; raise it only with a measurement (notes/bench-page-memory.md)."""

from __future__ import annotations

from collections import Counter

import pytest

from eventflow.domain.access_codes import CodeSettings
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio

TIERS = [{"name": "Early bird", "price_minor": 1500, "capacity": 100},
         {"name": "Regular", "price_minor": 2500, "capacity": 100},
         {"name": "Supporter", "price_minor": 5000, "capacity": 20}]
MOST_ELEMENTS = 60  # 54 measured on 2026-12-01 (60 before: code form built on opening, brand one element), +10%


async def test_a_typical_event_page_has_few_elements(site: Site) -> None:
    organizer = site.organizer()
    event, _tiers = site.event(organizer, TIERS)
    site.services.codes.create(organizer.id, event.id, CodeSettings(
        code="friends", unlocks_tiers=None, discount_percent=10))
    await site.user.open(f"/e/{event.slug}")
    client = site.user.client
    assert client is not None
    kinds = Counter(type(e).__name__ for e in client.elements.values())
    assert len(client.elements) <= MOST_ELEMENTS, kinds
