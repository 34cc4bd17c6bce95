"""Flyer files under the data dir, one folder per flyer (`flyers/<flyer id>/poster.pdf`, ...), as
covers keep theirs (adapters/covers.py): written whole or not at all."""

from __future__ import annotations

import re
from pathlib import Path

SAFE = re.compile(r"^[A-Za-z0-9_-]+$")  # ids and names never leave the flyers folder


class FlyerFileStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, flyer_id: str, name: str) -> Path:
        stem, _, suffix = name.partition(".")
        if not SAFE.match(flyer_id) or not SAFE.match(stem) or not SAFE.match(suffix):
            raise ValueError("not a flyer file name")
        return self.directory / flyer_id / name

    def save(self, flyer_id: str, name: str, data: bytes) -> None:
        target = self._path(flyer_id, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(data)
        temporary.replace(target)  # atomic: a download never gets half a file

    def read(self, flyer_id: str, name: str) -> bytes | None:
        try:
            return self._path(flyer_id, name).read_bytes()
        except (ValueError, OSError):
            return None
