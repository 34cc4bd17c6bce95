"""Conversions shared by the stores: instants as sortable, fixed-width UTC text; reservation lines as dicts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

from eventflow.domain.models import CheckIn, ReservationLine

INSTANT_WIDTH = len("2026-01-31T20:00:00.000000Z")


@overload
def instant_to_text(instant: datetime) -> str: ...


@overload
def instant_to_text(instant: datetime | None) -> str | None: ...


def instant_to_text(instant: datetime | None) -> str | None:
    """UTC, fixed width, so text order is time order (used for expiry and listing range scans).

    The year has four digits (strftime's `%Y` gave `154`, not `0154`, for years below 1000 on
    glibc, which broke both the width and the read back). Naive instants are refused
    rather than read as the server's local time."""
    if instant is None:
        return None
    if instant.utcoffset() is None:
        raise ValueError(f"an instant without a timezone cannot be stored: {instant!r}")
    # %-formatting of the fields: the same fixed-width text as before (files need no migration) at
    # about a third of the strftime format spec's cost (a reserve stores three instants).
    utc = instant if instant.tzinfo is UTC else instant.astimezone(UTC)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031 (the fastest formatting here)
        utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond)


@overload
def text_to_instant(text: str) -> datetime: ...


@overload
def text_to_instant(text: str | None) -> datetime | None: ...


def text_to_instant(text: str | None) -> datetime | None:
    """The instant `instant_to_text` wrote; also reads the unpadded years (`154-06-01T...`) that
    earlier versions wrote, so such a record can still be read, shown and corrected."""
    if text is None:
        return None
    if len(text) == INSTANT_WIDTH and text[4] == "-" and text[-1] == "Z":
        # The fixed width this module writes: parsed by C code (3.11 reads the Z).
        return datetime.fromisoformat(text)
    year, _, rest = text.partition("-")
    return datetime.strptime(f"{int(year):04d}-{rest}", "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def line_to_dict(line: ReservationLine) -> dict[str, Any]:
    return {
        "tier_id": line.tier_id,
        "quantity": line.quantity,
        "unit_price_minor": line.unit_price_minor,
        "unit_fee_minor": line.unit_fee_minor,
        "unit_total_minor": line.unit_total_minor,
        "tier_version": line.tier_version,
        **({"unit_discount_minor": line.unit_discount_minor} if line.unit_discount_minor else {}),
    }


def line_from_dict(data: dict[str, Any]) -> ReservationLine:
    return ReservationLine(
        tier_id=str(data["tier_id"]),
        quantity=int(data["quantity"]),
        unit_price_minor=int(data["unit_price_minor"]),
        unit_fee_minor=int(data["unit_fee_minor"]),
        unit_total_minor=int(data["unit_total_minor"]),
        tier_version=int(data.get("tier_version", 1)),
        unit_discount_minor=int(data.get("unit_discount_minor", 0)),
    )


def checkin_to_dict(checkin: CheckIn) -> dict[str, Any]:
    return {"ticket_id": checkin.ticket_id, "event_id": checkin.event_id, "device_id": checkin.device_id,
            "scanned_at": instant_to_text(checkin.scanned_at), "nonce": checkin.nonce, "offline": checkin.offline,
            "received_at": instant_to_text(checkin.received_at) if checkin.received_at else None}


def checkin_from_dict(data: dict[str, Any]) -> CheckIn:
    return CheckIn(ticket_id=data["ticket_id"], event_id=data["event_id"], device_id=data["device_id"],
                   scanned_at=text_to_instant(str(data["scanned_at"])), nonce=data["nonce"],
                   offline=bool(data["offline"]),
                   received_at=text_to_instant(str(data["received_at"])) if data.get("received_at") else None)
