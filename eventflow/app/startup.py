"""Start-up checks: the data dir and the database are usable before the server answers anyone.

Without them a data dir that is a file ends in a traceback, and a corrupt, truncated or read-only
SQLite file starts a server that answers /health while every login and purchase is a 500. Each
problem becomes a `ConfigurationError` whose message is one sentence; `run` prints it and exits.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from eventflow.config import ConfigurationError, Settings
from eventflow.domain.ports import StoreWithPayments
from eventflow.store import open_store
from eventflow.store.sqlite.store import SqliteStore

PRIVATE_DIR = 0o700


def prepare_data_dir(settings: Settings) -> None:
    """The data dir exists (created 0700 when we create it), is a directory and is writable."""
    path = settings.data_dir
    if path.exists() and not path.is_dir():
        raise ConfigurationError(
            f"The data directory {path} is a file, not a directory: move it away or point EVENTFLOW_DATA_DIR "
            "at a directory.")
    try:
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigurationError(f"The data directory {path} cannot be created ({error.strerror}).") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigurationError(f"The data directory {path} is not writable by this user.")


def open_checked_store(settings: Settings) -> StoreWithPayments:
    """`open_store`, then (for SQLite) an integrity check and a write probe."""
    where = settings.store or str(settings.data_dir / "eventflow.db")
    try:
        store = open_store(settings.store, settings.data_dir)
    except ValueError as error:  # an EVENTFLOW_STORE that names no store
        raise ConfigurationError(str(error)) from None
    except sqlite3.Error as error:
        raise ConfigurationError(unusable_database(where, error)) from None
    if isinstance(store, SqliteStore):
        try:
            check_sqlite(store.path)
        except sqlite3.Error as error:
            store.close()
            raise ConfigurationError(unusable_database(where, error)) from None
    return store


def check_sqlite(path: Path) -> None:
    """Raise sqlite3.Error unless every page reads back and a write transaction can begin.

    `quick_check` reads the whole file (about a second per few hundred MB), once per start; the
    write probe creates a table inside a transaction it rolls back, so nothing changes."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        problems = [row[0] for row in db.execute("PRAGMA quick_check(1)").fetchall()]
        if problems != ["ok"]:
            lines = [line for row in problems for line in str(row).splitlines() if not line.startswith("***")]
            raise sqlite3.DatabaseError(f"damaged, {lines[0] if lines else 'quick_check failed'}")
        db.execute("BEGIN IMMEDIATE")
        try:  # SQLite only finds out it cannot write at the first write, so write one and roll it back
            db.execute("CREATE TABLE main.eventflow_write_probe (x)")
        finally:
            db.execute("ROLLBACK")


def unusable_database(where: str, error: sqlite3.Error) -> str:
    reason = " ".join(str(error).split())  # one line, whatever SQLite says
    if "readonly" in reason or "read-only" in reason:
        return f"The database {where} is read-only: EventFlow needs to write to it (and to its folder)."
    return (f"The database {where} cannot be used ({reason}): restore it from a backup, or move it away to "
            "start with an empty one.")
