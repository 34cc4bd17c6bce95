"""An access code's settings (domain/access_codes.py) as one JSON text, and a reservation's code use,
shared by both stores. The counters (uses, confirmed uses, tickets, revenue, discount) and what the
store's conditions read (max_uses, version, deleted) are kept beside it as their own columns /
attributes, since the writes that change them must not rewrite the settings."""

from __future__ import annotations

import json
from typing import Any

from eventflow.domain.access_codes import AccessCode, UsesCount
from eventflow.domain.models import CodeUse
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t

COUNTER_NAMES = ("uses", "confirmed_uses", "tickets_sold", "revenue_minor", "discount_given_minor")


def settings_to_text(code: AccessCode) -> str:
    body: dict[str, Any] = {
        "unlocks_tiers": None if code.unlocks_tiers is None else list(code.unlocks_tiers),
        "discount_percent": code.discount_percent, "discount_minor": code.discount_minor,
        "discount_tiers": None if code.discount_tiers is None else list(code.discount_tiers),
        "uses_count": code.uses_count.value, "max_per_order": code.max_per_order,
        "valid_from": t2s(code.valid_from), "valid_until": t2s(code.valid_until), "paused": code.paused,
        "label": code.label,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def code_from_parts(
    *, id: str, event_id: str, code: str, created_at: str, settings: str, max_uses: int | None, deleted: bool,
    version: int, counters: dict[str, int],
) -> AccessCode:
    body = json.loads(settings)
    created = s2t(created_at)
    assert created is not None
    return AccessCode(
        id=id, event_id=event_id, code=code, created_at=created,
        unlocks_tiers=None if body["unlocks_tiers"] is None else tuple(body["unlocks_tiers"]),
        discount_percent=body["discount_percent"], discount_minor=body["discount_minor"],
        discount_tiers=None if body["discount_tiers"] is None else tuple(body["discount_tiers"]),
        max_uses=max_uses, uses_count=UsesCount(body["uses_count"]), max_per_order=body["max_per_order"],
        valid_from=s2t(body["valid_from"]), valid_until=s2t(body["valid_until"]), paused=bool(body["paused"]),
        deleted=deleted, label=body.get("label", ""), version=version,
        **{name: int(counters.get(name, 0)) for name in COUNTER_NAMES},
    )


def code_use_to_text(use: CodeUse | None) -> str | None:
    if use is None:
        return None
    return json.dumps([use.code_id, use.code, use.uses, use.version, use.max_uses], separators=(",", ":"))


def code_use_from_text(text: str | None) -> CodeUse | None:
    if not text:
        return None
    code_id, code, uses, version, max_uses = json.loads(text)
    return CodeUse(code_id, code, int(uses), int(version), None if max_uses is None else int(max_uses))
