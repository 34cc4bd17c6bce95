"""Wiring of the flyer generator: the local engine always, the OpenAI one when a key is configured."""

from __future__ import annotations

from datetime import timedelta

from eventflow.adapters.covers import CoverImages
from eventflow.adapters.flyer_files import FlyerFileStore
from eventflow.adapters.flyers_local import LocalFlyers
from eventflow.adapters.flyers_openai import OpenAIFlyers
from eventflow.config import Settings
from eventflow.domain.clock import Clock
from eventflow.domain.flyers import GENERATION_LEASE, LOCAL, FlyerGenerator, Flyers
from eventflow.domain.ports import StoreWithPayments


def build_flyers(settings: Settings, store: StoreWithPayments, clock: Clock) -> Flyers:
    covers = settings.data_dir / "covers"
    engines: dict[str, FlyerGenerator] = {LOCAL: LocalFlyers(covers)}
    lease = GENERATION_LEASE
    if settings.openai_api_key:
        # the AI engine's worst case: the chat call and the image, each tried 1 + max_retries times to its timeout
        worst = 2 * (settings.openai_max_retries + 1) * settings.openai_timeout_seconds
        lease = max(lease, timedelta(seconds=worst + 60))
        engines["openai"] = OpenAIFlyers(
            api_key=settings.openai_api_key, base_url=settings.openai_base_url,
            chat_model=settings.openai_chat_model, image_model=settings.openai_image_model,
            timeout_seconds=settings.openai_timeout_seconds, max_retries=settings.openai_max_retries, covers=covers)
    return Flyers(store=store, flyer_store=store, files=FlyerFileStore(settings.data_dir / "flyers"),
                  engines=engines, clock=clock, base_url=settings.public_url,
                  covers=CoverImages(covers), daily_limit=settings.openai_daily_limit, lease=lease)
