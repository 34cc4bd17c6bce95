"""Wiring of the flyer generator: the local engine always, the OpenAI one when a key is configured."""

from __future__ import annotations

from eventflow.adapters.covers import CoverImages
from eventflow.adapters.flyer_files import FlyerFileStore
from eventflow.adapters.flyers_local import LocalFlyers
from eventflow.adapters.flyers_openai import OpenAIFlyers
from eventflow.config import Settings
from eventflow.domain.clock import Clock
from eventflow.domain.flyers import LOCAL, FlyerGenerator, Flyers
from eventflow.domain.ports import StoreWithPayments


def build_flyers(settings: Settings, store: StoreWithPayments, clock: Clock) -> Flyers:
    covers = settings.data_dir / "covers"
    engines: dict[str, FlyerGenerator] = {LOCAL: LocalFlyers(covers)}
    if settings.openai_api_key:
        engines["openai"] = OpenAIFlyers(
            api_key=settings.openai_api_key, base_url=settings.openai_base_url,
            chat_model=settings.openai_chat_model, image_model=settings.openai_image_model,
            timeout_seconds=settings.openai_timeout_seconds, max_retries=settings.openai_max_retries, covers=covers)
    return Flyers(store=store, flyer_store=store, files=FlyerFileStore(settings.data_dir / "flyers"),
                  engines=engines, clock=clock, base_url=settings.public_url,
                  covers=CoverImages(covers), daily_limit=settings.openai_daily_limit)
