"""Fair-sale settings and the waiting room on the DynamoDB table: a mixin of `DynamoStore`
(domain/sale_settings.py `SaleSettingsStore`, domain/waiting_room.py `WaitingRoomStore`; docs/dynamodb.md
"Waiting room").

    EVENT#<event> / SALESETTINGS            the organizer's settings
    ROOM#<event> / STATE                    drawn, early_total, late_count (atomic ADD per late join)
    ROOM#<event>#<shard> / STATE            `closing`: set on every shard by the draw; an early join checks its shard's
    ROOMV#<event>#<visitor> / ENTRY         a visitor's entry (got by visitor: one GetItem; its position)
    ROOM#<event>#<shard> / R#<key>#<visitor>  the draw index of early arrivals, sorted by their random key,
                                            spread over ROOM_SHARDS partitions (by visitor) so early joins
                                            never crowd one partition; the draw merges the shards' sorted pages.

    BUYERCAP#<event>#<buyer> / R#<res>     a reservation of a buyer of a capped sale (domain/buyer_caps.py)
    ROOMV#<event>#<visitor> / DRAWN         the early arrival's drawn position (its own item: the draw writes it
                                            with BatchWriteItem, which can only put whole items)

An early join is one transaction: a condition check that its shard is not closing, and the two puts (all
three on the visitor's shard partition and its own entry key: no item every join touches). The draw first
marks every shard closing (no early join commits after it), then ranks: so a draw sees every early arrival,
and two draws write the same positions. The ranks go out in BatchWriteItems of 25, DRAW_WORKERS at once,
a chunk of DRAW_CHUNK positions at a time; after each chunk the room's `draw_done` checkpoint moves on, so a
draw cut off halfway (an instance died) is resumed by the next one from there, writing the same ranks.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import itertools
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from eventflow.adapters.threads import in_parallel
from eventflow.domain.errors import StoreBusy
from eventflow.domain.sale_settings import SaleSettings
from eventflow.domain.waiting_room import RoomEntry, RoomState
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb.client import BUSY, ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.items import n, put_new, s

ROOM_SHARDS = 64  # draw-index partitions per room: early joins spread over them (docs/benchmarks.md simulation)
KEY_DIGITS = 19  # a random key written zero-padded, so the sort key's order is the number's
BATCH_WRITE = 25  # DynamoDB's most items per BatchWriteItem
DRAW_CHUNK = 2_500  # positions per checkpoint: a dead draw redoes at most this many
DRAW_WORKERS = 8  # batches in flight at once: 8 x 25 items a round trip outpaces a new table's 4,000 writes/s
UNPROCESSED_ROUNDS = 8  # a batch's unprocessed items (throttling) are resent, backing off, this many times


def _shard(visitor_id: str) -> int:
    return int.from_bytes(hashlib.sha256(visitor_id.encode()).digest()[:4], "big") % ROOM_SHARDS


def _opt_bool(item: Item, name: str) -> bool | None:
    return bool(item[name]["BOOL"]) if name in item and "BOOL" in item[name] else None


def _entry_item(entry: RoomEntry) -> Item:
    item: Item = {**key(f"ROOMV#{entry.event_id}#{entry.visitor_id}", "ENTRY"), "kind": s("room_entry"),
                  "event_id": s(entry.event_id), "visitor_id": s(entry.visitor_id),
                  "joined_at": s(t2s(entry.joined_at)),
                  "random_key": n(entry.random_key), "early": {"BOOL": entry.early}}
    if entry.late_number is not None:
        item["late_number"] = n(entry.late_number)
    return item


def _entry_from(item: Item, drawn: Item | None = None) -> RoomEntry:
    position = drawn or item  # the DRAWN item; an entry drawn before it existed carries its position itself
    return RoomEntry(item["event_id"]["S"], item["visitor_id"]["S"], s2t(item["joined_at"]["S"]),
                     int(item["random_key"]["N"]), bool(item["early"]["BOOL"]),
                     int(item["late_number"]["N"]) if "late_number" in item else None,
                     int(position["drawn_position"]["N"]) if "drawn_position" in position else None)


def _drawn_item(event_id: str, visitor_id: str, position: int) -> Item:
    return {**key(f"ROOMV#{event_id}#{visitor_id}", "DRAWN"), "kind": s("room_drawn"), "drawn_position": n(position)}


class DynamoWaitingRoomMixin(TableClient):
    def get_sale_settings(self, event_id: str) -> SaleSettings | None:
        item = self._get(f"EVENT#{event_id}", "SALESETTINGS")
        if item is None:
            return None
        return SaleSettings(event_id, _opt_bool(item, "one_hold_per_buyer"), _opt_bool(item, "drop_mode"),
                            bool(item["waiting_room"]["BOOL"]),
                            s2t(item["opens_at"]["S"]) if "opens_at" in item else None,
                            int(item["admissions_per_minute"]["N"]) if "admissions_per_minute" in item else None,
                            int(item["max_tickets_per_buyer"]["N"]) if "max_tickets_per_buyer" in item else None)

    def save_sale_settings(self, settings: SaleSettings) -> None:
        item: Item = {**key(f"EVENT#{settings.event_id}", "SALESETTINGS"), "kind": s("sale_settings"),
                      "waiting_room": {"BOOL": settings.waiting_room}}
        if settings.one_hold_per_buyer is not None:
            item["one_hold_per_buyer"] = {"BOOL": settings.one_hold_per_buyer}
        if settings.drop_mode is not None:
            item["drop_mode"] = {"BOOL": settings.drop_mode}
        if settings.opens_at is not None:
            item["opens_at"] = s(t2s(settings.opens_at))
        if settings.admissions_per_minute is not None:
            item["admissions_per_minute"] = n(settings.admissions_per_minute)
        if settings.max_tickets_per_buyer is not None:
            item["max_tickets_per_buyer"] = n(settings.max_tickets_per_buyer)
        self._call(self.client.put_item, TableName=self.table_name, Item=item)

    def note_buyer_reservation(self, event_id: str, buyer_key: str, reservation_id: str) -> None:
        self._call(self.client.put_item, TableName=self.table_name,
                   Item={**key(f"BUYERCAP#{event_id}#{buyer_key}", f"R#{reservation_id}"), "kind": s("buyer_cap_note"),
                         "reservation_id": s(reservation_id)})

    def buyer_reservation_ids(self, event_id: str, buyer_key: str) -> list[str]:
        """One consistent Query of the buyer's partition (a few items: one per reservation of theirs)."""
        return [item["reservation_id"]["S"] for item in self._partition_items(f"BUYERCAP#{event_id}#{buyer_key}", "R#")]

    def join_waiting_room(self, entry: RoomEntry, opens_at: datetime) -> RoomEntry:
        stored = self.get_room_entry(entry.event_id, entry.visitor_id)
        if stored is not None:
            return stored
        if entry.joined_at < opens_at:
            early = RoomEntry(entry.event_id, entry.visitor_id, entry.joined_at, entry.random_key, early=True)
            index = {**key(f"ROOM#{entry.event_id}#{_shard(entry.visitor_id)}",
                           f"R#{entry.random_key:0{KEY_DIGITS}d}#{entry.visitor_id}"),
                     "kind": s("room_draw"), "visitor_id": s(entry.visitor_id), "random_key": n(entry.random_key)}
            try:
                self._transact([
                    {"ConditionCheck": {"TableName": self.table_name,
                                        "Key": key(f"ROOM#{entry.event_id}#{_shard(entry.visitor_id)}", "STATE"),
                                        "ConditionExpression": "attribute_not_exists(closing)"}},
                    put_new(self.table_name, _entry_item(early)), put_new(self.table_name, index)])
                return early
            except ConditionFailed:  # the draw began, or this visitor joined meanwhile
                stored = self.get_room_entry(entry.event_id, entry.visitor_id)
                if stored is not None:
                    return stored
        answer = self._call(self.client.update_item, TableName=self.table_name,
                            Key=key(f"ROOM#{entry.event_id}", "STATE"), UpdateExpression="ADD late_count :one",
                            ExpressionAttributeValues={":one": n(1)}, ReturnValues="UPDATED_NEW")
        late = RoomEntry(entry.event_id, entry.visitor_id, entry.joined_at, entry.random_key, early=False,
                         late_number=int(answer["Attributes"]["late_count"]["N"]))
        try:
            self._transact([put_new(self.table_name, _entry_item(late))])
        except ConditionFailed:  # joined twice at once: the first stays (its number; this one is a gap)
            return self.get_room_entry(entry.event_id, entry.visitor_id) or late
        return late

    def get_room_entry(self, event_id: str, visitor_id: str) -> RoomEntry | None:
        """One consistent Query of the visitor's partition: the entry and its drawn position (one read unit,
        as a GetItem of the entry alone)."""
        items = {item["SK"]["S"]: item for item in self._query(
            KeyConditionExpression="PK = :pk", ConsistentRead=True,
            ExpressionAttributeValues={":pk": s(f"ROOMV#{event_id}#{visitor_id}")})}
        return _entry_from(items["ENTRY"], items.get("DRAWN")) if "ENTRY" in items else None

    def get_room_state(self, event_id: str) -> RoomState:
        item = self._get(f"ROOM#{event_id}", "STATE")
        if item is None:
            return RoomState(event_id)
        return RoomState(event_id, bool(item.get("drawn", {}).get("BOOL", False)),
                         int(item.get("early_total", {"N": "0"})["N"]), int(item.get("late_count", {"N": "0"})["N"]))

    def draw_waiting_room(self, event_id: str) -> RoomState:
        state_item = self._get(f"ROOM#{event_id}", "STATE") or {}
        if state_item.get("drawn", {}).get("BOOL", False):
            return self.get_room_state(event_id)
        in_parallel(self._close_shard, [(event_id, shard) for shard in range(ROOM_SHARDS)], DRAW_WORKERS)
        done = int(state_item.get("draw_done", {"N": "0"})["N"])  # written by an earlier draw cut off halfway
        total = 0
        ranked = enumerate(self._drawn_order(event_id), start=1)
        while chunk := list(itertools.islice(ranked, DRAW_CHUNK)):
            total = chunk[-1][0]
            if total <= done:
                continue  # ranked and written before; the walk only finds where to go on
            todo = [_drawn_item(event_id, visitor, p) for p, visitor in chunk if p > done]
            in_parallel(self._put_batch, [todo[i:i + BATCH_WRITE] for i in range(0, len(todo), BATCH_WRITE)],
                        DRAW_WORKERS)
            self._checkpoint(event_id, total)
        self._call(self.client.update_item, TableName=self.table_name, Key=key(f"ROOM#{event_id}", "STATE"),
                   UpdateExpression="SET drawn = :yes, early_total = :total",
                   ExpressionAttributeValues={":yes": {"BOOL": True}, ":total": n(total)})
        return self.get_room_state(event_id)

    def _close_shard(self, shard: tuple[str, int]) -> None:
        self._call(self.client.update_item, TableName=self.table_name, Key=key(f"ROOM#{shard[0]}#{shard[1]}", "STATE"),
                   UpdateExpression="SET closing = :yes", ExpressionAttributeValues={":yes": {"BOOL": True}})

    def _checkpoint(self, event_id: str, written: int) -> None:
        """Every position up to `written` is stored: a later draw goes on after it (never moves it back)."""
        # A draw running alongside that got further keeps its checkpoint (the condition fails).
        with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):
            self._call(self.client.update_item, TableName=self.table_name, Key=key(f"ROOM#{event_id}", "STATE"),
                       UpdateExpression="SET draw_done = :w",
                       ConditionExpression="attribute_not_exists(draw_done) OR draw_done < :w",
                       ExpressionAttributeValues={":w": n(written)})

    def _put_batch(self, items: list[Item]) -> None:
        """One BatchWriteItem; its unprocessed items (DynamoDB's throttling of a batch) resent with a short
        backoff, as AWS advises for batches: this is a bulk job, not a buyer's round trip."""
        pending: dict[str, Any] = {self.table_name: [{"PutRequest": {"Item": item}} for item in items]}
        for attempt in range(UNPROCESSED_ROUNDS):
            pending = self._call(self.client.batch_write_item, RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(min(0.05 * 2 ** attempt, 2.0))
        raise StoreBusy(BUSY)  # the checkpoint keeps what was written; the next draw goes on from it

    def _drawn_order(self, event_id: str) -> Iterator[str]:
        """The early arrivals' visitor ids by (random key, visitor): a merge of the shards' sorted queries."""
        def shard_keys(shard: int) -> Iterable[tuple[int, str]]:
            for item in self._query(KeyConditionExpression="PK = :pk AND begins_with(SK, :r)", ConsistentRead=True,
                                    ExpressionAttributeValues={":pk": s(f"ROOM#{event_id}#{shard}"), ":r": s("R#")}):
                yield int(item["random_key"]["N"]), item["visitor_id"]["S"]
        for _, visitor in heapq.merge(*(shard_keys(shard) for shard in range(ROOM_SHARDS))):
            yield visitor
