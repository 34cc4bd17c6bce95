"""A `Dispute` as JSON text, the same on every backend (SQLite column, DynamoDB attribute)."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from eventflow.domain.payments.records import Dispute, DisputeStatus
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t

_TIMES = ("opened_at", "updated_at", "closed_at")


def dispute_to_json(dispute: Dispute) -> str:
    data: dict[str, Any] = asdict(dispute)
    data["status"] = dispute.status.value
    for name in _TIMES:
        data[name] = t2s(data[name])
    return json.dumps(data, sort_keys=True)


def dispute_from_json(text: str) -> Dispute:
    data: dict[str, Any] = json.loads(text)
    known = {f.name for f in fields(Dispute)}
    values = {name: value for name, value in data.items() if name in known}  # a newer writer's extra fields
    values["status"] = DisputeStatus(values["status"])
    for name in _TIMES:
        values[name] = s2t(values.get(name))
    return Dispute(**values)
