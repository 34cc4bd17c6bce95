"""The DynamoDB store's door-pace aggregates (domain/door_pace.py), in the event's stats partition
`STATS#<event>` beside the door summary's items (store/dynamodb/sales_stats.py):

    PACE#MIN#<minute>#<device>   admitted: ADDed by admit's transaction (first check-ins only)
    PACE#DEV#<device>            last_scan (the device's latest recorded scan instant) and g1..g60, its
                                 busy gaps per whole second, written by the same transaction

`pace_updates` reads the device's item before the transaction to know the gap. A device scans one ticket
after the other, so nothing else writes its item meanwhile; were its own offline upload to race its live
scan, both gaps would be measured from the same earlier scan (one gap a little long, the counts exact).
Events whose check-ins predate these items have fewer admissions here than in the door summary: the
attendance read then falls back to the full scan (domain/door_pace.py `read_pace`).
"""

from __future__ import annotations

from typing import Any

from eventflow.domain.door_pace import DoorPaceFigures, gap_seconds, scan_minute
from eventflow.domain.models import CheckIn
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb.client import TableClient, key
from eventflow.store.dynamodb.items import n, s


def _partition(event_id: str) -> str:
    return f"STATS#{event_id}"  # the stats partition of store/dynamodb/sales_stats.py


def pace_updates(client: TableClient, checkin: CheckIn) -> list[dict[str, Any]]:
    """The Updates `admit`'s transaction carries for a first check-in: its minute and its device's gap."""
    partition, device = _partition(checkin.event_id), checkin.device_id
    seen = client._get(partition, f"PACE#DEV#{device}", projection="last_scan")
    previous = s2t(seen["last_scan"]["S"]) if seen and "last_scan" in seen else None
    minute_key = f"PACE#MIN#{t2s(scan_minute(checkin.scanned_at))}#{device}"
    minute = {"Update": {
        "TableName": client.table_name, "Key": key(partition, minute_key),
        "UpdateExpression": "SET #kind = :kind, device_id = :device ADD admitted :one",
        "ExpressionAttributeNames": {"#kind": "kind"},
        "ExpressionAttributeValues": {":kind": s("pace_minute"), ":device": s(device), ":one": n(1)}}}
    bucket = gap_seconds(previous, checkin.scanned_at)
    sets = ["#kind = :kind", "device_id = :device"]
    values: dict[str, Any] = {":kind": s("pace_device"), ":device": s(device)}
    if previous is None or checkin.scanned_at >= previous:  # an out-of-order upload leaves it as it is
        sets.append("last_scan = :at")
        values[":at"] = s(t2s(checkin.scanned_at))
    expression = "SET " + ", ".join(sets)
    if bucket is not None:
        expression += f" ADD g{bucket} :one"
        values[":one"] = n(1)
    device_update = {"Update": {
        "TableName": client.table_name, "Key": key(partition, f"PACE#DEV#{device}"),
        "UpdateExpression": expression, "ExpressionAttributeNames": {"#kind": "kind"},
        "ExpressionAttributeValues": values}}
    return [minute, device_update]


class DynamoDoorPaceMixin(TableClient):
    """The read: one consistent Query of the event's `PACE#` items."""

    def door_pace(self, event_id: str) -> DoorPaceFigures:
        minutes, gaps = [], []
        for item in self._partition_items(_partition(event_id), "PACE#"):
            parts = item["SK"]["S"].split("#", 3)
            if parts[1] == "MIN":
                minutes.append((s2t(parts[2]), item["device_id"]["S"], int(item["admitted"]["N"])))
                continue
            gaps += [(item["device_id"]["S"], int(name[1:]), int(value["N"])) for name, value in item.items()
                     if name[0] == "g" and name[1:].isdigit()]
        return DoorPaceFigures(tuple(minutes), tuple(gaps))
