"""`Flyers`, the use case: the organizer's own events only, one generation at a time per event (the race
written as a test), the AI engine's failures and daily limit falling back to the local designer, the
facts in the event's timezone with the lowest public price."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from eventflow.adapters.covers import CoverImages
from eventflow.adapters.flyer_files import FlyerFileStore
from eventflow.adapters.flyers_local import LocalFlyers
from eventflow.domain.clock import ManualClock
from eventflow.domain.errors import Conflict, NotFound, ValidationFailed
from eventflow.domain.flyers import BOTH, FlyerDraft, FlyerEngineFailed, FlyerFacts, Flyers, flyer_facts
from eventflow.domain.reservations import Ticketing
from tests.conftest import publish_event


class ScriptedAi:
    """An AI engine double: fails when told to, or waits for the test to let it finish."""

    def __init__(self) -> None:
        self.calls = 0
        self.failure: str | None = None
        self.started, self.release = threading.Event(), threading.Event()
        self.release.set()

    def generate(self, facts: FlyerFacts, theme: str, style: str, parts: frozenset[str] = BOTH,
                 paper: str = "A4") -> FlyerDraft:
        self.calls += 1
        self.started.set()
        self.release.wait(10)
        if self.failure:
            raise FlyerEngineFailed(self.failure)
        draft = LocalFlyers().generate(facts, theme, style, parts, paper)
        return replace(draft, captions={**draft.captions, "email": ("AI intro",) * 3}, cost_usd=0.05)


@pytest.fixture
def ai() -> ScriptedAi:
    return ScriptedAi()


@pytest.fixture
def flyers(service: Ticketing, clock: ManualClock, tmp_path: Path, ai: ScriptedAi) -> Flyers:
    store = service.store
    return Flyers(store=store, flyer_store=store, files=FlyerFileStore(tmp_path / "flyers"),  # type: ignore[arg-type]
                  engines={"local": LocalFlyers(), "openai": ai}, clock=clock, base_url="https://t.example",
                  covers=CoverImages(tmp_path / "covers"), daily_limit=2)


def test_facts_in_the_events_timezone_with_the_lowest_public_price(service: Ticketing) -> None:
    event, tiers = publish_event(service, prices=(2500, 1200, 9900))
    event = replace(event, starts_at=datetime(2027, 3, 14, 19, 0, tzinfo=UTC), timezone="Asia/Tokyo")
    facts = flyer_facts(event, tiers, "https://t.example")
    assert facts.when == "Mon 15 Mar 2027 · 04:00" and facts.price == "from €12"
    assert facts.url == f"https://t.example/e/{event.slug}?ref=flyer"
    hidden = [replace(t, hidden=True) if t.price_minor == 1200 else t for t in tiers]
    assert flyer_facts(event, hidden, "https://t.example").price == "from €25"
    assert flyer_facts(event, [replace(tiers[0], price_minor=0)], "").price == "Free entry"
    assert flyer_facts(replace(event, currency="JPY"), [replace(tiers[0], price_minor=1500)], "").price == "from ¥1,500"


def test_a_flyer_is_stored_with_its_files_and_another_organizer_sees_nothing(flyers: Flyers,
                                                                              service: Ticketing) -> None:
    event, _ = publish_event(service)
    other, _ = publish_event(service)
    flyer = flyers.generate(event.organizer_id, event.id, "jazz", "night")
    assert flyer.engine == "local" and flyer.files == ("poster_pdf", "square_png", "story_png")
    assert flyers.file(event.organizer_id, event.id, flyer.id, "square.png").startswith(b"\x89PNG")
    assert flyers.flyers(event.organizer_id, event.id) == [flyer]
    for attempt in (lambda: flyers.generate(other.organizer_id, event.id),
                    lambda: flyers.flyers(other.organizer_id, event.id),
                    lambda: flyers.file(other.organizer_id, event.id, flyer.id, "square_png"),
                    lambda: flyers.file(other.organizer_id, other.id, flyer.id, "square_png"),
                    lambda: flyers.use_as_cover(other.organizer_id, event.id, flyer.id)):
        with pytest.raises(NotFound):
            attempt()
    with pytest.raises(ValidationFailed):
        flyers.generate(event.organizer_id, event.id, engine="dall-e")


def test_one_generation_at_a_time_per_event(flyers: Flyers, service: Ticketing, ai: ScriptedAi) -> None:
    event, _ = publish_event(service)
    second_event, _ = publish_event(service, organizer_email=None)
    ai.release.clear()
    first = threading.Thread(target=flyers.generate, args=(event.organizer_id, event.id, "", "", "openai"))
    first.start()
    assert ai.started.wait(10)
    try:
        with pytest.raises(Conflict, match="being made"):
            flyers.generate(event.organizer_id, event.id)  # the same event, another engine: still refused
        assert flyers.busy(event.id)
        flyers.generate(second_event.organizer_id, second_event.id)  # another event is not held up
    finally:
        ai.release.set()
        first.join(10)
    assert not flyers.busy(event.id)
    assert len(flyers.flyers(event.organizer_id, event.id)) == 1
    flyers.generate(event.organizer_id, event.id)  # free again


def test_ai_failure_falls_back_to_the_local_designer_and_says_why(flyers: Flyers, service: Ticketing,
                                                                   ai: ScriptedAi) -> None:
    event, _ = publish_event(service)
    ai.failure = "The AI service did not answer in time."
    flyer = flyers.generate(event.organizer_id, event.id, engine="openai")
    assert flyer.engine == "local" and flyer.asked_engine == "openai"
    assert flyer.notice == "The AI service did not answer in time. Made with the local designer instead."
    assert flyer.captions["email"][0] != "AI intro" and flyer.cost_usd == 0


def test_daily_limit_per_organizer_protects_the_key(flyers: Flyers, service: Ticketing, ai: ScriptedAi,
                                                    clock: ManualClock) -> None:
    event, _ = publish_event(service)
    made = [flyers.generate(event.organizer_id, event.id, engine="openai") for _ in range(3)]
    assert [f.engine for f in made] == ["openai", "openai", "local"] and ai.calls == 2
    assert "today's 2 AI flyers" in made[2].notice
    other, _ = publish_event(service)
    assert flyers.generate(other.organizer_id, other.id, engine="openai").engine == "openai"  # per organizer
    clock.advance(timedelta(days=1, seconds=1))
    assert flyers.generate(event.organizer_id, event.id, engine="openai").engine == "openai"


def test_no_ai_engine_configured_means_local_with_a_notice(flyers: Flyers, service: Ticketing) -> None:
    event, _ = publish_event(service)
    del flyers.engines["openai"]
    flyer = flyers.generate(event.organizer_id, event.id, engine="openai")
    assert flyer.engine == "local" and "not set up" in flyer.notice


def test_use_as_cover_saves_the_square_post(flyers: Flyers, service: Ticketing, tmp_path: Path) -> None:
    event, _ = publish_event(service)
    flyer = flyers.generate(event.organizer_id, event.id)
    flyers.use_as_cover(event.organizer_id, event.id, flyer.id)
    assert CoverImages(tmp_path / "covers").exists(event.id)


def test_remake_only_the_captions_or_only_the_artwork(flyers: Flyers, service: Ticketing, ai: ScriptedAi,
                                                      clock: ManualClock) -> None:
    event, _ = publish_event(service)
    org = event.organizer_id
    with pytest.raises(ValidationFailed, match="Make a flyer first"):
        flyers.generate(org, event.id, only="captions")
    first = flyers.generate(org, event.id, style="night")
    square = flyers.file(org, event.id, first.id, "square_png")
    clock.advance(timedelta(minutes=1))
    captions_only = flyers.generate(org, event.id, style="night", engine="openai", only="captions")
    assert captions_only.captions["email"] == ("AI intro",) * 3  # new captions
    assert flyers.file(org, event.id, captions_only.id, "square_png") == square  # the same artwork
    clock.advance(timedelta(minutes=1))
    artwork_only = flyers.generate(org, event.id, style="bold", only="artwork", based_on=first.id)
    assert artwork_only.captions == first.captions and artwork_only.style == "bold"
    assert flyers.file(org, event.id, artwork_only.id, "square_png") != square
    assert [f.id for f in flyers.flyers(org, event.id)] == [artwork_only.id, captions_only.id, first.id]
    other, _ = publish_event(service)
    theirs = flyers.generate(other.organizer_id, other.id)
    with pytest.raises(NotFound):  # another event's flyer is no base
        flyers.generate(org, event.id, only="artwork", based_on=theirs.id)
    with pytest.raises(ValidationFailed):
        flyers.generate(org, event.id, only="everything")
