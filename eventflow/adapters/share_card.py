"""The link-preview card of an event without a cover: a 1200x630 PNG with its title, date and venue.

Drawn with Pillow and the fonts shipped for flyers (adapters/fonts/, per-character fallback in
flyers_text), so titles in Japanese or with emoji come out right on any machine. Cards are cached
as files under the data dir, one per event and version (the version changes with what the card
shows), written whole or not at all; older versions of the same event are removed.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from eventflow.adapters import flyers_text as text
from eventflow.adapters.flyers_local import RENDERING

SIZE = (1200, 630)
MARGIN = 72
BACKGROUND_TOP, BACKGROUND_BOTTOM = "#2e1065", "#5b21b6"  # the brand's violet (pages/components/frame.py)
INK, MUTED, ACCENT = "#ffffff", "#ddd6fe", "#f2c14e"


@dataclass(frozen=True, slots=True)
class CardFacts:
    title: str
    when: str  # already in the event's timezone, as the event page writes it
    venue: str
    footer: str  # the site's address, e.g. "tickets.example.org"
    cancelled: bool = False


def render_card(facts: CardFacts) -> bytes:
    """The card as PNG bytes (takes the flyer renderer's lock: the FreeType faces are shared)."""
    with RENDERING:
        image = _draw(facts)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _draw(facts: CardFacts) -> Image.Image:
    width, height = SIZE
    gradient = Image.linear_gradient("L").resize(SIZE)
    image = Image.composite(Image.new("RGB", SIZE, BACKGROUND_BOTTOM), Image.new("RGB", SIZE, BACKGROUND_TOP),
                            gradient)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width - 260, height - 230, width + 200, height + 230), fill="#6d28d9")  # away from the text
    inner = width - 2 * MARGIN
    y: float = MARGIN
    draw.rectangle((MARGIN, y, MARGIN + 110, y + 10), fill=ACCENT)
    y += 34
    if facts.cancelled:
        label = text.fit("CANCELLED", inner, 60, 40, 24, max_lines=1)
        text.draw_line(image, (MARGIN, y), label.lines[0], label.size, ACCENT)
        y += label.line_height + 6
    when = text.fit(facts.when, inner, 56, 38, 22, max_lines=1)
    text.draw_line(image, (MARGIN, y), when.lines[0], when.size, MUTED)
    y += when.line_height + 18
    footer_top = height - MARGIN - 34
    venue_height = 96 if facts.venue.strip() else 0
    title = text.fit(facts.title, inner, footer_top - y - venue_height - 24, 92, 40, max_lines=3)
    flush_right = text.right_to_left(facts.title)
    for line in title.lines:
        x = MARGIN + inner - text.line_width(line, title.size) if flush_right else MARGIN
        text.draw_line(image, (x, y), line, title.size, INK)
        y += title.line_height
    if facts.venue.strip():
        venue = text.fit(facts.venue.strip(), inner, venue_height, 36, 22, bold=False, max_lines=2)
        y += 16
        for line in venue.lines:
            text.draw_line(image, (MARGIN, y), line, venue.size, MUTED, bold=False)
            y += venue.line_height
    footer = text.fit(f"Tickets · {facts.footer}", inner, 40, 28, 16, max_lines=1)
    text.draw_line(image, (MARGIN, footer_top), footer.lines[0], footer.size, ACCENT)
    return image


class ShareCards:
    """Cards cached as `<directory>/<event id>-<version>.png`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, event_id: str, version: str) -> Path:
        return self.directory / f"{Path(event_id).name}-{Path(version).name}.png"

    def card(self, event_id: str, version: str, facts: CardFacts) -> Path:
        """The cached card, drawn first when this version has none yet (blocking: call off the loop)."""
        target = self.path(event_id, version)
        if target.is_file():
            return target
        data = render_card(facts)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        draft.write_bytes(data)
        draft.replace(target)  # atomic: a crawler never gets half a picture
        for old in self.directory.glob(f"{Path(event_id).name}-*.png"):
            if old != target:
                old.unlink(missing_ok=True)
        return target
