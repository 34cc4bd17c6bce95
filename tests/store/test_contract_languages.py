"""Store contract for the languages mails are written in (issue 15): an organizer's (written alone by
`set_organizer_language`, never undone by `save_organizer`), a follower's and a waitlist entry's, the same
on every store; SQLite files from before these columns open, gain them once, and read None (English)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eventflow.domain.follows import Follow
from eventflow.domain.models import Organizer
from eventflow.domain.waitlist_rules import WaitlistEntry

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def organizer(organizer_id: str, language: str | None = None) -> Organizer:
    return Organizer(id=organizer_id, email=f"{organizer_id}@example.com", name="Org", password_hash="h",
                     created_at=NOW, language=language)


def test_an_organizers_language_is_kept_and_written_alone(store: Any) -> None:
    store.add_organizer(organizer("org_de", "de"))
    store.add_organizer(organizer("org_none"))
    assert store.get_organizer("org_de").language == "de"
    assert store.find_organizer_by_email("org_none@example.com").language is None
    stale = store.get_organizer("org_none")
    store.set_organizer_language("org_none", "es")
    store.save_organizer(replace(stale, name="Renamed", session_epoch=3))  # a read from before the setting
    assert (store.get_organizer("org_none").language, store.get_organizer("org_none").name) == ("es", "Renamed")
    store.set_organizer_language("org_de", None)
    assert store.get_organizer("org_de").language is None
    store.set_organizer_language("org_missing", "de")  # no such organizer: nothing happens
    assert store.get_organizer("org_missing") is None


def test_a_followers_language_is_kept(store: Any) -> None:
    store.save_follow(Follow(token="tok_a", organizer_id="org_1", email="a@example.com", created_at=NOW,
                             confirmed_at=NOW, language="es"))
    store.save_follow(Follow(token="tok_b", organizer_id="org_1", email="b@example.com", created_at=NOW,
                             confirmed_at=NOW))
    assert store.find_follow("tok_a").language == "es"
    assert [f.language for f in store.list_followers("org_1")] == ["es", None]


def test_a_waitlist_entrys_language_is_kept(store: Any) -> None:
    def entry(email: str, language: str | None) -> WaitlistEntry:
        return WaitlistEntry(id="", event_id="evt_1", tier_id="tier_1", email=email, name="N", quantity=1,
                             key="k", created_at=NOW, language=language)

    german = store.join_waitlist(entry("de@example.com", "de"))
    plain = store.join_waitlist(entry("en@example.com", None))
    assert store.get_waitlist_entry(german.id).language == "de"
    assert store.get_waitlist_entry(plain.id).language is None
    assert [e.language for e in store.waitlist_entries("evt_1")] == ["de", None]


def test_a_sqlite_file_from_before_languages_opens_and_reads_english(tmp_path: Path) -> None:
    from eventflow.store.sqlite.store import SqliteStore

    path = tmp_path / "old.db"
    first = SqliteStore(path)
    first.add_organizer(organizer("org_1"))
    first.save_follow(Follow(token="tok", organizer_id="org_1", email="a@example.com", created_at=NOW))
    first.close()
    with sqlite3.connect(path) as old:  # the file as it was before the columns
        old.execute("ALTER TABLE organizers DROP COLUMN language")
        old.execute("ALTER TABLE follows DROP COLUMN language")
    for _ in range(2):  # opened twice: the migration adds each column once
        reopened = SqliteStore(path)
        assert reopened.get_organizer("org_1").language is None  # type: ignore[union-attr]
        assert reopened.find_follow("tok").language is None  # type: ignore[union-attr]
        reopened.set_organizer_language("org_1", "de")
        assert reopened.get_organizer("org_1").language == "de"  # type: ignore[union-attr]
        reopened.close()
        with sqlite3.connect(path) as old:
            old.execute("UPDATE organizers SET language = NULL")
