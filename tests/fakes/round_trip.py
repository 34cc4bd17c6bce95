"""What a store round trip does to a record, so the in-memory store gives back what a real one would."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

R = TypeVar("R")


def as_stored(record: R) -> R:
    """The record as a store gives it back: every instant in UTC (nested records too), as the
    stores' codec writes them."""
    if not is_dataclass(record) or isinstance(record, type):
        return record
    changes: dict[str, Any] = {}
    for field in fields(record):
        value = getattr(record, field.name)
        if isinstance(value, datetime):
            changes[field.name] = value.astimezone(UTC)
        elif is_dataclass(value):
            changes[field.name] = as_stored(value)
        elif isinstance(value, tuple) and any(is_dataclass(item) for item in value):
            changes[field.name] = tuple(as_stored(item) for item in value)
    return replace(record, **changes) if changes else record
