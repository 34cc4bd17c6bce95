"""A `Flyer` record (domain/flyers.py) as one JSON text, shared by both stores: read and written whole,
listed per event by creation; its files live under the data dir (adapters/flyer_files.py)."""

from __future__ import annotations

import json
from typing import Any

from eventflow.domain.flyers import A4, Flyer, FlyerStatus
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t


def flyer_to_text(flyer: Flyer) -> str:
    body: dict[str, Any] = {
        "id": flyer.id, "event_id": flyer.event_id, "organizer_id": flyer.organizer_id,
        "created_at": t2s(flyer.created_at), "engine": flyer.engine, "theme": flyer.theme, "style": flyer.style,
        "captions": {channel: list(texts) for channel, texts in flyer.captions.items()},
        "hashtags": list(flyer.hashtags), "status": flyer.status.value, "asked_engine": flyer.asked_engine,
        "notice": flyer.notice, "cost_usd": flyer.cost_usd, "files": list(flyer.files),
        "paper": flyer.paper,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def flyer_from_text(text: str) -> Flyer:
    body = json.loads(text)
    created_at = s2t(body["created_at"])
    assert created_at is not None
    return Flyer(
        id=body["id"], event_id=body["event_id"], organizer_id=body["organizer_id"], created_at=created_at,
        engine=body["engine"], theme=body["theme"], style=body["style"],
        captions={channel: tuple(texts) for channel, texts in body["captions"].items()},
        hashtags=tuple(body["hashtags"]), status=FlyerStatus(body["status"]), asked_engine=body["asked_engine"],
        notice=body["notice"], cost_usd=float(body["cost_usd"]), files=tuple(body["files"]),
        paper=body.get("paper", A4),  # records written before A3 posters were all A4
    )
