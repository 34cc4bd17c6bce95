"""Discovery listings, organizer addresses and follows on the SQLite file: a mixin of `SqliteStore`.

A search is one SELECT over indexes, never a pass over every event:
- `listings_by_start` (starts_at, event_id) of published listings walks the date order from the
  cursor; `listings_by_city` and `listings_by_organizer` serve those filters;
- `listing_tags` (tag, starts_at, event_id) answers a tag;
- `listing_words` (FTS5) answers the text: each query word as a quoted prefix term (`"jazz"*`),
  the words already folded in Python (domain/discovery.py `words_of`), so quotes, stars,
  `NEAR(` and other FTS syntax in what a visitor types are only ever separators.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from eventflow.domain.discovery import AddressTaken, Listing, ListingPage, ListingQuery
from eventflow.domain.follows import Follow
from eventflow.store.codec import instant_to_text as t2s
from eventflow.store.codec import text_to_instant as s2t
from eventflow.store.sqlite.database import SqliteDatabase

DISCOVERY_SCHEMA = """
CREATE TABLE IF NOT EXISTS listings (
    event_id TEXT PRIMARY KEY, organizer_id TEXT NOT NULL, published INTEGER NOT NULL,
    starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, city TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS listings_by_start ON listings (starts_at, event_id, ends_at) WHERE published = 1;
CREATE INDEX IF NOT EXISTS listings_by_city ON listings (city, starts_at, event_id) WHERE published = 1;
CREATE INDEX IF NOT EXISTS listings_by_organizer ON listings (organizer_id, starts_at, event_id) WHERE published = 1;
CREATE TABLE IF NOT EXISTS listing_tags (
    tag TEXT NOT NULL, starts_at TEXT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (tag, starts_at, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS listing_tags_by_event ON listing_tags (event_id);
CREATE VIRTUAL TABLE IF NOT EXISTS listing_words USING fts5 (words, event_id UNINDEXED);
CREATE TABLE IF NOT EXISTS organizer_addresses (
    organizer_id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS follows (
    organizer_id TEXT NOT NULL, email TEXT NOT NULL, token TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL,
    confirmed_at TEXT, stopped_at TEXT, PRIMARY KEY (organizer_id, email)
);
"""


def fts_terms(words: tuple[str, ...]) -> str:
    """Query words (already letters and digits only) as FTS5 prefix terms, all required."""
    return " ".join('"' + word.replace('"', "") + '"*' for word in words)


class SqliteDiscoveryMixin(SqliteDatabase):
    """`DiscoveryStore` and `FollowStore` (domain/discovery.py, domain/follows.py)."""

    def save_listing(self, listing: Listing) -> None:
        self.save_listings([listing])

    def save_listings(self, listings: list[Listing]) -> None:
        with self._write() as db:
            for listing in listings:
                self._put_listing(db, listing)

    @staticmethod
    def _put_listing(db: sqlite3.Connection, listing: Listing) -> None:
        starts = t2s(listing.starts_at)
        db.execute("INSERT INTO listings VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO UPDATE SET"
                   " organizer_id = excluded.organizer_id, published = excluded.published,"
                   " starts_at = excluded.starts_at, ends_at = excluded.ends_at, city = excluded.city,"
                   " body = excluded.body",
                   (listing.event_id, listing.organizer_id, int(listing.published), starts,
                    t2s(listing.ends_at), listing.city, listing.to_json()))
        db.execute("DELETE FROM listing_tags WHERE event_id = ?", (listing.event_id,))
        db.executemany("INSERT INTO listing_tags VALUES (?, ?, ?)",
                       [(tag, starts, listing.event_id) for tag in listing.tags])
        db.execute("DELETE FROM listing_words WHERE event_id = ?", (listing.event_id,))
        db.execute("INSERT INTO listing_words (words, event_id) VALUES (?, ?)", (listing.words, listing.event_id))

    def get_listing(self, event_id: str) -> Listing | None:
        row = self._db().execute("SELECT body FROM listings WHERE event_id = ?", (event_id,)).fetchone()
        return Listing.from_json(row[0]) if row else None

    def search_listings(self, query: ListingQuery, now: datetime, limit: int,
                        after: tuple[datetime, str] | None = None) -> ListingPage:
        # With a tag, the walk goes down `listing_tags` in date order (CROSS JOIN keeps it the outer
        # loop), so a page stops after its rows however many events carry the tag; otherwise down
        # `listings_by_start` / `_by_city` / `_by_organizer`. Text narrows through the FTS5 table.
        order = "t" if query.tag else "l"
        where = ["l.published = 1", f"{order}.starts_at >= :start", "l.ends_at > :now"]
        params: dict[str, object] = {"start": t2s(query.window_start(now)), "now": t2s(now), "limit": max(limit, 1) + 1}
        if after is not None:
            where.append(f"({order}.starts_at, {order}.event_id) > (:after_start, :after_id)")
            params.update(after_start=t2s(after[0]), after_id=after[1])
        if query.date_to is not None:
            where.append(f"{order}.starts_at < :end")
            params["end"] = t2s(query.date_to)
        if query.city:
            where.append("l.city = :city")
            params["city"] = query.city
        if query.organizer_id:
            where.append("l.organizer_id = :organizer")
            params["organizer"] = query.organizer_id
        source = "listings l"
        if query.tag:
            source = "listing_tags t CROSS JOIN listings l ON l.event_id = t.event_id"
            where.append("t.tag = :tag")
            params["tag"] = query.tag
        if query.text:
            where.append("l.event_id IN (SELECT event_id FROM listing_words WHERE listing_words MATCH :text)")
            params["text"] = fts_terms(query.text)
        rows = self._db().execute(
            f"SELECT l.body FROM {source} WHERE {' AND '.join(where)}"
            f" ORDER BY {order}.starts_at, {order}.event_id LIMIT :limit", params).fetchall()
        listings = [Listing.from_json(row[0]) for row in rows]
        page = listings[:max(limit, 1)]
        return ListingPage(tuple(page), page[-1].key if len(listings) > len(page) else None)

    # ---------------------------------------------------------------- organizer addresses
    def set_organizer_slug(self, organizer_id: str, slug: str) -> None:
        try:
            with self._write() as db:
                db.execute("INSERT INTO organizer_addresses VALUES (?, ?) ON CONFLICT (organizer_id)"
                           " DO UPDATE SET slug = excluded.slug", (organizer_id, slug))
        except sqlite3.IntegrityError:
            raise AddressTaken() from None

    def organizer_slug(self, organizer_id: str) -> str | None:
        row = self._db().execute("SELECT slug FROM organizer_addresses WHERE organizer_id = ?",
                                 (organizer_id,)).fetchone()
        return str(row[0]) if row else None

    def find_organizer_by_slug(self, slug: str) -> str | None:
        row = self._db().execute("SELECT organizer_id FROM organizer_addresses WHERE slug = ?", (slug,)).fetchone()
        return str(row[0]) if row else None

    # ---------------------------------------------------------------- follows
    def save_follow(self, follow: Follow) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO follows (organizer_id, email, token, created_at, confirmed_at,"
                       " stopped_at, language) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (follow.organizer_id, follow.email, follow.token, t2s(follow.created_at),
                        t2s(follow.confirmed_at), t2s(follow.stopped_at), follow.language))

    def get_follow(self, organizer_id: str, email: str) -> Follow | None:
        row = self._db().execute("SELECT * FROM follows WHERE organizer_id = ? AND email = ?",
                                 (organizer_id, email)).fetchone()
        return _follow(row) if row else None

    def find_follow(self, token: str) -> Follow | None:
        row = self._db().execute("SELECT * FROM follows WHERE token = ?", (token,)).fetchone()
        return _follow(row) if row else None

    def list_followers(self, organizer_id: str) -> list[Follow]:
        rows = self._db().execute(
            "SELECT * FROM follows WHERE organizer_id = ? AND confirmed_at IS NOT NULL AND stopped_at IS NULL"
            " ORDER BY email", (organizer_id,)).fetchall()
        return [_follow(row) for row in rows]


def _follow(row: sqlite3.Row) -> Follow:
    return Follow(token=row["token"], organizer_id=row["organizer_id"], email=row["email"],
                  created_at=s2t(row["created_at"]),
                  confirmed_at=s2t(row["confirmed_at"]), stopped_at=s2t(row["stopped_at"]), language=row["language"])
