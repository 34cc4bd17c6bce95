"""The editor's Flyer panel through NiceGUI's simulated user: Generate shows the result and the captions,
a second flyer lists the first under "Earlier flyers", and a click while one is being made is refused
with a message instead of a second generation."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from eventflow.domain.flyers import FlyerDraft, FlyerFacts
from tests.pages import test_pages_user
from tests.pages.test_pages_user import Site, by_testid, element, log_in, until

site = test_pages_user.site
anyio_backend = test_pages_user.anyio_backend
pytestmark = pytest.mark.anyio


async def test_generate_two_flyers_from_the_editor(site: Site) -> None:
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Entry", "price_minor": 1200, "capacity": 10}])
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    await user.should_see("Flyer")
    by_testid(user, "flyer-generate").click()
    await until(lambda: len(site.services.flyers.flyers(organizer.id, event.id)) == 1, timeout=20)  # type: ignore[union-attr]
    await user.should_see("Flyer ready", retries=100)
    await user.should_see("Instagram")
    by_testid(user, "flyer-generate").click()
    await until(lambda: len(site.services.flyers.flyers(organizer.id, event.id)) == 2, timeout=20)  # type: ignore[union-attr]
    await user.should_see("Earlier flyers", retries=100)


async def test_the_print_size_picked_in_the_panel_is_the_posters(site: Site) -> None:
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Entry", "price_minor": 1200, "capacity": 10}])
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    await user.should_see("Print size")
    element(user, "flyer-paper").set_value("A3")
    by_testid(user, "flyer-generate").click()
    await until(lambda: len(site.services.flyers.flyers(organizer.id, event.id)) == 1, timeout=20)  # type: ignore[union-attr]
    await user.should_see("Poster (A3 PDF)", retries=100)
    assert [f.paper for f in site.services.flyers.flyers(organizer.id, event.id)] == ["A3"]  # type: ignore[union-attr]


async def test_an_edited_caption_is_kept_when_the_box_is_left(site: Site) -> None:
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Entry", "price_minor": 1200, "capacity": 10}])
    flyers = site.services.flyers
    assert flyers is not None
    flyers.generate(organizer.id, event.id)
    await log_in(site, organizer)
    user = site.user
    await user.open(f"/dashboard/events/{event.id}/edit")
    await user.should_see("Instagram", retries=100)
    element(user, "caption-email-2").set_value("Come along, bring a friend!")
    by_testid(user, "caption-email-2").trigger("blur")  # what leaving the box does in the browser
    await until(lambda: flyers.flyers(organizer.id, event.id)[0].captions["email"][2] == "Come along, bring a friend!",
                timeout=10)
    await user.should_see("Caption saved", retries=50)


async def test_a_click_while_a_flyer_is_being_made_is_refused(site: Site) -> None:
    organizer = site.organizer()
    event, _ = site.event(organizer, [{"name": "Entry", "price_minor": 0, "capacity": 10}])
    flyers = site.services.flyers
    assert flyers is not None
    local = flyers.engines["local"]
    started, release = threading.Event(), threading.Event()

    class Slow:
        def generate(self, facts: FlyerFacts, theme: str, style: str, **options: Any) -> FlyerDraft:
            started.set()
            release.wait(10)
            return local.generate(facts, theme, style, **options)

    flyers.engines["local"] = Slow()
    worker = threading.Thread(target=flyers.generate, args=(organizer.id, event.id))
    worker.start()
    try:
        assert started.wait(10)
        await log_in(site, organizer)
        user = site.user
        await user.open(f"/dashboard/events/{event.id}/edit")
        by_testid(user, "flyer-generate").click()
        await user.should_see("being made", retries=100)
    finally:
        release.set()
        worker.join(10)
    assert len(flyers.flyers(organizer.id, event.id)) == 1
