"""Waitlists on the DynamoDB table (issue 13): a mixin of `DynamoStore`, and `owe_to_waitlists`, the step
`release` and the reaper's `_release_group` (inventory.py) take instead of giving tickets back when the
tier has a waitlist: the queue item's Update goes into the release's own TransactWriteItems.

    EVENT#<event> / WLQ#<tier>     the queue: next_position, waiting, owed, offers_out, paused, and
                                   owed_at {counter SK: n} (which counters hold the owed tickets)
    WL#<tier>     / E#<position>   an entry (status, the record as JSON: store/waitlist_codec.py)
    EVENT#<event> / WLSET          the organizer's settings
    WLQUEUES      / Q#<event>#<tier> that a queue exists (the job's list of queues)

Owed tickets stay in their counters' `held` (never `available`), so the public never sees them.
Queue numbers: the queue item's `next_position`, written in one transaction with the entry's Put,
conditional on the number read (a lost race reads again). An offer is one transaction: the entry
waiting -> offered (condition), the queue's counters (conditions owed_at.sk >= q), the offer's hold Put
with `takes` naming those counters, so its release or sale moves exactly the tickets it holds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eventflow.domain.models import Reservation
from eventflow.domain.waitlist_rules import (
    EntryStatus,
    WaitlistEntry,
    WaitlistSettings,
    WaitlistTier,
    entry_id_for,
    parse_entry_id,
)
from eventflow.store.dynamodb.client import ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.items import b, integer, n, put_new, reservation_item, s
from eventflow.store.dynamodb.shards import plan_take, takes_value
from eventflow.store.dynamodb.tiers import DynamoTiersMixin
from eventflow.store.waitlist_codec import entry_from_text, entry_to_text

JOIN_ROUNDS = 50  # concurrent joins of one tier retry on the queue number they lost


def queue_key(event_id: str, tier_id: str) -> Item:
    return key(f"EVENT#{event_id}", f"WLQ#{tier_id}")


def entry_key(tier_id: str, position: int) -> Item:
    return key(f"WL#{tier_id}", f"E#{position:010d}")


def counter_tier(sk: str) -> str:
    """The tier of a counter SK (`TIER#<tier>` or `TIER#<tier>#SHARD#nn`)."""
    return sk.split("#")[1]


def owe_to_waitlists(client: TableClient, counters: dict[tuple[str, str], int]
                     ) -> tuple[dict[tuple[str, str], int], list[dict[str, Any]]]:
    """Of the counters a release gives back, those of tiers whose queue has someone waiting (and is not
    paused) become owed: returns (the counters given back to public sale, the queue Updates for the
    release's transaction). The check is one consistent BatchGetItem of the tiers' queue items."""
    tiers = {(event_id, counter_tier(sk)) for event_id, sk in counters}
    if not tiers:
        return counters, []
    found = client._batch_get(((f"EVENT#{e}", f"WLQ#{t}") for e, t in tiers), projection="SK, waiting, paused")
    active = {item["SK"]["S"].removeprefix("WLQ#") for item in found
              if integer(item, "waiting") > 0 and not item.get("paused", {}).get("BOOL", False)}
    if not active:
        return counters, []
    public = {c: q for c, q in counters.items() if counter_tier(c[1]) not in active}
    owed: dict[tuple[str, str], dict[str, int]] = {}
    for (event_id, sk), quantity in counters.items():
        if counter_tier(sk) in active:
            owed.setdefault((event_id, counter_tier(sk)), {})[sk] = quantity
    table = client.table_name
    return public, [_owe_item(table, event_id, tier_id, parts) for (event_id, tier_id), parts in owed.items()]


def _owe_item(table: str, event_id: str, tier_id: str, parts: dict[str, int]) -> dict[str, Any]:
    """The queue item's Update adding owed tickets on the given counters. Its only condition is that
    the queue exists: a queue emptied meanwhile gets them back to the public on the job's next pass."""
    names = {f"#c{i}": sk for i, sk in enumerate(parts)}
    values: Item = {":zero": n(0), ":total": n(sum(parts.values()))}
    sets = ["owed = owed + :total"]
    for i, quantity in enumerate(parts.values()):
        values[f":q{i}"] = n(quantity)
        sets.append(f"owed_at.#c{i} = if_not_exists(owed_at.#c{i}, :zero) + :q{i}")
    return {"Update": {"TableName": table, "Key": queue_key(event_id, tier_id),
                       "UpdateExpression": "SET " + ", ".join(sets),
                       "ConditionExpression": "attribute_exists(PK)", "ExpressionAttributeNames": names,
                       "ExpressionAttributeValues": values}}


def _counter_update(table: str, event_id: str, sk: str, quantity: int, to_public: bool) -> dict[str, Any]:
    """Owed tickets back to public sale (held -> available) or public tickets kept for the queue."""
    expression, condition = (("SET held = held - :q, available = available + :q", "held >= :q") if to_public
                             else ("SET held = held + :q, available = available - :q", "available >= :q"))
    return {"Update": {"TableName": table, "Key": key(f"EVENT#{event_id}", sk), "UpdateExpression": expression,
                       "ConditionExpression": condition, "ExpressionAttributeValues": {":q": n(quantity)}}}


def _queue_from(item: Item) -> WaitlistTier:
    return WaitlistTier(event_id=item["event_id"]["S"], tier_id=item["tier_id"]["S"],
                        next_position=integer(item, "next_position"), waiting=integer(item, "waiting"),
                        owed=integer(item, "owed"), paused=item.get("paused", {}).get("BOOL", False),
                        offers_out=integer(item, "offers_out"))


def _owed_at(item: Item) -> dict[str, int]:
    return {sk: int(v["N"]) for sk, v in item.get("owed_at", {}).get("M", {}).items() if int(v["N"]) > 0}


class DynamoWaitlistMixin(DynamoTiersMixin):
    """`WaitlistStore` on the table."""

    def _queue_item(self, event_id: str, tier_id: str) -> Item | None:
        return self._get(f"EVENT#{event_id}", f"WLQ#{tier_id}")

    def join_waitlist(self, entry: WaitlistEntry) -> WaitlistEntry:
        settings = self.get_waitlist_settings(entry.event_id)
        for _ in range(JOIN_ROUNDS):
            queue = self._queue_item(entry.event_id, entry.tier_id)
            seen = integer(queue, "next_position") if queue else 0
            position = seen + 1
            stored = replace(entry, id=entry_id_for(entry.tier_id, position), position=position,
                             status=EntryStatus.WAITING)
            update = {"Update": {
                "TableName": self.table_name, "Key": queue_key(entry.event_id, entry.tier_id),
                "UpdateExpression": "SET next_position = :position, waiting = if_not_exists(waiting, :zero) + :one,"
                " owed = if_not_exists(owed, :zero), offers_out = if_not_exists(offers_out, :zero),"
                " owed_at = if_not_exists(owed_at, :empty), paused = if_not_exists(paused, :paused),"
                " event_id = :event, tier_id = :tier",
                "ConditionExpression": "attribute_not_exists(PK) OR next_position = :seen",
                "ExpressionAttributeValues": {
                    ":position": n(position), ":seen": n(seen), ":zero": n(0), ":one": n(1), ":empty": {"M": {}},
                    ":paused": b(bool(settings and settings.paused)), ":event": s(entry.event_id),
                    ":tier": s(entry.tier_id)}}}
            items = [update, put_new(self.table_name, {**entry_key(entry.tier_id, position), "kind": s("waitlist"),
                                                         "status": s("waiting"), "body": s(entry_to_text(stored))})]
            if queue is None:
                items.append({"Put": {"TableName": self.table_name, "Item": {
                    **key("WLQUEUES", f"Q#{entry.event_id}#{entry.tier_id}"), "event_id": s(entry.event_id),
                    "tier_id": s(entry.tier_id)}}})
            try:
                self._transact(items)
            except ConditionFailed:
                continue  # another join took that number: read again
            return stored
        raise RuntimeError("the waitlist's queue number kept changing")

    def get_waitlist_entry(self, entry_id: str) -> WaitlistEntry | None:
        parsed = parse_entry_id(entry_id)
        item = self._get(f"WL#{parsed[0]}", f"E#{parsed[1]:010d}") if parsed else None
        return entry_from_text(item["body"]["S"]) if item else None

    def _queue_entries(self, tier_id: str, before: int | None = None, waiting: bool = False) -> list[Item]:
        condition = "PK = :pk AND SK < :before" if before is not None else "PK = :pk AND begins_with(SK, :e)"
        values: Item = {":pk": s(f"WL#{tier_id}")}
        values.update({":before": s(f"E#{before:010d}")} if before is not None else {":e": s("E#")})
        kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
        if waiting:
            kwargs["FilterExpression"] = "#status = :waiting"
            kwargs["ExpressionAttributeNames"] = {"#status": "status"}
            values[":waiting"] = s("waiting")
        return list(self._query(ExpressionAttributeValues=values, **kwargs))

    def waiting_ahead(self, entry: WaitlistEntry) -> int:
        return len(self._queue_entries(entry.tier_id, before=entry.position, waiting=True))

    def next_waiting(self, event_id: str, tier_id: str) -> WaitlistEntry | None:
        waiting = self._queue_entries(tier_id, waiting=True)
        return entry_from_text(waiting[0]["body"]["S"]) if waiting else None

    def waitlist_entries(self, event_id: str) -> list[WaitlistEntry]:
        return [entry_from_text(item["body"]["S"]) for queue in self.waitlist_tiers(event_id)
                for item in self._queue_entries(queue.tier_id)]

    def waitlist_tiers(self, event_id: str | None = None) -> list[WaitlistTier]:
        if event_id is not None:
            items = list(self._partition_items(f"EVENT#{event_id}", "WLQ#"))
        else:
            marks = self._partition_items("WLQUEUES", "Q#")
            items = self._batch_get((f"EVENT#{m['event_id']['S']}", f"WLQ#{m['tier_id']['S']}") for m in marks)
        queues = sorted((_queue_from(item) for item in items), key=lambda q: (q.event_id, q.tier_id))
        return queues if event_id is not None else [q for q in queues if q.waiting or q.owed or q.offers_out]

    def _move_entry(self, entry_id: str, was: EntryStatus, now: EntryStatus, counter: str) -> bool:
        entry = self.get_waitlist_entry(entry_id)
        if entry is None or entry.status is not was:
            return False
        moved = replace(entry, status=now)
        try:
            self._transact([
                {"Update": {"TableName": self.table_name, "Key": entry_key(entry.tier_id, entry.position),
                            "UpdateExpression": "SET #status = :now, body = :body",
                            "ConditionExpression": "#status = :was", "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {":now": s(now.value), ":was": s(was.value),
                                                          ":body": s(entry_to_text(moved))}}},
                {"Update": {"TableName": self.table_name, "Key": queue_key(entry.event_id, entry.tier_id),
                            "UpdateExpression": f"SET {counter} = {counter} - :one",
                            "ExpressionAttributeValues": {":one": n(1)}}},
            ])
        except ConditionFailed:
            return False
        return True

    def leave_waitlist(self, entry_id: str) -> bool:
        return self._move_entry(entry_id, EntryStatus.WAITING, EntryStatus.LEFT, "waiting")

    def settle_offer(self, entry_id: str, status: EntryStatus) -> bool:
        return self._move_entry(entry_id, EntryStatus.OFFERED, status, "offers_out")

    def make_offer(self, entry: WaitlistEntry, offer: Reservation) -> bool:
        for _ in range(4):
            queue = self._queue_item(entry.event_id, entry.tier_id)
            plan = plan_take(_owed_at(queue), offer.quantity) if queue else None
            if plan is None:
                return False
            names = {f"#c{i}": sk for i, sk in enumerate(plan)}
            values: Item = {":q": n(offer.quantity), ":one": n(1)}
            sets = ["owed = owed - :q", "waiting = waiting - :one", "offers_out = offers_out + :one"]
            conditions = []
            for i, quantity in enumerate(plan.values()):
                values[f":q{i}"] = n(quantity)
                sets.append(f"owed_at.#c{i} = owed_at.#c{i} - :q{i}")
                conditions.append(f"owed_at.#c{i} >= :q{i}")
            hold = {**reservation_item(offer), "takes": takes_value({entry.tier_id: plan})}
            try:
                self._transact([
                    {"Update": {"TableName": self.table_name, "Key": entry_key(entry.tier_id, entry.position),
                                "UpdateExpression": "SET #status = :offered, body = :body",
                                "ConditionExpression": "#status = :waiting",
                                "ExpressionAttributeNames": {"#status": "status"},
                                "ExpressionAttributeValues": {":offered": s("offered"), ":waiting": s("waiting"),
                                                              ":body": s(entry_to_text(entry))}}},
                    {"Update": {"TableName": self.table_name, "Key": queue_key(entry.event_id, entry.tier_id),
                                "UpdateExpression": "SET " + ", ".join(sets),
                                "ConditionExpression": " AND ".join(conditions), "ExpressionAttributeNames": names,
                                "ExpressionAttributeValues": values}},
                    put_new(self.table_name, hold),
                ])
            except ConditionFailed as cancelled:
                if cancelled.failed(0) or cancelled.failed(2):
                    return False  # the entry is no longer waiting, or that offer exists
                continue  # the owed counters moved: plan again
            return True
        return False

    def capture_for_waitlist(self, event_id: str, tier_id: str) -> int:
        queue = self._queue_item(event_id, tier_id)
        if queue is None or integer(queue, "waiting") <= 0 or queue.get("paused", {}).get("BOOL", False):
            return 0
        free = {sk: a for sk, a in self._counter_amounts(event_id, tier_id, "available").items() if a > 0}
        if not free:
            return 0
        items = [_counter_update(self.table_name, event_id, sk, a, to_public=False) for sk, a in free.items()]
        items.append(_owe_item(self.table_name, event_id, tier_id, free))
        items[-1]["Update"]["ConditionExpression"] = "waiting > :zero AND paused = :no"
        items[-1]["Update"]["ExpressionAttributeValues"][":no"] = b(False)
        try:
            self._transact(items)
        except ConditionFailed:
            return 0  # sold or joined meanwhile: the next pass looks again
        return sum(free.values())

    def return_owed(self, event_id: str, tier_id: str) -> int:
        queue = self._queue_item(event_id, tier_id)
        if queue is None:
            return 0
        owed, parts = integer(queue, "owed"), _owed_at(queue)
        if owed <= 0 or (integer(queue, "waiting") > 0 and not queue.get("paused", {}).get("BOOL", False)):
            return 0
        items = [_counter_update(self.table_name, event_id, sk, q, to_public=True) for sk, q in parts.items()]
        items.append({"Update": {
            "TableName": self.table_name, "Key": queue_key(event_id, tier_id),
            "UpdateExpression": "SET owed = :zero, owed_at = :empty",
            "ConditionExpression": "owed = :owed AND (waiting = :zero OR paused = :yes)",
            "ExpressionAttributeValues": {":zero": n(0), ":empty": {"M": {}}, ":owed": n(owed), ":yes": b(True)}}})
        try:
            self._transact(items)
        except ConditionFailed:
            return 0  # someone joined or an offer was made meanwhile
        return owed

    def get_waitlist_settings(self, event_id: str) -> WaitlistSettings | None:
        item = self._get(f"EVENT#{event_id}", "WLSET")
        if item is None:
            return None
        return WaitlistSettings(event_id=event_id, offer_minutes=integer(item, "offer_minutes"),
                                partial=item["partial"]["BOOL"], paused=item["paused"]["BOOL"])

    def save_waitlist_settings(self, settings: WaitlistSettings) -> None:
        items: list[dict[str, Any]] = [{"Put": {"TableName": self.table_name, "Item": {
            **key(f"EVENT#{settings.event_id}", "WLSET"), "offer_minutes": n(settings.offer_minutes),
            "partial": b(settings.partial), "paused": b(settings.paused)}}}]
        items.extend({"Update": {"TableName": self.table_name, "Key": queue_key(settings.event_id, q.tier_id),
                                 "UpdateExpression": "SET paused = :paused",
                                 "ExpressionAttributeValues": {":paused": b(settings.paused)}}}
                     for q in self.waitlist_tiers(settings.event_id))
        self._transact(items)
