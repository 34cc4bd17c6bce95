"""The editor's "Sell on your own site" panel (NiceGUI's simulated user): the snippet frames this event's
widget at the public address, and the live preview shows once the event is published."""

from __future__ import annotations

import pytest

from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, log_in

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


async def test_the_snippet_and_the_preview_are_this_events(site: Site) -> None:
    organizer = site.organizer()
    draft, _ = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 10}], publish=False)
    await log_in(site, organizer)
    await site.user.open(f"/dashboard/events/{draft.id}/edit")
    panel = " ".join(e.content for e in element(site.user, "embed-panel").descendants() if hasattr(e, "content"))
    assert f'src="http://localhost:8080/embed/e/{draft.slug}"' in panel.replace("&quot;", '"')
    by_testid(site.user, "embed-preview-later")  # a draft has no widget to preview yet

    published, _ = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 10}], publish=True)
    await site.user.open(f"/dashboard/events/{published.id}/edit")
    panel = " ".join(e.content for e in element(site.user, "embed-panel").descendants() if hasattr(e, "content"))
    assert f'src="/embed/e/{published.slug}"' in panel and 'data-testid="embed-preview"' in panel
    assert published.slug != draft.slug
