"""A `WaitlistEntry` (domain/waitlist_rules.py) as one JSON text, shared by every store: read and
written whole; the stores keep what they query (tier, queue number, status) beside it."""

from __future__ import annotations

import json
from typing import Any

from eventflow.domain.waitlist_rules import EntryStatus, WaitlistEntry
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t


def entry_to_text(entry: WaitlistEntry) -> str:
    body: dict[str, Any] = {
        "id": entry.id, "event_id": entry.event_id, "tier_id": entry.tier_id, "email": entry.email,
        "name": entry.name, "quantity": entry.quantity, "key": entry.key, "created_at": t2s(entry.created_at),
        "position": entry.position, "status": entry.status.value, "reservation_id": entry.reservation_id,
        "offer_expires_at": t2s(entry.offer_expires_at) if entry.offer_expires_at else None,
        "offered_quantity": entry.offered_quantity, "by_hand": entry.by_hand,
        "language": entry.language,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def entry_from_text(text: str) -> WaitlistEntry:
    body = json.loads(text)
    created_at = s2t(body["created_at"])
    assert created_at is not None
    return WaitlistEntry(
        id=body["id"], event_id=body["event_id"], tier_id=body["tier_id"], email=body["email"], name=body["name"],
        quantity=int(body["quantity"]), key=body["key"], created_at=created_at, position=int(body["position"]),
        status=EntryStatus(body["status"]), reservation_id=body["reservation_id"],
        offer_expires_at=s2t(body["offer_expires_at"]) if body["offer_expires_at"] else None,
        offered_quantity=int(body["offered_quantity"]), by_hand=bool(body["by_hand"]),
        language=body.get("language"),  # entries written before languages were kept: None (English)
    )
