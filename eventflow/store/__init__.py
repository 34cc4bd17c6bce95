"""Persistence behind one interface (`eventflow.domain.ports.Store`): SQLite or DynamoDB."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

from eventflow.domain.ports import StoreWithPayments


def open_store(url: str | None, data_dir: Path) -> StoreWithPayments:
    """Open the store named by EVENTFLOW_STORE (`sqlite:///path` or `dynamodb://TABLE?...`)."""
    if not url:
        url = f"sqlite:///{(data_dir / 'eventflow.db').resolve()}"
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        from eventflow.store.sqlite.store import SqliteStore

        # SQLAlchemy's convention: sqlite:///relative.db, sqlite:////absolute/path.db
        path = Path(url.removeprefix("sqlite:///"))
        if not str(path) or str(path) == ".":
            raise ValueError(f"EVENTFLOW_STORE {url!r}: expected sqlite:///path/to.db")
        return SqliteStore(path)
    if parsed.scheme == "dynamodb":
        from eventflow.store.dynamodb.store import DynamoStore

        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return DynamoStore(
            table_name=parsed.netloc or parsed.path.strip("/"),
            region_name=options.get("region"),
            endpoint_url=options.get("endpoint_url"),
        )
    raise ValueError(f"EVENTFLOW_STORE {url!r}: unknown scheme (use sqlite:/// or dynamodb://)")
