"""The AI flyer engine: the official `openai` SDK against OpenAI or any compatible server (base_url).

A chat model writes the image prompt and the captions as structured output (a JSON schema, the reply
validated with pydantic); an image model renders background art; the local layout
(adapters/flyers_local.py) lays the facts on top, so text in the image is never left to a model.
Every failure (timeout, rate limit after the SDK's retries with Retry-After, a refusal, a reply that is
not the schema, an unreachable server) becomes `FlyerEngineFailed` with a sentence for the organizer;
the use case then makes the flyer with the local engine."""

from __future__ import annotations

import base64
import binascii
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
from babel import Locale
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, Field, ValidationError

from eventflow.adapters.flyers_captions import caption_language, within
from eventflow.adapters.flyers_captions import captions as template_captions
from eventflow.adapters.flyers_local import LocalFlyers, render
from eventflow.domain.flyers import A4, ARTWORK, BOTH, CHANNELS, X_LIMIT, FlyerDraft, FlyerEngineFailed, FlyerFacts

log = logging.getLogger(__name__)

# US dollars: per million input / output tokens of the chat model, per image of the image model (list prices;
# an unknown model counts as the dearest listed, so the logged cost never understates).
CHAT_PRICES = {"gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.0), "gpt-4.1-mini": (0.40, 1.60)}
IMAGE_PRICES = {"gpt-image-1": 0.042, "dall-e-3": 0.040}


class AiCopy(BaseModel):
    """What the chat model must answer (the response format's JSON schema)."""

    image_prompt: str = Field(min_length=1, max_length=2000)
    instagram: list[str] = Field(min_length=1, max_length=5)
    x: list[str] = Field(min_length=1, max_length=5)
    facebook: list[str] = Field(min_length=1, max_length=5)
    email: list[str] = Field(min_length=1, max_length=5)
    hashtags: list[str] = Field(default_factory=list, max_length=10)


SYSTEM = (
    "You design event flyers and write social media captions. Answer with JSON only, matching the schema. "
    "image_prompt: a prompt for an image model that paints BACKGROUND ART ONLY for the event's theme: no text, "
    "no letters, no logos, calm space in the upper half for a title. Captions: 3 variants per channel, in the "
    "language the user names (the event description's), dates and prices written as that language does, "
    "using only the facts given (never invent dates, prices or places); "
    f"x variants at most {X_LIMIT} characters including the link; email: a short invitation intro."
)


@dataclass
class OpenAIFlyers:
    """`FlyerGenerator` on the OpenAI API. The client's retries honour 429 Retry-After headers."""

    api_key: str
    base_url: str | None = None
    chat_model: str = "gpt-4o-mini"
    image_model: str = "gpt-image-1"
    timeout_seconds: float = 60
    max_retries: int = 2
    covers: Path | None = None  # the cover images' folder: the accent colour from the event's cover
    client: openai.OpenAI = field(init=False)

    def __post_init__(self) -> None:
        self.client = openai.OpenAI(api_key=self.api_key, base_url=self.base_url, timeout=self.timeout_seconds,
                                    max_retries=self.max_retries)

    def generate(self, facts: FlyerFacts, theme: str, style: str, parts: frozenset[str] = BOTH,
                 paper: str = A4) -> FlyerDraft:
        """Captions alone cost one chat call; artwork costs the chat call (its prompt) and the image."""
        language = caption_language(facts)
        try:
            copy, chat_cost = self._copy(facts, theme, style, language)
            if ARTWORK not in parts:
                return FlyerDraft(files={}, captions=merged_captions(copy, facts, style, language),
                                  hashtags=tuple(t for t in map(hashtag, copy.hashtags) if t), cost_usd=chat_cost)
            art, image_cost = self._art(copy.image_prompt)
        except openai.APITimeoutError:
            raise FlyerEngineFailed("The AI service did not answer in time.") from None
        except openai.RateLimitError:
            raise FlyerEngineFailed("The AI service is busy right now (rate limit); try again in a minute.") from None
        except openai.APIConnectionError:
            raise FlyerEngineFailed("The AI service could not be reached.") from None
        except openai.BadRequestError as error:
            if error.code == "content_policy_violation" or "content_policy" in str(error.body):
                raise FlyerEngineFailed("The AI service refused this theme (content policy).") from None
            raise FlyerEngineFailed(f"The AI service rejected the request ({error.status_code}).") from None
        except openai.APIStatusError as error:
            raise FlyerEngineFailed(f"The AI service failed ({error.status_code}).") from None
        accent = LocalFlyers(self.covers).cover_accent(facts.event_id)
        return FlyerDraft(files=render(facts, style, background=art, accent=accent, paper=paper),
                          captions=merged_captions(copy, facts, style, language),
                          hashtags=tuple(hashtag(t) for t in copy.hashtags if hashtag(t)),
                          cost_usd=round(chat_cost + image_cost, 6))

    def _copy(self, facts: FlyerFacts, theme: str, style: str, language: str) -> tuple[AiCopy, float]:
        name = Locale.parse(language).get_display_name("en")
        brief = (f"Caption language: {name} ({language}). Write every caption in {name}.\n"
                 f"Event: {facts.title}\nWhen: {facts.when}\nWhere: {facts.venue}\nPrice: {facts.price}\n"
                 f"Link: {facts.url}\nTheme: {theme or 'match the event'}\nStyle: {style}\n"
                 f"Description: {facts.description[:1500]}")
        messages: list[ChatCompletionMessageParam] = [{"role": "system", "content": SYSTEM},
                                                      {"role": "user", "content": brief}]
        answer_format: ResponseFormatJSONSchema = {"type": "json_schema", "json_schema": {
            "name": "flyer_copy", "schema": AiCopy.model_json_schema(), "strict": False}}
        reply = self.client.chat.completions.create(model=self.chat_model, messages=messages,
                                                    response_format=answer_format)
        if not reply.choices:
            raise FlyerEngineFailed("The AI service sent an empty answer.")
        message = reply.choices[0].message
        if getattr(message, "refusal", None):
            raise FlyerEngineFailed(f"The AI service declined this theme: {message.refusal}")
        try:
            copy = AiCopy.model_validate_json(message.content or "")
        except ValidationError:
            raise FlyerEngineFailed("The AI service answered in a form we could not read.") from None
        return copy, chat_cost(self.chat_model, reply.usage)

    def _art(self, prompt: str) -> tuple[Image.Image, float]:
        answer = self.client.images.generate(model=self.image_model, prompt=prompt[:4000], size="1024x1024", n=1)
        try:
            data = base64.b64decode((answer.data or [])[0].b64_json or "", validate=True)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                art = image.convert("RGB")
        except (IndexError, binascii.Error, UnidentifiedImageError, OSError):
            raise FlyerEngineFailed("The AI service sent no picture we could use.") from None
        return art, IMAGE_PRICES.get(self.image_model, max(IMAGE_PRICES.values()))


def chat_cost(model: str, usage: Any) -> float:
    price_in, price_out = CHAT_PRICES.get(model, max(CHAT_PRICES.values()))
    if usage is None:
        return 0.0
    return (usage.prompt_tokens * price_in + usage.completion_tokens * price_out) / 1_000_000


def hashtag(text: str) -> str:
    word = "".join(ch for ch in text.strip().lstrip("#") if ch.isalnum() or ch == "_")
    return f"#{word}" if word else ""


def merged_captions(copy: AiCopy, facts: FlyerFacts, style: str, language: str) -> dict[str, tuple[str, ...]]:
    """The model's 3 variants per channel (X cut to its limit), topped up from the templates (same language)."""
    fallback = template_captions(facts, style, language)
    out: dict[str, tuple[str, ...]] = {}
    for channel in CHANNELS:
        texts = [t.strip() for t in getattr(copy, channel) if t.strip()][:3]
        if channel == "x":
            texts = [within(t, X_LIMIT) for t in texts]
        out[channel] = tuple(texts + list(fallback[channel][len(texts):]))[:3]
    return out
