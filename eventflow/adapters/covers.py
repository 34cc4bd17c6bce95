"""Event cover images: checked with Pillow, re-encoded as JPEG (max 1600 px) under the data dir.

Re-encoding strips metadata (camera GPS) and anything that is not really an image."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from eventflow.domain.errors import ValidationFailed

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SIDE = 1600


class CoverImages:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, event_id: str) -> Path:
        return self.directory / f"{event_id}.jpg"

    def exists(self, event_id: str) -> bool:
        return self.path(event_id).is_file()

    def save(self, event_id: str, data: bytes) -> Path:
        if len(data) > MAX_UPLOAD_BYTES:
            raise ValidationFailed("The image is larger than 8 MB", field="cover")
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                picture = image.convert("RGB")
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            raise ValidationFailed("That file is not an image we can read (use JPEG or PNG)",
                                   field="cover") from None
        picture.thumbnail((MAX_SIDE, MAX_SIDE))
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path(event_id)
        temporary = target.with_suffix(".tmp")
        picture.save(temporary, "JPEG", quality=85, optimize=True)
        temporary.replace(target)  # atomic: a page never shows half an image
        return target
