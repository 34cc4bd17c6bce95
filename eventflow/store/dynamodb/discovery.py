"""Discovery listings, organizer addresses and follows on the DynamoDB table: a mixin of `DynamoStore`.

    LISTING#<event> / LISTING                 the listing (JSON) and the keys of its index items
    DISCOVER#ALL#<yyyy-mm> / <starts>#<event>  a published listing, in the UTC month it starts
    DISCOVER#TAG#<tag> / <starts>#<event>      ... once per tag
    DISCOVER#CITY#<city> / <starts>#<event>    ... in its city
    DISCOVER#ORG#<organizer> / <starts>#<event>  ... under its organizer
    DISCOVER#MONTHS / <yyyy-mm>                the months that ever had a listing (browse skips empty ones)
    OADDR#<slug> / OADDR, ORGADDR#<org> / ADDRESS   an organizer's address, both ways
    FOLLOWERS#<org> / <email>, FOLLOWTOKEN#<token> / FOLLOW   a follow and its link token

Index items carry the searchable fields (ends_at, city, tags as `|a|b|`, organizer, folded words)
and the listing itself, so a search is Queries on one index partition (the most selective the
query names: organizer, tag, city, else the months from the window's start), with the other
conditions as a filter. A page costs at most MONTH_LIST + MAX_QUERIES requests, each reading at most
QUERY_LIMIT items, whatever the number of events; when the budget is spent before the page is full
it ends early with a cursor where the reading stopped (docs/dynamodb.md, "Discovery").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from eventflow.domain.discovery import AddressTaken, Listing, ListingPage, ListingQuery
from eventflow.domain.follows import Follow
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.dynamodb.client import ConditionFailed, Item, TableClient, key
from eventflow.store.dynamodb.items import n, s

MAX_QUERIES = 6  # index Queries per search page (plus one for the month list)
QUERY_LIMIT = 250  # items one Query evaluates
MONTHS = "DISCOVER#MONTHS"
SAVE_ATTEMPTS = 4


def month_of(instant_text: str) -> str:
    return instant_text[:7]


def index_partitions(listing: Listing) -> list[str]:
    """The index partitions a listing appears in: none unless published."""
    if not listing.published:
        return []
    parts = [f"DISCOVER#ALL#{month_of(t2s(listing.starts_at))}", f"DISCOVER#ORG#{listing.organizer_id}"]
    parts += [f"DISCOVER#TAG#{tag}" for tag in listing.tags]
    if listing.city:
        parts.append(f"DISCOVER#CITY#{listing.city}")
    return parts


def sort_key(listing: Listing) -> str:
    return f"{t2s(listing.starts_at)}#{listing.event_id}"


def index_items(listing: Listing) -> list[Item]:
    """The index items of a listing (with the month it starts in), written together with it."""
    fields = {"kind": s("discover"), "body": s(listing.to_json()), "ends_at": s(t2s(listing.ends_at)),
              "city": s(listing.city), "tags": s("|" + "|".join(listing.tags) + "|"),
              "organizer_id": s(listing.organizer_id), "words": s(listing.words)}
    items = [{**key(pk, sort_key(listing)), **fields} for pk in index_partitions(listing)]
    if items:
        items.append({**key(MONTHS, month_of(t2s(listing.starts_at))), "kind": s("discover_month")})
    return items


def listing_item(listing: Listing, version: int) -> Item:
    return {**key(f"LISTING#{listing.event_id}", "LISTING"), "kind": s("listing"), "body": s(listing.to_json()),
            "index": s(json.dumps([[pk, sort_key(listing)] for pk in index_partitions(listing)])),
            "version": n(version)}


def _request_key(request: dict[str, Any]) -> tuple[str, str]:
    item = request["PutRequest"]["Item"] if "PutRequest" in request else request["DeleteRequest"]["Key"]
    return item["PK"]["S"], item["SK"]["S"]


def _resume_at(partition: str, start: Item | None) -> tuple[datetime, str]:
    """The cursor after everything read so far: the last key a Query evaluated, or (about to begin
    a month partition) the month's first instant, with the empty id that sorts before every event."""
    if start is not None:
        starts, _, event_id = start["SK"]["S"].partition("#")
        return s2t(starts), event_id
    month = partition.rsplit("#", 1)[1]
    return datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=UTC), ""


class DynamoDiscoveryMixin(TableClient):
    """`DiscoveryStore` and `FollowStore` (domain/discovery.py, domain/follows.py)."""

    # ---------------------------------------------------------------- writes
    def save_listing(self, listing: Listing) -> None:
        for _attempt in range(SAVE_ATTEMPTS):
            old = self._get(f"LISTING#{listing.event_id}", "LISTING")
            version = int(old["version"]["N"]) if old else 0
            new_items = index_items(listing)
            new_keys = {(i["PK"]["S"], i["SK"]["S"]) for i in new_items}
            stale = [k for k in (tuple(x) for x in json.loads(old["index"]["S"])) if k not in new_keys] if old else []
            writes: list[dict[str, Any]] = [{"Delete": {"TableName": self.table_name, "Key": key(*k)}} for k in stale]
            writes += [{"Put": {"TableName": self.table_name, "Item": item}} for item in new_items]
            condition = "attribute_not_exists(PK)" if old is None else "version = :v"
            put: dict[str, Any] = {"TableName": self.table_name, "Item": listing_item(listing, version + 1),
                                   "ConditionExpression": condition}
            if old is not None:
                put["ExpressionAttributeValues"] = {":v": n(version)}
            try:
                self._transact([*writes, {"Put": put}])
                return
            except ConditionFailed:
                continue  # another save came between: read it and replace it
        raise RuntimeError(f"listing {listing.event_id} kept changing while being saved")

    def save_listings(self, listings: list[Listing]) -> None:
        """Bulk: old index entries read by BatchGetItem, everything written by BatchWriteItem (not one
        transaction per listing: a first load or a re-index, never racing organizers' saves of the same)."""
        olds = {item["PK"]["S"]: item for item in self._batch_get((f"LISTING#{x.event_id}", "LISTING")
                                                                     for x in listings)}
        requests: list[dict[str, Any]] = []
        for listing in listings:
            old = olds.get(f"LISTING#{listing.event_id}")
            version = int(old["version"]["N"]) if old else 0
            items = index_items(listing)
            keys = {(i["PK"]["S"], i["SK"]["S"]) for i in items}
            stale = [tuple(x) for x in json.loads(old["index"]["S"])] if old else []
            requests += [{"DeleteRequest": {"Key": key(*k)}} for k in stale if k not in keys]
            requests += [{"PutRequest": {"Item": item}} for item in [*items, listing_item(listing, version + 1)]]
        # A batch may not name one key twice (the month items repeat): the last request per key wins.
        batch = list({_request_key(r): r for r in requests}.values())
        for start in range(0, len(batch), 25):
            pending: dict[str, Any] = {self.table_name: batch[start:start + 25]}
            while pending:
                response = self._call(self.client.batch_write_item, RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}

    def get_listing(self, event_id: str) -> Listing | None:
        item = self._get(f"LISTING#{event_id}", "LISTING")
        return Listing.from_json(item["body"]["S"]) if item else None

    # ---------------------------------------------------------------- search
    def search_listings(self, query: ListingQuery, now: datetime, limit: int,
                        after: tuple[datetime, str] | None = None) -> ListingPage:
        limit = max(limit, 1)
        low = t2s(query.window_start(now))
        if after is not None:
            low = max(low, f"{t2s(after[0])}#{after[1]}\x00")
        high = t2s(query.date_to) if query.date_to is not None else None
        if high is not None and low >= high:
            return ListingPage((), None)
        by_month = not (query.organizer_id or query.tag or query.city)
        partitions = self._months(low, high) if by_month else [
            f"DISCOVER#ORG#{query.organizer_id}" if query.organizer_id else
            f"DISCOVER#TAG#{query.tag}" if query.tag else f"DISCOVER#CITY#{query.city}"]
        found: list[Listing] = []
        requests = 0
        for partition in partitions:
            start: Item | None = None
            while True:
                if requests == MAX_QUERIES:  # the budget is spent: the next page goes on from here
                    return ListingPage(tuple(found), _resume_at(partition, start))
                response = self._call(self.client.query, **self._search_request(
                    partition, query, now, low, high, start))
                requests += 1
                for item in response.get("Items", []):
                    found.append(Listing.from_json(item["body"]["S"]))
                    if len(found) > limit:
                        return ListingPage(tuple(found[:limit]), found[limit - 1].key)
                start = response.get("LastEvaluatedKey")
                if not start:
                    break
        return ListingPage(tuple(found), None)

    def _months(self, low: str, high: str | None) -> list[str]:
        """The month partitions from `low`'s month on (to `high`'s), skipping months without listings."""
        condition = "PK = :pk AND SK BETWEEN :lo AND :hi" if high else "PK = :pk AND SK >= :lo"
        values = {":pk": s(MONTHS), ":lo": s(month_of(low))}
        if high:
            values[":hi"] = s(month_of(high))
        response = self._call(self.client.query, TableName=self.table_name, KeyConditionExpression=condition,
                              ExpressionAttributeValues=values, Limit=MAX_QUERIES + 1)
        return [f"DISCOVER#ALL#{item['SK']['S']}" for item in response.get("Items", [])]

    def _search_request(self, partition: str, query: ListingQuery, now: datetime, low: str, high: str | None,
                        start: Item | None) -> dict[str, Any]:
        values: dict[str, Any] = {":pk": s(partition), ":lo": s(low), ":now": s(t2s(now))}
        condition = "PK = :pk AND SK >= :lo"
        if high is not None:
            condition = "PK = :pk AND SK BETWEEN :lo AND :hi"
            values[":hi"] = s(high)
        filters = ["ends_at > :now"]
        if query.city:
            filters.append("city = :city")
            values[":city"] = s(query.city)
        if query.tag:
            filters.append("contains(tags, :tag)")
            values[":tag"] = s(f"|{query.tag}|")
        if query.organizer_id:
            filters.append("organizer_id = :org")
            values[":org"] = s(query.organizer_id)
        for index, word in enumerate(query.text):
            filters.append(f"contains(words, :w{index})")
            values[f":w{index}"] = s(f" {word}")
        request: dict[str, Any] = {
            "TableName": self.table_name, "KeyConditionExpression": condition,
            "FilterExpression": " AND ".join(filters), "ExpressionAttributeValues": values, "Limit": QUERY_LIMIT}
        if start:
            request["ExclusiveStartKey"] = start
        return request

    # ---------------------------------------------------------------- organizer addresses
    def set_organizer_slug(self, organizer_id: str, slug: str) -> None:
        old = self.organizer_slug(organizer_id)
        if old == slug:
            return
        writes: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table_name,
                     "Item": {**key(f"OADDR#{slug}", "OADDR"), "kind": s("organizer_address"),
                              "organizer_id": s(organizer_id)},
                     "ConditionExpression": "attribute_not_exists(PK) OR organizer_id = :org",
                     "ExpressionAttributeValues": {":org": s(organizer_id)}}},
            {"Put": {"TableName": self.table_name,
                     "Item": {**key(f"ORGADDR#{organizer_id}", "ADDRESS"), "kind": s("organizer_address"),
                              "slug": s(slug)}}}]
        if old is not None:
            writes.append({"Delete": {"TableName": self.table_name, "Key": key(f"OADDR#{old}", "OADDR")}})
        try:
            self._transact(writes)
        except ConditionFailed:
            raise AddressTaken() from None

    def organizer_slug(self, organizer_id: str) -> str | None:
        item = self._get(f"ORGADDR#{organizer_id}", "ADDRESS")
        return item["slug"]["S"] if item else None

    def find_organizer_by_slug(self, slug: str) -> str | None:
        item = self._get(f"OADDR#{slug}", "OADDR")
        return item["organizer_id"]["S"] if item else None

    # ---------------------------------------------------------------- follows
    def save_follow(self, follow: Follow) -> None:
        old = self.get_follow(follow.organizer_id, follow.email)
        item: Item = {**key(f"FOLLOWERS#{follow.organizer_id}", follow.email), "kind": s("follow"),
                      "token": s(follow.token), "created_at": s(t2s(follow.created_at))}
        for name in ("confirmed_at", "stopped_at"):
            value = getattr(follow, name)
            if value is not None:
                item[name] = s(t2s(value))
        if follow.language is not None:
            item["language"] = s(follow.language)
        writes: list[dict[str, Any]] = [
            {"Put": {"TableName": self.table_name, "Item": item}},
            {"Put": {"TableName": self.table_name,
                     "Item": {**key(f"FOLLOWTOKEN#{follow.token}", "FOLLOW"), "kind": s("follow_token"),
                              "organizer_id": s(follow.organizer_id), "email": s(follow.email)}}}]
        if old is not None and old.token != follow.token:
            writes.append({"Delete": {"TableName": self.table_name, "Key": key(f"FOLLOWTOKEN#{old.token}", "FOLLOW")}})
        self._transact(writes)

    def get_follow(self, organizer_id: str, email: str) -> Follow | None:
        item = self._get(f"FOLLOWERS#{organizer_id}", email)
        return _follow(organizer_id, item) if item else None

    def find_follow(self, token: str) -> Follow | None:
        pointer = self._get(f"FOLLOWTOKEN#{token}", "FOLLOW")
        if pointer is None:
            return None
        follow = self.get_follow(pointer["organizer_id"]["S"], pointer["email"]["S"])
        return follow if follow is not None and follow.token == token else None

    def list_followers(self, organizer_id: str) -> list[Follow]:
        items = self._query(KeyConditionExpression="PK = :pk", ConsistentRead=True,
                            ExpressionAttributeValues={":pk": s(f"FOLLOWERS#{organizer_id}")})
        return [f for f in (_follow(organizer_id, item) for item in items) if f.active]


def _follow(organizer_id: str, item: Item) -> Follow:
    return Follow(token=item["token"]["S"], organizer_id=organizer_id, email=item["SK"]["S"],
                  created_at=s2t(item["created_at"]["S"]),
                  confirmed_at=s2t(item["confirmed_at"]["S"]) if "confirmed_at" in item else None,
                  stopped_at=s2t(item["stopped_at"]["S"]) if "stopped_at" in item else None,
                  language=item["language"]["S"] if "language" in item else None)
