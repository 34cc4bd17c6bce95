"""An `EventChange` (domain/event_changes.py) as one JSON text, shared by both stores: the record is
read and written whole by the one batch that holds its lease, never queried by its fields."""

from __future__ import annotations

import json
from typing import Any

from eventflow.domain.event_changes import EventChange
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t

INSTANTS = ("created_at", "finished_at", "refund_deadline", "starts_at", "ends_at", "watch_until", "checked_at",
            "previous_starts_at")


def change_to_text(change: EventChange) -> str:
    body: dict[str, Any] = {
        "id": change.id, "event_id": change.event_id, "organizer_id": change.organizer_id,
        "kind": change.kind.value, "message": change.message, "total": change.total, "done": change.done,
        "cursor": change.cursor, "failures": [list(f) for f in change.failures], "retry": list(change.retry),
    }
    for name in INSTANTS:
        body[name] = t2s(getattr(change, name))
    return json.dumps(body, separators=(",", ":"))


def change_from_text(text: str) -> EventChange:
    body = json.loads(text)
    instants = {name: s2t(body.get(name)) for name in INSTANTS}
    return EventChange(
        id=body["id"], event_id=body["event_id"], organizer_id=body["organizer_id"], kind=body["kind"],
        message=body["message"], total=body["total"], done=body["done"], cursor=body["cursor"],
        failures=tuple((order, why) for order, why in body["failures"]), retry=tuple(body["retry"]),
        **instants,
    )
