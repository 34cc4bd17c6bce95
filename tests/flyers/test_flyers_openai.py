"""The AI engine through the real `openai` SDK against the local stand-in of the OpenAI API: success,
429 then success, timeout, refusal, invalid JSON, a content-policy rejection. Every failure is a
`FlyerEngineFailed` with a sentence for the organizer; through `Flyers` it becomes the local result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from eventflow.adapters.flyers_openai import OpenAIFlyers
from eventflow.domain.flyers import FlyerEngineFailed
from tests.flyers.checks import qr_texts
from tests.flyers.openai_standin import StandIn, openai_standin
from tests.flyers.test_flyers_render import URL, facts

STARTED = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with openai_standin() as running:
        yield running


def engine(standin: StandIn, **settings: float) -> OpenAIFlyers:
    return OpenAIFlyers(api_key="sk-test", base_url=standin.url, timeout_seconds=settings.get("timeout", 5),
                        max_retries=int(settings.get("retries", 2)))


def test_success_asks_for_structured_output_and_lays_the_facts_on_the_art(standin: StandIn) -> None:
    draft = engine(standin).generate(facts("Harbour Jazz Night"), "jazz", "night")
    (chat_path, chat), (image_path, image) = standin.requests
    assert chat_path == "/v1/chat/completions" and image_path == "/v1/images/generations"
    assert chat["response_format"]["type"] == "json_schema"
    assert "image_prompt" in chat["response_format"]["json_schema"]["schema"]["properties"]
    assert "Harbour Jazz Night" in chat["messages"][1]["content"] and "from €12" in chat["messages"][1]["content"]
    assert image["prompt"] == "Warm abstract brass instruments in soft light, no text"
    assert qr_texts(draft.files["square_png"]) == [URL]  # the facts are drawn locally, on top of the art
    assert draft.captions["instagram"] == ("AI insta 1 #Jazz", "AI insta 2", "AI insta 3")
    assert len(draft.captions["x"][0]) <= 280 and draft.captions["x"][0].endswith("…")
    assert len(draft.captions["facebook"]) == 3  # the model's two, topped up from the templates
    assert draft.hashtags == ("#JazzNight", "#harbourmusic")
    assert draft.cost_usd == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6 + 0.042)


def test_429_is_retried_after_retry_after_then_succeeds(standin: StandIn) -> None:
    standin.script[:] = ["429", "ok", "429", "ok"]
    draft = engine(standin).generate(facts("Jazz"), "", "classic")
    assert [path for path, _ in standin.requests] == ["/v1/chat/completions"] * 2 + ["/v1/images/generations"] * 2
    assert draft.captions["email"][0] == "AI mail 1"


@pytest.mark.parametrize(("script", "retries", "message"), [
    (["429", "429", "429"], 2, "busy right now"),
    (["slow", "slow"], 1, "did not answer in time"),
    (["refusal"], 0, "declined this theme: I can't help with that."),
    (["invalid"], 0, "could not read"),
    (["ok", "policy"], 0, "refused this theme (content policy)"),
])
def test_failures_become_a_sentence_for_the_organizer(standin: StandIn, script: list[str], retries: int,
                                                      message: str) -> None:
    standin.script[:] = script
    standin.slow_seconds = 2.0
    with pytest.raises(FlyerEngineFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
        engine(standin, timeout=0.5, retries=retries).generate(facts("Jazz"), "", "classic")
    assert len(standin.requests) == len(script)  # each retry was a request; nothing more was asked


def test_an_unreachable_server_is_a_clear_failure() -> None:
    with openai_standin() as gone:
        url = gone.url
    broken = OpenAIFlyers(api_key="sk-test", base_url=url, timeout_seconds=1, max_retries=0)
    with pytest.raises(FlyerEngineFailed, match="could not be reached"):
        broken.generate(facts("Jazz"), "", "classic")


def test_captions_alone_cost_one_chat_call_and_no_image(standin: StandIn) -> None:
    draft = engine(standin).generate(facts("Jazz"), "", "classic", parts=frozenset({"captions"}))
    assert [path for path, _ in standin.requests] == ["/v1/chat/completions"]
    assert draft.files == {} and draft.captions["email"][0] == "AI mail 1"
    assert draft.cost_usd == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)


def test_the_ai_is_told_the_descriptions_language_and_tops_up_in_it(standin: StandIn) -> None:
    german = facts("Jazz", description="Ein Abend mit Live-Jazz direkt am Wasser, mit Freunden und guter Musik.")
    draft = engine(standin).generate(german, "", "classic", parts=frozenset({"captions"}))
    brief = standin.requests[0][1]["messages"][1]["content"]
    assert brief.startswith("Caption language: German (de). Write every caption in German.")
    assert draft.captions["facebook"][2].startswith("Jazz, Hafenbar, Am Kai 3, Berlin –")  # the German template
    english = engine(standin).generate(facts("Jazz"), "", "classic", parts=frozenset({"captions"}))
    assert standin.requests[1][1]["messages"][1]["content"].startswith("Caption language: English (en).")
    assert english.captions["facebook"][2].startswith("Jazz at Hafenbar")
